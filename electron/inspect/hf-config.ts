import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { GlassboxError } from '../contract/errors';
import { architectureSpec, mappedArchitectures } from './architectures';
import { describeModel, inspectGguf, type DescribeOptions } from './describe';
import type { ModelDescription, ModuleNode } from '../contract/model-description';
import { GgufValueType, type GgufFileInfo, type GgufKv, type GgufTensorInfo } from './gguf-reader';

/**
 * A model described from its Hugging Face `config.json`, for a remote engine whose weights are not
 * here. The config's shapes become GGUF-named tensors with no type and no data, which go through the
 * same describeModel and architecture mappings as a GGUF header: a config and a GGUF file of the
 * same model give the same tree, parameter count and KV cache size. What a config cannot tell (the
 * weights' types, the tokenizer) is left out and said in the warnings.
 */

/** HF `model_type` → the GGUF architecture whose mapping fits (Mistral converts to `llama`, as in llama.cpp). */
const MODEL_TYPES: Readonly<Record<string, string>> = {
  llama: 'llama',
  mistral: 'llama',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  gemma2: 'gemma2',
  gemma3: 'gemma3',
  gemma3_text: 'gemma3',
  phi3: 'phi3',
};

/** transformers' tie_word_embeddings default per family (PretrainedConfig says true; Llama, Qwen and Phi-3 override it). */
const TIED_BY_DEFAULT = new Set(['gemma2', 'gemma3']);

const posInt = z.number().int().positive();
const optionalInt = posInt.nullish();

const ropeScalingSchema = z
  .object({
    rope_type: z.string().optional(),
    type: z.string().optional(),
    rope_theta: z.number().positive().optional(),
    factor: z.number().nullish(),
    original_max_position_embeddings: optionalInt,
    long_factor: z.array(z.number()).nullish(),
    short_factor: z.array(z.number()).nullish(),
  })
  .loose();

const hfConfigSchema = z
  .object({
    model_type: z.string().optional(),
    architectures: z.array(z.string()).nullish(),
    _name_or_path: z.string().optional(),
    hidden_size: posInt,
    intermediate_size: optionalInt,
    num_hidden_layers: posInt,
    num_attention_heads: posInt,
    num_key_value_heads: optionalInt,
    head_dim: optionalInt,
    vocab_size: optionalInt,
    max_position_embeddings: optionalInt,
    rope_theta: z.number().positive().nullish(),
    rope_scaling: ropeScalingSchema.nullish(),
    /** transformers 5 moves rope_theta and the scaling here. */
    rope_parameters: ropeScalingSchema.nullish(),
    partial_rotary_factor: z.number().positive().max(1).nullish(),
    tie_word_embeddings: z.boolean().nullish(),
    rms_norm_eps: z.number().positive().nullish(),
    hidden_act: z.string().nullish(),
    hidden_activation: z.string().nullish(),
    attention_bias: z.boolean().nullish(),
    mlp_bias: z.boolean().nullish(),
  })
  .loose();
type HfConfig = z.infer<typeof hfConfigSchema>;

/** Multimodal configs (Gemma 3, LLaVA) keep the language model's shapes in text_config. */
function textConfig(config: unknown): unknown {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return config;
  const record = config as Record<string, unknown>;
  const text = record.text_config;
  if ('hidden_size' in record || typeof text !== 'object' || text === null || Array.isArray(text)) return config;
  const architectures = Array.isArray(record.architectures) ? { architectures: record.architectures } : {};
  return { ...architectures, ...(text as Record<string, unknown>) };
}

function parseConfig(config: unknown, source: string): HfConfig {
  const parsed = hfConfigSchema.safeParse(textConfig(config));
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 3).map((issue) => {
      const at = issue.path.join('.');
      return at ? `${at}: ${issue.message.toLowerCase()}` : issue.message.toLowerCase();
    });
    throw new GlassboxError(
      'invalid-argument',
      `${basename(source)} is not a Hugging Face model config (config.json): ${problems.join('; ')}.`,
    );
  }
  const data = parsed.data;
  if (data.model_type === undefined && (data.architectures ?? []).length === 0) {
    throw new GlassboxError('invalid-argument', `${basename(source)} is not a Hugging Face model config (config.json): it names no model_type or architectures.`);
  }
  return data;
}

