import type { ArchitectureSpec } from './architectures';
import type { ModuleNode } from '../contract/model-description';
import { elementCount } from './ggml-types';
import type { GgufTensorInfo } from './gguf-reader';

export interface TreeContext {
  readonly architecture: string;
  readonly spec: ArchitectureSpec | undefined;
  readonly layers: number;
  readonly eps: number | null;
  readonly heads: number | null;
  readonly kvHeads: number | null;
  readonly keyLength: number | null;
  readonly valueLength: number | null;
}

export interface ModuleTree {
  readonly root: ModuleNode;
  /** GGUF tensor name → HF-style name (`blk.0.attn_k.weight` → `layers.0.self_attn.k_proj.weight`). */
  readonly hfNames: ReadonlyMap<string, string>;
}

const BLOCK = /^blk\.(\d+)\.(.+)$/;
/** Rotary frequency factors are buffers in HF, not learned parameters: counted in bytes, not in parameters. */
export const ROPE_BUFFERS = new Set(['rope_freqs', 'rope_factors_long', 'rope_factors_short']);
const ATTN_ORDER = ['q_proj', 'k_proj', 'v_proj', 'qkv_proj', 'o_proj', 'q_norm', 'k_norm'];
const MLP_ORDER = ['gate_proj', 'up_proj', 'gate_up_proj', 'down_proj'];

function node(name: string, key: string, kind: ModuleNode['kind'], className: string): ModuleNode {
  return { name, key, kind, className, parameters: 0, bytes: 0, tensors: [], children: [] };
}

/** `attn_q.weight` → ['attn_q', 'weight']; names without a known suffix keep their whole name as base. */
function splitParam(name: string): [string, string] {
  for (const param of ['weight', 'bias']) {
    if (name.endsWith(`.${param}`)) return [name.slice(0, -param.length - 1), param];
  }
  return [name, ''];
}

function addTensor(target: ModuleNode, t: GgufTensorInfo, learned = true): void {
  target.tensors.push(t.name);
  target.bytes += t.bytes ?? 0;
  if (learned) target.parameters += elementCount(t.dims);
}

function tensorNode(name: string, key: string, t: GgufTensorInfo, learned = true): ModuleNode {
  const n = node(name, key, 'tensor', 'Tensor');
  n.shape = [...t.dims];
  n.type = t.typeName;
  addTensor(n, t, learned);
  return n;
}

/** Fills a module from its weight (and bias): Linear gets in/out from the [in, out] GGUF shape. */
function fillModule(module: ModuleNode, t: GgufTensorInfo, param: string, eps: number | null): void {
  addTensor(module, t);
  if (param === 'bias') {
    module.bias = true;
    return;
  }
  module.type = t.typeName;
  if (module.kind === 'linear') {
    module.in = t.dims[0];
    module.out = t.dims[1] ?? 1;
    module.bias ??= false;
  } else if (module.kind === 'norm') {
    module.shape = [...t.dims];
    if (eps !== null) module.eps = eps;
  }
}

export function buildModuleTree(tensors: readonly GgufTensorInfo[], ctx: TreeContext): ModuleTree {
  const tree = ctx.spec ? mappedTree(tensors, ctx, ctx.spec) : fallbackTree(tensors, ctx);
  total(tree.root);
  return { root: ordered(tree.root), hfNames: tree.hfNames };
}

