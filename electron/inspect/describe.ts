import { basename } from 'node:path';
import { architectureSpec } from './architectures';
import type { AttentionDescription, ModelDescription, TensorSummary } from '../contract/model-description';
import { elementCount } from './ggml-types';
import { metaArray, metaNumber, metaString, readGgufHeader, type GgufFileInfo, type ReadGgufOptions } from './gguf-reader';
import { buildModuleTree, ROPE_BUFFERS } from './module-tree';
import { describeSlidingWindow } from './sliding-window';

export interface DescribeOptions {
  /** Context length for the KV cache estimate; defaults to the trained context length. */
  readonly contextLength?: number;
}

/** Reads only the header of a GGUF file and describes the model in it. */
export async function inspectGguf(path: string, options: DescribeOptions & ReadGgufOptions = {}): Promise<ModelDescription> {
  return describeModel(await readGgufHeader(path, options), options);
}

// llama.cpp's llama_ftype; 4-6 and 33-35 were removed.
const FILE_TYPES: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M',
  13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 19: 'IQ2_XXS', 20: 'IQ2_XS',
  21: 'Q2_K_S', 22: 'IQ3_XS', 23: 'IQ3_XXS', 24: 'IQ1_S', 25: 'IQ4_NL', 26: 'IQ3_S', 27: 'IQ3_M', 28: 'IQ2_S',
  29: 'IQ2_M', 30: 'IQ4_XS', 31: 'IQ1_M', 32: 'BF16', 36: 'TQ1_0', 37: 'TQ2_0', 38: 'MXFP4_MOE', 39: 'NVFP4',
  40: 'Q1_0', 41: 'Q2_0',
};

const TOKENIZER_KINDS: Record<string, string> = {
  gpt2: 'byte-level BPE',
  llama: 'SentencePiece BPE',
  bert: 'WordPiece',
  t5: 'SentencePiece Unigram',
  rwkv: 'RWKV trie',
  none: 'none',
};