interface Shapes {
  arch: string;
  mapped: boolean;
  hidden: number;
  inter: number | null;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number | null;
  tied: boolean;
}

const u32 = (key: string, value: number): GgufKv => ({ key, type: GgufValueType.UINT32, value });
const f32 = (key: string, value: number): GgufKv => ({ key, type: GgufValueType.FLOAT32, value });
const str = (key: string, value: string): GgufKv => ({ key, type: GgufValueType.STRING, value });

/** A tensor with a shape and nothing else: no type, no bytes, no place in a file. */
function shape(name: string, dims: number[]): GgufTensorInfo {
  return { name, dims, type: -1, typeName: '', offset: 0, fileOffset: 0, bytes: 0 };
}

/** The tensors llama.cpp's converter would write for this config (see test/fixtures/synthetic-models.ts). */
function tensorsFor(s: Shapes, c: HfConfig, ropeFactors: GgufTensorInfo[]): GgufTensorInfo[] {
  if (!s.mapped) return [];
  const qDim = s.heads * s.headDim;
  const kvDim = s.kvHeads * s.headDim;
  const inter = s.inter ?? 4 * s.hidden;
  const gemma = s.arch === 'gemma2' || s.arch === 'gemma3';
  const fused = s.arch === 'phi3';
  const qkNorm = s.arch === 'qwen3' || s.arch === 'gemma3';
  // Qwen2 always has q/k/v biases and none on o_proj; elsewhere attention_bias covers all four.
  const qkvBias = s.arch === 'qwen2' || (!fused && c.attention_bias === true);
  const oBias = s.arch !== 'qwen2' && !fused && c.attention_bias === true;
  const mlpBias = s.arch === 'llama' && c.mlp_bias === true;

  const tensors: GgufTensorInfo[] = [];
  if (s.vocab !== null) tensors.push(shape('token_embd.weight', [s.hidden, s.vocab]));
  tensors.push(...ropeFactors);
  for (let i = 0; i < s.layers; i++) {
    const b = (n: string): string => `blk.${i}.${n}`;
    tensors.push(shape(b('attn_norm.weight'), [s.hidden]));
    if (fused) {
      tensors.push(shape(b('attn_qkv.weight'), [s.hidden, qDim + 2 * kvDim]));
    } else {
      tensors.push(shape(b('attn_q.weight'), [s.hidden, qDim]), shape(b('attn_k.weight'), [s.hidden, kvDim]), shape(b('attn_v.weight'), [s.hidden, kvDim]));
    }
    if (qkvBias) tensors.push(shape(b('attn_q.bias'), [qDim]), shape(b('attn_k.bias'), [kvDim]), shape(b('attn_v.bias'), [kvDim]));
    if (qkNorm) tensors.push(shape(b('attn_q_norm.weight'), [s.headDim]), shape(b('attn_k_norm.weight'), [s.headDim]));
    tensors.push(shape(b('attn_output.weight'), [qDim, s.hidden]));
    if (oBias) tensors.push(shape(b('attn_output.bias'), [s.hidden]));
    if (gemma) tensors.push(shape(b('post_attention_norm.weight'), [s.hidden]));
    tensors.push(shape(b('ffn_norm.weight'), [s.hidden]));
    if (fused) {
      tensors.push(shape(b('ffn_up.weight'), [s.hidden, 2 * inter]));
    } else {
      tensors.push(shape(b('ffn_gate.weight'), [s.hidden, inter]), shape(b('ffn_up.weight'), [s.hidden, inter]));
      if (mlpBias) tensors.push(shape(b('ffn_gate.bias'), [inter]), shape(b('ffn_up.bias'), [inter]));
    }
    tensors.push(shape(b('ffn_down.weight'), [inter, s.hidden]));
    if (mlpBias) tensors.push(shape(b('ffn_down.bias'), [s.hidden]));
    if (gemma) tensors.push(shape(b('post_ffw_norm.weight'), [s.hidden]));
  }
  tensors.push(shape('output_norm.weight', [s.hidden]));
  if (!s.tied && s.vocab !== null) tensors.push(shape('output.weight', [s.hidden, s.vocab]));
  return tensors;
}

