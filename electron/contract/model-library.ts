import { z } from 'zod';

/**
 * Types of the model library (catalogue, downloads, local files, fit estimates, load settings) that
 * cross the contract. Only zod here: the renderer imports it through contract/api.ts.
 */

/** How a model is loaded; remembered per model file. null means "pick for me". */
export const loadSettingsSchema = z.object({
  /** Tokens of context; null: min(trained context, 4096). */
  contextSize: z.number().int().min(64).max(1_048_576).nullable(),
  /** Layers offloaded to the GPU: 'auto' lets the engine fit as many as VRAM allows; 0 is CPU only. */
  gpuLayers: z.union([z.literal('auto'), z.number().int().min(0).max(1024)]),
  /** Decode threads; null: from the cores this process may use. */
  threads: z.number().int().min(1).max(256).nullable(),
  /** Prompt-processing batch in tokens; null: the engine's default (512). */
  batchSize: z.number().int().min(1).max(65_536).nullable(),
  /** 'auto' lets llama.cpp use it where the model and backend support it (node-llama-cpp's default). */
  flashAttention: z.union([z.literal('auto'), z.boolean()]),
});
export type LoadSettings = z.infer<typeof loadSettingsSchema>;

export { DEFAULT_LOAD_SETTINGS } from './default-load-settings';

/** Memory this machine has for models. `gpu` is null when no GPU is known (CPU-only, or not yet probed). */
export const machineMemorySchema = z.object({
  totalRam: z.number(),
  /** What a model may still take: available memory (MemAvailable / cgroup limit) plus what unloading the current model frees. */
  availableRam: z.number(),
  gpu: z
    .object({
      backend: z.string(),
      devices: z.array(z.string()),
      totalVram: z.number(),
      freeVram: z.number(),
    })
    .nullable(),
});
export type MachineMemory = z.infer<typeof machineMemorySchema>;

export const FIT_VERDICTS = ['gpu', 'partial', 'cpu', 'too-large'] as const;
export type FitVerdict = (typeof FIT_VERDICTS)[number];

/** What loading a model with given settings is expected to need, from its header alone. */
export const fitEstimateSchema = z.object({
  verdict: z.enum(FIT_VERDICTS),
  /** One sentence for the user: "Fits on the GPU", "Does not fit: needs 9.1 GB, 6.2 GB available". */
  summary: z.string(),
  contextSize: z.number().int(),
  /** Layers on the GPU (of `layers`; node-llama-cpp counts the output layer as one more). */
  gpuLayers: z.number().int(),
  layers: z.number().int(),
  weightsBytes: z.number(),
  kvCacheBytes: z.number(),
  kvBytesPerToken: z.number(),
  computeBytes: z.number(),
  ramBytes: z.number(),
  vramBytes: z.number(),
  /** True when the numbers come from a catalogue entry's published shape, not from a file's header. */
  approximate: z.boolean(),
});
export type FitEstimate = z.infer<typeof fitEstimateSchema>;

export const catalogueEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  /** node-llama-cpp's form: hf:user/repo/file.gguf */
  uri: z.string(),
  fileName: z.string(),
  /** Download size in bytes; `sizeExact` false: rounded from the model page, the server's length is what counts. */
  sizeBytes: z.number(),
  sizeExact: z.boolean(),
  sha256: z.string().nullable(),
  parameters: z.number(),
  quantization: z.string(),
  licence: z.string(),
  description: z.string(),
  recommended: z.boolean(),
  trainedContext: z.number().int(),
  /** Already in the models folder. */
  localPath: z.string().nullable(),
  /** Bytes of an earlier, interrupted download of it (downloading again resumes). */
  partialBytes: z.number(),
  fit: fitEstimateSchema,
});
export type CatalogueEntry = z.infer<typeof catalogueEntrySchema>;

export const localModelSchema = z.object({
  path: z.string(),
  fileName: z.string(),
  sizeBytes: z.number(),
  modifiedMs: z.number(),
  /** From the header; null with `problem` set when the file cannot be read as a model. */
  architecture: z.string().nullable(),
  name: z.string().nullable(),
  parameters: z.number().nullable(),
  quantization: z.string().nullable(),
  layers: z.number().int().nullable(),
  trainedContext: z.number().int().nullable(),
  problem: z.string().nullable(),
});
export type LocalModel = z.infer<typeof localModelSchema>;

export const downloadStateSchema = z.object({
  id: z.string(),
  uri: z.string(),
  fileName: z.string(),
  status: z.enum(['downloading', 'verifying', 'done', 'error', 'cancelled']),
  receivedBytes: z.number(),
  totalBytes: z.number().nullable(),
  /** Averaged over the last few seconds. */
  bytesPerSecond: z.number(),
  secondsLeft: z.number().nullable(),
  /** Bytes that were already on disk from an earlier, interrupted download. */
  resumedFrom: z.number(),
  path: z.string().nullable(),
  error: z.string().nullable(),
});
export type DownloadState = z.infer<typeof downloadStateSchema>;

export const libraryStateSchema = z.object({
  dir: z.string(),
  models: z.array(localModelSchema),
  downloads: z.array(downloadStateSchema),
});
export type LibraryState = z.infer<typeof libraryStateSchema>;
