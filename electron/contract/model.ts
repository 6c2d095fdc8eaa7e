import { z } from 'zod';

/** Sampling settings as the user chose them. Probabilities shown are not affected by them (see token.ts). */
export const samplingSchema = z.object({
  temperature: z.number().min(0).max(5),
  topK: z.number().int().min(1).max(1000),
  topP: z.number().gt(0).max(1),
  minP: z.number().min(0).max(1),
  seed: z.number().int().min(0).max(2 ** 32 - 1).nullable(),
  maxTokens: z.number().int().min(1).max(32768),
  /**
   * A reasoning model's thought budget in tokens, as node-llama-cpp's LlamaChat `budgets.thoughtTokens`:
   * a thought that reaches it is closed (the template's end-of-thought marker is written for the
   * model) and the answer follows; 0 lets the model think not at all. null or absent: no cap.
   */
  thoughtBudget: z.number().int().min(0).max(32768).nullable().optional(),
  /** Hides a reasoning model's Thinking block in this conversation (the thought is still generated, saved and exported). */
  hideThoughts: z.boolean().optional(),
});
export type Sampling = z.infer<typeof samplingSchema>;

export { DEFAULT_SAMPLING } from './default-sampling';

/** Basic facts about the loaded model, read from its GGUF metadata. The full inspector is separate. */
export const modelFactsSchema = z.object({
  path: z.string(),
  fileName: z.string(),
  name: z.string().nullable(),
  architecture: z.string(),
  layers: z.number().int().nullable(),
  embeddingLength: z.number().int().nullable(),
  attentionHeads: z.number().int().nullable(),
  kvHeads: z.number().int().nullable(),
  trainedContextLength: z.number().int().nullable(),
  contextSize: z.number().int(),
  vocabSize: z.number().int().nullable(),
  parameters: z.number().nullable(),
  fileSizeBytes: z.number(),
  chatTemplate: z.string(),
  gpu: z.string(),
  gpuLayers: z.number().int(),
  threads: z.number().int(),
  /** GPU device names (empty on the CPU). */
  gpuDevices: z.array(z.string()).optional(),
  /** VRAM of the GPU backend after the load (bytes); absent on the CPU. */
  vram: z.object({ total: z.number(), used: z.number(), free: z.number() }).optional(),
  /** Layers of the model in node-llama-cpp's count (block_count + 1 for the output layer). */
  totalLayers: z.number().int().optional(),
  batchSize: z.number().int().optional(),
  /** As requested: 'auto' when llama.cpp decides. */
  flashAttention: z.union([z.literal('auto'), z.boolean()]).optional(),
});
export type ModelFacts = z.infer<typeof modelFactsSchema>;

export const modelStateSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('none') }),
  z.object({ status: z.literal('loading'), path: z.string(), progress: z.number().min(0).max(1) }),
  z.object({ status: z.literal('loaded'), facts: modelFactsSchema }),
  z.object({ status: z.literal('error'), path: z.string(), kind: z.string(), message: z.string() }),
]);
export type ModelState = z.infer<typeof modelStateSchema>;