/** Types and GGUF tensor names mean nothing for a config: the tree keeps names, shapes and parameter counts. */
function withoutTensors(n: ModuleNode): ModuleNode {
  const { type: _type, ...rest } = n;
  return { ...rest, bytes: 0, tensors: [], children: n.children.map(withoutTensors) };
}

/**
 * Describes the model of a Hugging Face config.json (already parsed). `source` is the file's path,
 * `sizeBytes` its size. Throws 'invalid-argument' when the value is not a model config.
 */
export function describeHfConfig(config: unknown, source: string, options: DescribeOptions & { sizeBytes?: number } = {}): ModelDescription {
  const c = parseConfig(config, source);
  const modelType = c.model_type ?? null;
  const specId = modelType === null ? undefined : MODEL_TYPES[modelType];
  const mapped = specId !== undefined && architectureSpec(specId) !== undefined;
  const arch = specId ?? modelType ?? c.architectures?.[0] ?? 'unknown';
  const heads = c.num_attention_heads;
  const headDim = c.head_dim ?? c.hidden_size / heads;
  if (!Number.isInteger(headDim)) {
    throw new GlassboxError('invalid-argument', `${basename(source)}: hidden_size ${c.hidden_size} does not split into ${heads} heads and head_dim is not given.`);
  }
  const rope = { ...c.rope_scaling, ...c.rope_parameters };
  const ropeType = rope.rope_type ?? rope.type ?? null;
  const s: Shapes = {
    arch,
    mapped,
    hidden: c.hidden_size,
    inter: c.intermediate_size ?? null,
    layers: c.num_hidden_layers,
    heads,
    kvHeads: c.num_key_value_heads ?? heads,
    headDim,
    vocab: c.vocab_size ?? null,
    tied: c.tie_word_embeddings ?? TIED_BY_DEFAULT.has(arch),
  };
  const ropeDims = Math.round(headDim * (c.partial_rotary_factor ?? 1));
  // Llama 3.1+ and Phi-3 longrope: llama.cpp stores per-frequency factors as tensors; describe them the same way.
  const ropeFactors: GgufTensorInfo[] = [];
  if (ropeType === 'llama3') ropeFactors.push(shape('rope_freqs.weight', [ropeDims / 2]));
  if (rope.long_factor) ropeFactors.push(shape('rope_factors_long.weight', [rope.long_factor.length]));
  if (rope.short_factor) ropeFactors.push(shape('rope_factors_short.weight', [rope.short_factor.length]));

  const a = (key: string): string => `${arch}.${key}`;
  const metadata: GgufKv[] = [
    str('general.architecture', arch),
    u32(a('block_count'), s.layers),
    u32(a('embedding_length'), s.hidden),
    u32(a('attention.head_count'), heads),
    u32(a('attention.head_count_kv'), s.kvHeads),
    u32(a('attention.key_length'), headDim),
    u32(a('attention.value_length'), headDim),
    u32(a('rope.dimension_count'), ropeDims),
  ];
  const name = c._name_or_path || c.architectures?.[0];
  if (name) metadata.push(str('general.name', name));
  if (s.inter !== null) metadata.push(u32(a('feed_forward_length'), s.inter));
  if (s.vocab !== null) metadata.push(u32(a('vocab_size'), s.vocab));
  if (c.max_position_embeddings) metadata.push(u32(a('context_length'), c.max_position_embeddings));
  if (c.rms_norm_eps) metadata.push(f32(a('attention.layer_norm_rms_epsilon'), c.rms_norm_eps));
  const theta = rope.rope_theta ?? c.rope_theta;
  if (theta) metadata.push(f32(a('rope.freq_base'), theta));
  if (ropeType !== null && ropeType !== 'default' && ropeType !== 'llama3') metadata.push(str(a('rope.scaling.type'), ropeType));
  if (rope.factor) metadata.push(f32(a('rope.scaling.factor'), rope.factor));
  if (rope.original_max_position_embeddings) metadata.push(u32(a('rope.scaling.original_context_length'), rope.original_max_position_embeddings));

  const info: GgufFileInfo = {
    path: source,
    fileSize: options.sizeBytes ?? 0,
    version: 0,
    alignment: 0,
    dataOffset: 0,
    metadata: new Map(metadata.map((kv) => [kv.key, kv])),
    tensors: tensorsFor(s, c, ropeFactors),
    bytesRead: 0,
  };
  const d = describeModel(info, options);

  const warnings = ['A config.json holds shapes, not weights: the weights’ types, their sizes in bytes and the tokenizer are unknown.'];
  if (c.intermediate_size == null && mapped) warnings.push('intermediate_size is missing: the MLP is drawn 4 × hidden_size wide.');
  if (s.vocab === null) warnings.push('vocab_size is missing: the embeddings and lm_head are left out.');
  let modules = withoutTensors(d.modules);
  let modelClass = d.modelClass;
  if (!mapped) {
    const label = modelType ?? arch;
    warnings.push(
      `No module mapping for model_type "${label}" (mapped: ${mappedModelTypes().join(', ')}): sizes, heads and the KV cache come from config.json; the module tree and parameter count are not shown.`,
    );
    modelClass = c.architectures?.[0] ?? label;
    modules = { name: '', key: '', kind: 'model', className: modelClass, parameters: 0, bytes: 0, tensors: [], children: [] };
  }
  return {
    ...d,
    file: { ...d.file, tensorCount: 0, metadataCount: Object.keys(c).length },
    modelClass,
    activation: mapped ? d.activation : (c.hidden_act ?? c.hidden_activation ?? null),
    tensorBytes: 0,
    bitsPerWeight: null,
    dominantType: null,
    fileType: null,
    types: [],
    tensors: [],
    modules,
    warnings,
  };
}

