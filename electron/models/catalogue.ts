import type { ModelShape } from './fit';

/**
 * A short, static list of small instruct models for a first run. Nothing here is fetched: the app
 * makes no network request until the user asks for a download. Shapes are the models' published
 * configurations (config.json); sizes are the Q4_K_M files' sizes as listed on Hugging Face, rounded
 * (sizeExact: false) — the download checks the length the server sends and the GGUF header, and the
 * sha256 when the server states it (Hugging Face's X-Linked-ETag for LFS files).
 */
export interface CatalogueModel {
  id: string;
  name: string;
  uri: string;
  fileName: string;
  sizeBytes: number;
  sizeExact: boolean;
  sha256: string | null;
  parameters: number;
  quantization: string;
  licence: string;
  description: string;
  recommended: boolean;
  shape: Omit<ModelShape, 'weightsBytes'>;
}

/** f16 K and V per token: layers × kvHeads × (key + value head size) × 2 bytes. */
function kv(layers: number, kvHeads: number, headDim: number): number {
  return layers * kvHeads * headDim * 2 * 2;
}

export const CATALOGUE: readonly CatalogueModel[] = [
  {
    id: 'llama-3.2-1b-instruct',
    name: 'Llama 3.2 1B Instruct',
    uri: 'hf:bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    fileName: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    sizeBytes: 808e6,
    sizeExact: false,
    sha256: null,
    parameters: 1.24e9,
    quantization: 'Q4_K_M',
    licence: 'Llama 3.2 Community License',
    description: 'Small, quick and good at following instructions; the best start on most computers.',
    recommended: true,
    shape: { layers: 16, kvBytesPerToken: kv(16, 8, 64), vocab: 128256, embedding: 2048, heads: 32, feedForward: 8192, trainedContext: 131072 },
  },
  {
    id: 'llama-3.2-3b-instruct',
    name: 'Llama 3.2 3B Instruct',
    uri: 'hf:bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf',
    fileName: 'Llama-3.2-3B-Instruct-Q4_K_M.gguf',
    sizeBytes: 2.02e9,
    sizeExact: false,
    sha256: null,
    parameters: 3.21e9,
    quantization: 'Q4_K_M',
    licence: 'Llama 3.2 Community License',
    description: 'Noticeably better answers than 1B, about three times slower.',
    recommended: false,
    shape: { layers: 28, kvBytesPerToken: kv(28, 8, 128), vocab: 128256, embedding: 3072, heads: 24, feedForward: 8192, trainedContext: 131072 },
  },
  {
    id: 'qwen2.5-1.5b-instruct',
    name: 'Qwen2.5 1.5B Instruct',
    uri: 'hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf',
    fileName: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
    sizeBytes: 1.12e9,
    sizeExact: false,
    sha256: null,
    parameters: 1.54e9,
    quantization: 'Q4_K_M',
    licence: 'Apache 2.0',
    description: 'Strong for its size, many languages, good at code and maths.',
    recommended: false,
    shape: { layers: 28, kvBytesPerToken: kv(28, 2, 128), vocab: 151936, embedding: 1536, heads: 12, feedForward: 8960, trainedContext: 32768 },
  },
  {
    id: 'qwen2.5-0.5b-instruct',
    name: 'Qwen2.5 0.5B Instruct',
    uri: 'hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf',
    fileName: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
    sizeBytes: 491e6,
    sizeExact: false,
    sha256: null,
    parameters: 0.49e9,
    quantization: 'Q4_K_M',
    licence: 'Apache 2.0',
    description: 'The smallest here: runs anywhere, answers simply.',
    recommended: false,
    shape: { layers: 24, kvBytesPerToken: kv(24, 2, 64), vocab: 151936, embedding: 896, heads: 14, feedForward: 4864, trainedContext: 32768 },
  },
  {
    id: 'smollm2-1.7b-instruct',
    name: 'SmolLM2 1.7B Instruct',
    uri: 'hf:bartowski/SmolLM2-1.7B-Instruct-GGUF/SmolLM2-1.7B-Instruct-Q4_K_M.gguf',
    fileName: 'SmolLM2-1.7B-Instruct-Q4_K_M.gguf',
    sizeBytes: 1.06e9,
    sizeExact: false,
    sha256: null,
    parameters: 1.71e9,
    quantization: 'Q4_K_M',
    licence: 'Apache 2.0',
    description: 'Fully open (data and training code published); English.',
    recommended: false,
    shape: { layers: 24, kvBytesPerToken: kv(24, 32, 64), vocab: 49152, embedding: 2048, heads: 32, feedForward: 8192, trainedContext: 8192 },
  },
  {
    id: 'phi-3.5-mini-instruct',
    name: 'Phi-3.5 mini Instruct',
    uri: 'hf:bartowski/Phi-3.5-mini-instruct-GGUF/Phi-3.5-mini-instruct-Q4_K_M.gguf',
    fileName: 'Phi-3.5-mini-instruct-Q4_K_M.gguf',
    sizeBytes: 2.39e9,
    sizeExact: false,
    sha256: null,
    parameters: 3.82e9,
    quantization: 'Q4_K_M',
    licence: 'MIT',
    description: 'Good reasoning for its size; needs more memory per token of context.',
    recommended: false,
    shape: { layers: 32, kvBytesPerToken: kv(32, 32, 96), vocab: 32064, embedding: 3072, heads: 32, feedForward: 8192, trainedContext: 131072 },
  },
  {
    id: 'gemma-2-2b-it',
    name: 'Gemma 2 2B Instruct',
    uri: 'hf:bartowski/gemma-2-2b-it-GGUF/gemma-2-2b-it-Q4_K_M.gguf',
    fileName: 'gemma-2-2b-it-Q4_K_M.gguf',
    sizeBytes: 1.71e9,
    sizeExact: false,
    sha256: null,
    parameters: 2.61e9,
    quantization: 'Q4_K_M',
    licence: 'Gemma Terms of Use',
    description: 'Friendly, fluent answers; an 8k-token context.',
    recommended: false,
    shape: { layers: 26, kvBytesPerToken: kv(26, 4, 256), vocab: 256000, embedding: 2304, heads: 8, feedForward: 9216, trainedContext: 8192 },
  },
];

/** A catalogue entry's shape for the fit estimate: the file's size stands in for its tensor bytes. */
export function catalogueShape(model: CatalogueModel): ModelShape {
  return { ...model.shape, weightsBytes: model.sizeBytes };
}