export function describeModel(info: GgufFileInfo, options: DescribeOptions = {}): ModelDescription {
  const warnings: string[] = [];
  const architecture = metaString(info, 'general.architecture') ?? 'unknown';
  const spec = architectureSpec(architecture);
  if (!spec) warnings.push(`No module mapping for architecture "${architecture}": tensors are grouped by block under their GGUF names.`);
  const a = (key: string): number | null => perLayerMax(info, `${architecture}.${key}`);

  const tensorLayers = countBlocks(info);
  const declaredLayers = a('block_count');
  if (declaredLayers !== null && tensorLayers > 0 && declaredLayers !== tensorLayers) {
    warnings.push(`${architecture}.block_count says ${declaredLayers} layers but the tensors form ${tensorLayers} blocks.`);
  }
  const layers = declaredLayers ?? (tensorLayers > 0 ? tensorLayers : null);
  const embed = info.tensors.find((t) => t.name === 'token_embd.weight');
  const embeddingLength = a('embedding_length') ?? embed?.dims[0] ?? null;
  const attention = describeAttention(a('attention.head_count'), a('attention.head_count_kv'), a('attention.key_length'), a('attention.value_length'), embeddingLength);
  const eps = shortestF32(a('attention.layer_norm_rms_epsilon') ?? a('attention.layer_norm_epsilon'));
  const tokenizer = describeTokenizer(info);
  const vocabSize = a('vocab_size') ?? tokenizer?.tokens ?? embed?.dims[1] ?? null;

  const tree = buildModuleTree(info.tensors, {
    architecture,
    spec,
    layers: layers ?? 0,
    eps,
    heads: attention.heads,
    kvHeads: attention.kvHeads,
    keyLength: attention.keyLength,
    valueLength: attention.valueLength,
  });

  const byComponent = { embedding: 0, attention: 0, mlp: 0, norms: 0, lmHead: 0, other: 0 };
  const types = new Map<string, { type: string; tensors: number; parameters: number; bytes: number }>();
  let parameters = 0;
  let elements = 0;
  let tensorBytes = 0;
  const tensors: TensorSummary[] = info.tensors.map((t) => {
    const n = elementCount(t.dims);
    const component = componentOf(t.name);
    if (component !== null) {
      byComponent[component] += n;
      parameters += n;
    }
    elements += n;
    tensorBytes += t.bytes ?? 0;
    const stat = types.get(t.typeName) ?? { type: t.typeName, tensors: 0, parameters: 0, bytes: 0 };
    stat.tensors += 1;
    stat.parameters += n;
    stat.bytes += t.bytes ?? 0;
    types.set(t.typeName, stat);
    if (t.bytes === null) warnings.push(`Tensor ${t.name} has unknown type ${t.typeName}; its size is not counted.`);
    return { name: t.name, hfName: tree.hfNames.get(t.name) ?? null, dims: [...t.dims], type: t.typeName, bytes: t.bytes, parameters: n, offset: t.fileOffset };
  });
  const typeList = [...types.values()].sort((x, y) => y.parameters - x.parameters);

  const contextLength = a('context_length');
  const bytesPerToken = kvBytesPerToken(layers, attention);
  const kvContext = options.contextLength ?? contextLength;
  const fileTypeId = metaNumber(info, 'general.file_type');

  return {
    file: {
      path: info.path,
      fileName: basename(info.path),
      sizeBytes: info.fileSize,
      ggufVersion: info.version,
      alignment: info.alignment,
      dataOffset: info.dataOffset,
      tensorCount: info.tensors.length,
      metadataCount: info.metadata.size,
    },
    name: metaString(info, 'general.name'),
    architecture,
    mapped: spec !== undefined,
    modelClass: spec?.modelClass ?? architecture,
    baseModelClass: spec?.baseModelClass ?? null,
    layerClass: spec?.layerClass ?? null,
    layers,
    embeddingLength,
    feedForwardLength: a('feed_forward_length'),
    contextLength,
    vocabSize,
    attention,
    rope: describeRope(info, architecture, spec !== undefined, attention.headDim),
    slidingWindow: describeSlidingWindow(info, architecture, layers, attention, kvContext),
    tokenizer,
    activation: spec?.activation.className ?? null,
    normEpsilon: eps,
    parameters,
    parametersByComponent: byComponent,
    tiedEmbeddings: embed !== undefined && !info.tensors.some((t) => t.name === 'output.weight'),
    tensorBytes,
    bitsPerWeight: elements > 0 ? (tensorBytes * 8) / elements : null,
    dominantType: typeList[0]?.type ?? null,
    fileType: fileTypeId === null ? null : (FILE_TYPES[fileTypeId] ?? `file_type#${fileTypeId}`),
    types: typeList,
    kvCache: {
      bytesPerToken,
      contextLength: kvContext,
      bytes: bytesPerToken !== null && kvContext !== null ? bytesPerToken * kvContext : null,
    },
    tensors,
    modules: tree.root,
    warnings,
  };
}

/** f16 K and V for every layer and KV head: what llama.cpp allocates per token of context by default. */
export function kvBytesPerToken(layers: number | null, attention: AttentionDescription): number | null {
  const { kvHeads, keyLength, valueLength } = attention;
  if (layers === null || kvHeads === null || keyLength === null || valueLength === null) return null;
  return layers * kvHeads * (keyLength + valueLength) * 2;
}

export function kvCacheBytes(description: ModelDescription, contextLength: number): number | null {
  const perToken = description.kvCache.bytesPerToken;
  return perToken === null ? null : perToken * contextLength;
}

/** Some architectures (OpenELM, Gemma 3n) store per-layer arrays for head counts and FFN sizes: report the largest. */
function perLayerMax(info: GgufFileInfo, key: string): number | null {
  const scalar = metaNumber(info, key);
  if (scalar !== null) return scalar;
  const values = metaArray(info, key)?.values;
  if (!values || values.length === 0) return null;
  const numbers = values.filter((v): v is number => typeof v === 'number');
  return numbers.length > 0 ? Math.max(...numbers) : null;
}

