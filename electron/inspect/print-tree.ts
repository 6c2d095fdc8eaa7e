import type { ModelDescription, ModuleNode } from '../contract/model-description';

export interface PrintOptions {
  /** Append each weight's GGML type (`# Q4_K`). Layers whose types differ then print separately. */
  readonly types?: boolean;
}

/**
 * The module tree as PyTorch's `print(model)` shows it: runs of identical layers collapse to
 * `(0-15): 16 x LlamaDecoderLayer(...)`, and the base model's modules sit inside `(model): ...`.
 */
export function printModuleTree(description: ModelDescription, options: PrintOptions = {}): string {
  const root = description.modules;
  const lines: string[] = [`${root.className}(`];
  const head = root.children.filter((c) => c.key === 'lm_head');
  const body = root.children.filter((c) => c.key !== 'lm_head');
  if (description.baseModelClass !== null) {
    lines.push(`  (model): ${description.baseModelClass}(`);
    for (const child of body) lines.push(...entry(child.key, child, '    ', options));
    lines.push('  )');
  } else {
    for (const child of body) lines.push(...entry(child.key, child, '  ', options));
  }
  for (const child of head) lines.push(...entry(child.key, child, '  ', options));
  lines.push(')');
  return lines.join('\n');
}

function entry(label: string, node: ModuleNode, indent: string, options: PrintOptions): string[] {
  const body = repr(node, indent, options);
  const [first = '', ...rest] = body;
  return [`${indent}(${label}): ${first}`, ...rest];
}

/** Lines of a module's repr; the first line has no indent (it follows `(key): `). */
function repr(node: ModuleNode, indent: string, options: PrintOptions): string[] {
  const note = annotation(node, options);
  switch (node.kind) {
    case 'linear':
      return [`Linear(in_features=${node.in ?? '?'}, out_features=${node.out ?? '?'}, bias=${node.bias === true ? 'True' : 'False'})${note}`];
    case 'embedding':
      return [`${node.className}(${node.in ?? '?'}, ${node.out ?? '?'})${note}`];
    case 'norm': {
      const shape = `(${(node.shape ?? []).join(', ')},)`;
      return [`${node.className}(${shape}${node.eps !== undefined ? `, eps=${pythonFloat(node.eps)}` : ''})${note}`];
    }
    case 'activation':
    case 'rotary':
      return [`${node.className}()${note}`];
    case 'tensor':
      return [`Tensor(shape=[${(node.shape ?? []).join(', ')}], ${node.type ?? '?'})`];
    case 'list':
      return container(node, indent, listEntries(node, `${indent}  `, options));
    default:
      return container(node, indent, node.children.flatMap((c) => entry(c.key, c, `${indent}  `, options)));
  }
}

function container(node: ModuleNode, indent: string, inner: string[]): string[] {
  if (inner.length === 0) return [`${node.className}()`];
  return [`${node.className}(`, ...inner, `${indent})`];
}

/** PyTorch's ModuleList repr: consecutive children with identical reprs print once as `(a-b): n x Class(...)`. */
function listEntries(list: ModuleNode, indent: string, options: PrintOptions): string[] {
  const lines: string[] = [];
  const reprs = list.children.map((c) => repr(c, indent, options));
  let start = 0;
  while (start < reprs.length) {
    const text = (reprs[start] ?? []).join('\n');
    let end = start + 1;
    while (end < reprs.length && (reprs[end] ?? []).join('\n') === text) end++;
    const first = list.children[start];
    const last = list.children[end - 1];
    const [head = '', ...rest] = reprs[start] ?? [];
    const label = end - start === 1 ? (first?.key ?? '') : `${first?.key ?? ''}-${last?.key ?? ''}`;
    const count = end - start === 1 ? '' : `${end - start} x `;
    lines.push(`${indent}(${label}): ${count}${head}`, ...rest);
    start = end;
  }
  return lines;
}

function annotation(node: ModuleNode, options: PrintOptions): string {
  const notes: string[] = [];
  if (node.tiedTo !== undefined) notes.push(`tied to ${node.tiedTo}`);
  if (node.parts) notes.push(node.parts.map((p) => `${p.name} ${p.size}`).join(' + '));
  if (options.types === true && node.type !== undefined && node.tiedTo === undefined) notes.push(node.type);
  return notes.length > 0 ? `  # ${notes.join(', ')}` : '';
}

