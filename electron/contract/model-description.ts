import { z } from 'zod';

/**
 * What the inspector says about a model, read from its GGUF header alone. Plain data with a zod
 * schema so it can cross the IPC / WebSocket contract unchanged.
 */

export const MODULE_KINDS = ['model', 'list', 'block', 'container', 'linear', 'embedding', 'norm', 'activation', 'rotary', 'tensor'] as const;
export type ModuleKind = (typeof MODULE_KINDS)[number];

export interface ModuleNode {
  /** Hugging Face-style dotted path without the `model.` prefix (`layers.0.self_attn.k_proj`); GGUF name for unmapped tensors. */
  name: string;
  /** The last path segment, as PyTorch prints it: `(k_proj)`. */
  key: string;
  kind: ModuleKind;
  className: string;
  /** Linear and embedding: in_features / out_features (embedding: in = vocabulary, out = embedding). */
  in?: number;
  out?: number;
  bias?: boolean;
  /** GGML type of the weight (Q4_K, F16, ...). */
  type?: string;
  /** Norms and raw tensors: GGUF dims, innermost first. */
  shape?: number[];
  eps?: number;
  /** Learned parameters in this module and below (a tied lm_head has 0: it reuses embed_tokens). */
  parameters: number;
  bytes: number;
  /** GGUF tensor names that make up this module (not its children). */
  tensors: string[];
  tiedTo?: string;
  /** How a fused projection splits (phi3 qkv_proj: q, k, v; gate_up_proj: gate, up). */
  parts?: { name: string; size: number }[];
  children: ModuleNode[];
}

export const moduleNodeSchema: z.ZodType<ModuleNode> = z.lazy(() =>
  z.object({
    name: z.string(),
    key: z.string(),
    kind: z.enum(MODULE_KINDS),
    className: z.string(),
    in: z.number().int().optional(),
    out: z.number().int().optional(),
    bias: z.boolean().optional(),
    type: z.string().optional(),
    shape: z.array(z.number().int()).optional(),
    eps: z.number().optional(),
    parameters: z.number(),
    bytes: z.number(),
    tensors: z.array(z.string()),
    tiedTo: z.string().optional(),
    parts: z.array(z.object({ name: z.string(), size: z.number().int() })).optional(),
    children: z.array(moduleNodeSchema),
  }),
);

const int = z.number().int();

export const attentionSchema = z.object({
  heads: int.nullable(),
  kvHeads: int.nullable(),
  headDim: int.nullable(),
  /** Query heads per KV head (grouped-query attention). */
  groupSize: z.number().nullable(),
  keyLength: int.nullable(),
  valueLength: int.nullable(),
  summary: z.string(),
});

export const ropeSchema = z.object({
  base: z.number(),
  dimensions: int.nullable(),
  scaling: z.string().nullable(),
  scalingFactor: z.number().nullable(),
  originalContextLength: int.nullable(),
  /** Per-frequency factors stored as a tensor (Llama 3.1+ `rope_freqs`, Phi-3 `rope_factors_*`). */
  frequencyFactors: z.string().nullable(),
});

export const tokenizerSchema = z.object({
  model: z.string(),
  kind: z.string(),
  pre: z.string().nullable(),
  tokens: int.nullable(),
  merges: int.nullable(),
  bosId: int.nullable(),
  eosId: int.nullable(),
  hasChatTemplate: z.boolean(),
});

/**
 * Sliding-window attention (Gemma 2/3): most layers attend only to the last `window` tokens, every
 * `period`-th layer to the whole context. Layer numbers from 0.
 */
export const slidingWindowSchema = z.object({
  window: int,
  period: int.nullable(),
  localLayers: z.array(int),
  globalLayers: z.array(int),
  /** RoPE base of the local (windowed) layers when it differs from the global one. */
  localRopeBase: z.number().nullable(),
  /** f16 K and V per token for a cache that keeps only the window on the local layers (bytes at `contextLength`). */
  windowedKvBytes: z.number().nullable(),
});

export const tensorSummarySchema = z.object({
  name: z.string(),
  hfName: z.string().nullable(),
  dims: z.array(int),
  type: z.string(),
  bytes: z.number().nullable(),
  parameters: z.number(),
  /** Absolute byte offset of the tensor's data in the file. */
  offset: z.number(),
});

export const modelDescriptionSchema = z.object({
  file: z.object({
    path: z.string(),
    fileName: z.string(),
    sizeBytes: z.number(),
    ggufVersion: int,
    alignment: int,
    dataOffset: z.number(),
    tensorCount: int,
    metadataCount: int,
  }),
  name: z.string().nullable(),
  architecture: z.string(),
  /** False when the architecture has no mapping and `modules` groups raw tensors by block. */
  mapped: z.boolean(),
  modelClass: z.string(),
  /** The HF base model the tree's modules live in (`model.` prefix in checkpoints); lm_head sits beside it. */
  baseModelClass: z.string().nullable(),
  layerClass: z.string().nullable(),
  layers: int.nullable(),
  embeddingLength: int.nullable(),
  feedForwardLength: int.nullable(),
  contextLength: int.nullable(),
  vocabSize: int.nullable(),
  attention: attentionSchema,
  rope: ropeSchema.nullable(),
  /** Absent or null: every layer attends to the whole context. */
  slidingWindow: slidingWindowSchema.nullable().optional(),
  tokenizer: tokenizerSchema.nullable(),
  activation: z.string().nullable(),
  normEpsilon: z.number().nullable(),
  parameters: z.number(),
  parametersByComponent: z.object({
    embedding: z.number(),
    attention: z.number(),
    mlp: z.number(),
    norms: z.number(),
    lmHead: z.number(),
    other: z.number(),
  }),
  tiedEmbeddings: z.boolean(),
  tensorBytes: z.number(),
  bitsPerWeight: z.number().nullable(),
  /** The GGML type holding the most parameters. */
  dominantType: z.string().nullable(),
  /** general.file_type as llama.cpp names it (Q4_K_M, ...). */
  fileType: z.string().nullable(),
  types: z.array(z.object({ type: z.string(), tensors: int, parameters: z.number(), bytes: z.number() })),
  kvCache: z.object({
    /** f16 K and V for every layer: layers * kvHeads * (keyLength + valueLength) * 2 bytes. */
    bytesPerToken: z.number().nullable(),
    contextLength: int.nullable(),
    bytes: z.number().nullable(),
  }),
  tensors: z.array(tensorSummarySchema),
  modules: moduleNodeSchema,
  warnings: z.array(z.string()),
});

export type ModelDescription = z.infer<typeof modelDescriptionSchema>;
export type AttentionDescription = z.infer<typeof attentionSchema>;
export type TensorSummary = z.infer<typeof tensorSummarySchema>;
export type SlidingWindow = z.infer<typeof slidingWindowSchema>;