function countBlocks(info: GgufFileInfo): number {
  let max = -1;
  for (const t of info.tensors) {
    const m = /^blk\.(\d+)\./.exec(t.name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}

function describeAttention(
  heads: number | null,
  kvHeadsRaw: number | null,
  keyLengthRaw: number | null,
  valueLengthRaw: number | null,
  embedding: number | null,
): AttentionDescription {
  // GGUF omits head_count_kv when it equals head_count, and key_length when it is embedding / heads.
  const kvHeads = kvHeadsRaw ?? heads;
  const keyLength = keyLengthRaw ?? (heads && embedding ? embedding / heads : null);
  const valueLength = valueLengthRaw ?? keyLength;
  const headDim = keyLength !== null && Number.isInteger(keyLength) ? keyLength : null;
  const groupSize = heads && kvHeads ? heads / kvHeads : null;
  let summary = 'Attention heads are not described in this file.';
  if (heads && kvHeads && groupSize !== null) {
    const size = headDim !== null ? `, head size ${headDim}` : '';
    if (kvHeads === heads) summary = `${heads} query heads, each with its own KV head (multi-head attention${size})`;
    else if (kvHeads === 1) summary = `All ${heads} query heads share one KV head (multi-query attention${size})`;
    else summary = `${groupSize} query heads share each KV head (${heads} query heads, ${kvHeads} KV heads${size})`;
  }
  return { heads, kvHeads, headDim, groupSize, keyLength: headDim, valueLength: valueLength !== null && Number.isInteger(valueLength) ? valueLength : null, summary };
}

function describeRope(info: GgufFileInfo, architecture: string, mapped: boolean, headDim: number | null): ModelDescription['rope'] {
  const key = (k: string): string => `${architecture}.rope.${k}`;
  const base = metaNumber(info, key('freq_base'));
  const dimensions = metaNumber(info, key('dimension_count'));
  if (base === null && dimensions === null && !mapped) return null;
  const scaling = metaString(info, key('scaling.type'));
  const factors = info.tensors.filter((t) => ROPE_BUFFERS.has(t.name.replace(/\.weight$/, '')));
  return {
    // llama.cpp's default when the key is absent.
    base: shortestF32(base) ?? 10000,
    dimensions: dimensions ?? headDim,
    scaling: scaling === 'none' ? null : scaling,
    scalingFactor: shortestF32(metaNumber(info, key('scaling.factor'))),
    originalContextLength: metaNumber(info, key('scaling.original_context_length')),
    frequencyFactors: factors.length > 0 ? factors.map((t) => `${t.name} (${elementCount(t.dims)} values)`).join(', ') : null,
  };
}

function describeTokenizer(info: GgufFileInfo): ModelDescription['tokenizer'] {
  const model = metaString(info, 'tokenizer.ggml.model');
  if (model === null) return null;
  return {
    model,
    kind: TOKENIZER_KINDS[model] ?? model,
    pre: metaString(info, 'tokenizer.ggml.pre'),
    tokens: metaArray(info, 'tokenizer.ggml.tokens')?.length ?? null,
    merges: metaArray(info, 'tokenizer.ggml.merges')?.length ?? null,
    bosId: metaNumber(info, 'tokenizer.ggml.bos_token_id'),
    eosId: metaNumber(info, 'tokenizer.ggml.eos_token_id'),
    hasChatTemplate: metaString(info, 'tokenizer.chat_template') !== null,
  };
}

type Component = keyof ModelDescription['parametersByComponent'];

/** Null for buffers that are not learned parameters (rotary frequency factors). */
function componentOf(name: string): Component | null {
  const base = name.replace(/\.(weight|bias)$/, '');
  if (ROPE_BUFFERS.has(base)) return null;
  if (base === 'token_embd') return 'embedding';
  if (base === 'output') return 'lmHead';
  if (base === 'output_norm') return 'norms';
  const block = /^blk\.\d+\.(.+)$/.exec(base)?.[1];
  if (block === undefined) return 'other';
  if (block.endsWith('_norm') || block.startsWith('post_')) return 'norms';
  if (block.startsWith('attn_')) return 'attention';
  if (block.startsWith('ffn_')) return 'mlp';
  return 'other';
}

/** GGUF stores these as f32: 1e-5 reads back as 9.999999747378752e-6. Report the shortest decimal with the same f32. */
export function shortestF32(value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return value;
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(value.toPrecision(p));
    if (Math.fround(candidate) === Math.fround(value)) return candidate;
  }
  return value;
}