function mappedTree(tensors: readonly GgufTensorInfo[], ctx: TreeContext, spec: ArchitectureSpec): ModuleTree {
  const hfNames = new Map<string, string>();
  const root = node('', '', 'model', spec.modelClass);
  const layers = Array.from({ length: ctx.layers }, (_, i) => node(`layers.${i}`, String(i), 'block', spec.layerClass));
  const embed = node('embed_tokens', 'embed_tokens', 'embedding', spec.embeddingClass);
  const norm = node('norm', 'norm', 'norm', spec.normClass);
  const rotary = node('rotary_emb', 'rotary_emb', 'rotary', spec.rotaryClass);
  const lmHead = node('lm_head', 'lm_head', 'linear', 'Linear');
  const extras: ModuleNode[] = [];
  let hasEmbed = false;
  let hasNorm = false;
  let hasHead = false;

  for (const t of tensors) {
    const block = BLOCK.exec(t.name);
    if (block) {
      const index = Number(block[1]);
      const layer = layers[index] ?? (layers[index] = node(`layers.${index}`, String(index), 'block', spec.layerClass));
      placeInLayer(layer, t, block[2] ?? '', ctx, spec, hfNames);
      continue;
    }
    const [base, param] = splitParam(t.name);
    const suffix = param ? `.${param}` : '';
    if (base === 'token_embd' && param === 'weight') {
      addTensor(embed, t);
      embed.type = t.typeName;
      embed.in = t.dims[1];
      embed.out = t.dims[0];
      hasEmbed = true;
      hfNames.set(t.name, 'embed_tokens.weight');
    } else if (base === 'output_norm') {
      fillModule(norm, t, param, ctx.eps);
      hasNorm = true;
      hfNames.set(t.name, `norm${suffix}`);
    } else if (base === 'output') {
      fillModule(lmHead, t, param, ctx.eps);
      hasHead = true;
      hfNames.set(t.name, `lm_head${suffix}`);
    } else if (ROPE_BUFFERS.has(base)) {
      addTensor(rotary, t, false);
      hfNames.set(t.name, `rotary_emb.${base}`);
    } else {
      extras.push(tensorNode(t.name, t.name, t, true));
    }
  }

  if (!hasHead && hasEmbed) {
    // Tied embeddings: llama.cpp reuses token_embd as the output projection, so lm_head owns no tensor.
    lmHead.in = embed.out;
    lmHead.out = embed.in;
    lmHead.bias = false;
    if (embed.type !== undefined) lmHead.type = embed.type;
    lmHead.tiedTo = 'embed_tokens';
  }

  const present = layers.filter((layer) => layer !== undefined);
  for (const layer of present) finishLayer(layer, ctx, spec);
  const list = node('layers', 'layers', 'list', 'ModuleList');
  list.children = present;
  root.children = [
    ...(hasEmbed ? [embed] : []),
    list,
    ...(hasNorm ? [norm] : []),
    rotary,
    ...extras,
    ...(hasHead || hasEmbed ? [lmHead] : []),
  ];
  return { root, hfNames };
}

function placeInLayer(layer: ModuleNode, t: GgufTensorInfo, rest: string, ctx: TreeContext, spec: ArchitectureSpec, hfNames: Map<string, string>): void {
  const [base, param] = splitParam(rest);
  const path = spec.layerTensors[base];
  const isMatrix = t.dims.length === 2;
  const leafKey = path?.split('.').pop() ?? '';
  const kind = leafKey.endsWith('_proj') ? 'linear' : 'norm';
  // A mapped name with an unexpected shape (a 3-D expert stack, a 2-D norm) stays a raw tensor rather than a wrong Linear.
  const shapeFits = param === 'bias' || (kind === 'linear' ? isMatrix : t.dims.length === 1);
  if (!path || !param || !shapeFits) {
    layer.children.push(tensorNode(t.name, rest, t));
    return;
  }
  let parent = layer;
  const segments = path.split('.');
  for (const segment of segments.slice(0, -1)) {
    let child = parent.children.find((c) => c.key === segment);
    if (!child) {
      const className = segment === 'self_attn' ? spec.attentionClass : segment === 'mlp' ? spec.mlpClass : segment;
      child = node(`${parent.name}.${segment}`, segment, 'container', className);
      parent.children.push(child);
    }
    parent = child;
  }
  let module = parent.children.find((c) => c.key === leafKey);
  if (!module) {
    module = node(`${parent.name}.${leafKey}`, leafKey, kind, kind === 'linear' ? 'Linear' : spec.normClass);
    parent.children.push(module);
  }
  fillModule(module, t, param, ctx.eps);
  hfNames.set(t.name, `${module.name}.${param}`);
}