/** config.json files are a few kilobytes; anything far larger is not one. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * The architecture in a file the user points at for a remote model: a GGUF file (header only) or a
 * Hugging Face config.json. Refuses anything else with a message that says what was expected.
 */
export async function inspectArchitectureFile(path: string, options: DescribeOptions = {}): Promise<ModelDescription> {
  let size: number;
  let magic: Buffer;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new GlassboxError('invalid-argument', `${path} is not a file. Choose a .gguf file or a config.json.`);
    size = info.size;
    const handle = await open(path, 'r');
    try {
      magic = Buffer.alloc(Math.min(4, size));
      await handle.read(magic, 0, magic.length, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof GlassboxError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GlassboxError('not-found', `No file at ${path}. Check the path and try again.`, { cause: error });
    throw new GlassboxError('invalid-argument', `Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (magic.toString('latin1') === 'GGUF') return inspectGguf(path, options);
  if (size > MAX_CONFIG_BYTES) {
    throw new GlassboxError('invalid-argument', `${basename(path)} is neither a GGUF file nor a config.json (it is too large for a config).`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    throw new GlassboxError('invalid-argument', `${basename(path)} is neither a GGUF file nor a JSON config. Choose the model's .gguf file or its Hugging Face config.json.`);
  }
  return describeHfConfig(parsed, path, { ...options, sizeBytes: size });
}

/** For messages and tests: the model_type values with a module mapping. */
export function mappedModelTypes(): string[] {
  return Object.keys(MODEL_TYPES).filter((t) => mappedArchitectures().includes(MODEL_TYPES[t] ?? ''));
}