/** Python's float repr for the shortest f32 value (1e-05, 1e-06, 0.0001): GGUF stores eps as f32. */
export function pythonFloat(value: number): string {
  let digits = value.toPrecision(9);
  for (let p = 1; p <= 9; p++) {
    const candidate = value.toPrecision(p);
    if (Math.fround(Number(candidate)) === Math.fround(value)) {
      digits = candidate;
      break;
    }
  }
  const n = Number(digits);
  if (n === 0) return '0.0';
  const exponent = Math.floor(Math.log10(Math.abs(n)));
  if (exponent < -4 || exponent >= 16) {
    const [mantissa = '', exp = '0'] = n.toExponential().split('e');
    const e = Number(exp);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const plain = String(n);
  return plain.includes('.') ? plain : `${plain}.0`;
}

/** The tree followed by the numbers a reader asks next: heads, RoPE, vocabulary, sizes, KV cache. */
export function printDescription(d: ModelDescription, options: PrintOptions = {}): string {
  const lines = [printModuleTree(d, options), ''];
  const title = d.name !== null ? `${d.name} (${d.architecture})` : d.architecture;
  lines.push(`${title}: ${formatCount(d.parameters)} parameters, ${formatBytes(d.tensorBytes)} of weights${d.dominantType ? `, mostly ${d.dominantType}` : ''}${d.fileType ? ` (file type ${d.fileType})` : ''}`);
  const shape = [
    d.layers !== null ? `${d.layers} layers` : null,
    d.embeddingLength !== null ? `embedding ${d.embeddingLength}` : null,
    d.feedForwardLength !== null ? `feed-forward ${d.feedForwardLength}` : null,
    d.activation !== null ? `activation ${d.activation}` : null,
  ].filter((s) => s !== null);
  if (shape.length > 0) lines.push(`Shape: ${shape.join(', ')}`);
  lines.push(`Attention: ${d.attention.summary}`);
  if (d.rope) {
    const scaling = d.rope.scaling ? `, scaling ${d.rope.scaling}${d.rope.scalingFactor !== null ? ` x${d.rope.scalingFactor}` : ''}` : '';
    const factors = d.rope.frequencyFactors ? `, frequency factors ${d.rope.frequencyFactors}` : '';
    lines.push(`RoPE: base ${d.rope.base}, ${d.rope.dimensions ?? '?'} dimensions${scaling}${factors}`);
  }
  const swa = d.slidingWindow;
  if (swa) {
    const rope = swa.localRopeBase !== null ? `; local layers use RoPE base ${swa.localRopeBase}` : '';
    lines.push(`Sliding window: ${swa.window} tokens on ${swa.localLayers.length} of ${d.layers ?? '?'} layers; layers ${swa.globalLayers.join(', ')} attend to the whole context${rope}`);
  }
  if (d.contextLength !== null) lines.push(`Trained context: ${d.contextLength} tokens`);
  const tok = d.tokenizer;
  const tokDetail = tok ? ` (${tok.kind}${tok.merges !== null ? `, ${tok.merges} merges` : ''}${tok.pre ? `, pre-tokenizer ${tok.pre}` : ''})` : '';
  if (d.vocabSize !== null) lines.push(`Vocabulary: ${d.vocabSize} tokens${tokDetail}`);
  const c = d.parametersByComponent;
  lines.push(
    `Parameters: embedding ${formatCount(c.embedding)}, attention ${formatCount(c.attention)}, MLP ${formatCount(c.mlp)}, norms ${formatCount(c.norms)}, lm_head ${d.tiedEmbeddings ? 'tied to embed_tokens' : formatCount(c.lmHead)}${c.other > 0 ? `, other ${formatCount(c.other)}` : ''}`,
  );
  lines.push(`Types: ${d.types.map((t) => `${t.type} ${t.tensors} tensors (${formatBytes(t.bytes)})`).join(', ')}`);
  if (d.kvCache.bytesPerToken !== null) {
    const at = d.kvCache.bytes !== null && d.kvCache.contextLength !== null ? `, ${formatBytes(d.kvCache.bytes)} for ${d.kvCache.contextLength} tokens` : '';
    lines.push(`KV cache (f16): ${formatBytes(d.kvCache.bytesPerToken)} per token${at}`);
    if (swa?.windowedKvBytes != null) {
      lines.push(`  (full size on every layer, as Glassbox keeps it to reuse a conversation's cache; ${formatBytes(swa.windowedKvBytes)} if the local layers kept only their window)`);
    }
  }
  for (const w of d.warnings) lines.push(`Note: ${w}`);
  return lines.join('\n');
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}