function finishLayer(layer: ModuleNode, ctx: TreeContext, spec: ArchitectureSpec): void {
  const attn = layer.children.find((c) => c.key === 'self_attn');
  const mlp = layer.children.find((c) => c.key === 'mlp');
  if (attn) {
    sortBy(attn.children, ATTN_ORDER);
    const qkv = attn.children.find((c) => c.key === 'qkv_proj');
    const { heads, kvHeads, keyLength, valueLength } = ctx;
    if (qkv?.out !== undefined && heads !== null && kvHeads !== null && keyLength !== null && valueLength !== null) {
      const q = heads * keyLength;
      const k = kvHeads * keyLength;
      const v = kvHeads * valueLength;
      if (q + k + v === qkv.out) qkv.parts = [{ name: 'q', size: q }, { name: 'k', size: k }, { name: 'v', size: v }];
    }
  }
  if (mlp) {
    sortBy(mlp.children, MLP_ORDER);
    const gateUp = mlp.children.find((c) => c.key === 'gate_up_proj');
    if (gateUp?.out !== undefined && gateUp.out % 2 === 0) {
      gateUp.parts = [{ name: 'gate', size: gateUp.out / 2 }, { name: 'up', size: gateUp.out / 2 }];
    }
    mlp.children.push(node(`${mlp.name}.${spec.activation.key}`, spec.activation.key, 'activation', spec.activation.className));
  }
  sortBy(layer.children, spec.layerOrder);
}

/** Stable sort by a preferred key order; keys not listed (unmapped tensors) keep their order at the end. */
function sortBy(children: ModuleNode[], order: readonly string[]): void {
  const rank = (key: string): number => {
    const i = order.indexOf(key);
    return i === -1 ? order.length : i;
  };
  children.sort((a, b) => rank(a.key) - rank(b.key));
}

/** Unknown architectures: raw tensors, per block, with their GGUF names. Never an error. */
function fallbackTree(tensors: readonly GgufTensorInfo[], ctx: TreeContext): ModuleTree {
  const root = node('', '', 'model', ctx.architecture);
  const blocks: ModuleNode[] = [];
  const before: ModuleNode[] = [];
  const after: ModuleNode[] = [];
  for (const t of tensors) {
    const block = BLOCK.exec(t.name);
    if (block) {
      const index = Number(block[1]);
      const b = blocks[index] ?? (blocks[index] = node(`blk.${index}`, String(index), 'block', 'Block'));
      b.children.push(tensorNode(t.name, block[2] ?? t.name, t, !ROPE_BUFFERS.has(splitParam(block[2] ?? '')[0])));
    } else {
      const learned = !ROPE_BUFFERS.has(splitParam(t.name)[0]);
      (t.name.startsWith('output') ? after : before).push(tensorNode(t.name, t.name, t, learned));
    }
  }
  const list = node('blk', 'blk', 'list', 'ModuleList');
  for (let i = 0; i < Math.max(blocks.length, ctx.layers); i++) list.children.push(blocks[i] ?? node(`blk.${i}`, String(i), 'block', 'Block'));
  root.children = [...before, ...(list.children.length > 0 ? [list] : []), ...after];
  return { root, hfNames: new Map() };
}

function total(n: ModuleNode): void {
  for (const child of n.children) {
    total(child);
    n.parameters += child.parameters;
    n.bytes += child.bytes;
  }
}

/** Same node with keys in a reading order (identity, shape, sizes, children last) for the JSON output. */
function ordered(n: ModuleNode): ModuleNode {
  const { name, key, kind, className, children, parameters, bytes, tensors, ...shape } = n;
  return { name, key, kind, className, ...shape, parameters, bytes, tensors, children: children.map(ordered) };
}
