import type { ModelDescription } from '../contract/model-description';
import type { FitEstimate, FitVerdict, LoadSettings, MachineMemory } from '../contract/model-library';

/**
 * Will a model fit, before it is loaded? From the GGUF header alone (or a catalogue entry's published
 * shape): weights + KV cache for the chosen context + llama.cpp's compute buffer, split between RAM and
 * VRAM by the layers offloaded. The estimate is deliberately simple and a little generous; it decides
 * whether to refuse a load that would exhaust memory, not how llama.cpp lays tensors out.
 */

/** What the estimate needs to know about a model. */
export interface ModelShape {
  weightsBytes: number;
  /** Transformer blocks (block_count). */
  layers: number;
  /** f16 K and V for every layer, per token of context. */
  kvBytesPerToken: number;
  vocab: number;
  embedding: number;
  heads: number;
  feedForward: number;
  trainedContext: number | null;
}

export const DEFAULT_CONTEXT = 4096;
/** llama.cpp's default micro-batch: the compute graph is sized for this many tokens. */
const UBATCH = 512;
/** Scratch, graph metadata and the runtime itself, beyond the big buffers. */
const OVERHEAD_BYTES = 64 * 2 ** 20;
/** Leave this share of VRAM free for the driver and the desktop. */
const VRAM_HEADROOM = 0.9;

export function shapeFromDescription(d: ModelDescription): ModelShape {
  return {
    weightsBytes: d.tensorBytes,
    layers: d.layers ?? 0,
    kvBytesPerToken: d.kvCache.bytesPerToken ?? 0,
    vocab: d.vocabSize ?? 0,
    embedding: d.embeddingLength ?? 0,
    heads: d.attention.heads ?? 0,
    feedForward: d.feedForwardLength ?? 0,
    trainedContext: d.contextLength,
  };
}

/** The context a load will use: the chosen one, else min(trained, 4096) like the engine. */
export function effectiveContext(shape: Pick<ModelShape, 'trainedContext'>, requested: number | null): number {
  if (requested !== null) return requested;
  return Math.min(shape.trainedContext ?? DEFAULT_CONTEXT, DEFAULT_CONTEXT);
}

/**
 * llama.cpp's compute buffer for one micro-batch: the graph allocator reuses memory, so it is about the
 * largest intermediate, which is the logits (vocab × ubatch floats), the attention scores (context ×
 * ubatch × heads floats, gone with flash attention) or the FFN activations.
 */
export function computeBufferBytes(shape: ModelShape, context: number, batchSize: number | null, flashAttention: LoadSettings['flashAttention']): number {
  const ubatch = Math.min(batchSize ?? UBATCH, UBATCH);
  const logits = shape.vocab * ubatch * 4;
  // 'auto': llama.cpp turns it on where the backend supports it (CPU, CUDA, Metal, Vulkan all do for common models).
  const scores = flashAttention === false ? context * ubatch * shape.heads * 4 : 0;
  const ffn = shape.feedForward * ubatch * 4 * 3;
  const embeddings = shape.embedding * ubatch * 4 * 4;
  // The attention mask (one value per context cell and batch token) lives beside whichever is largest.
  const mask = context * ubatch * 2;
  return Math.max(logits, scores, ffn, embeddings) + mask + OVERHEAD_BYTES;
}

export function estimateFit(shape: ModelShape, settings: LoadSettings, memory: MachineMemory, approximate = false): FitEstimate {
  const contextSize = effectiveContext(shape, settings.contextSize);
  const layers = Math.max(shape.layers, 1);
  const kvCacheBytes = shape.kvBytesPerToken * contextSize;
  const computeBytes = computeBufferBytes(shape, contextSize, settings.batchSize, settings.flashAttention);
  const perLayer = (shape.weightsBytes + kvCacheBytes) / layers;
  const gpu = memory.gpu;

  let gpuLayers = 0;
  if (gpu !== null) {
    if (settings.gpuLayers === 'auto') {
      const room = gpu.freeVram * VRAM_HEADROOM - computeBytes;
      gpuLayers = room <= 0 ? 0 : Math.min(layers, Math.floor(room / perLayer));
    } else {
      gpuLayers = Math.min(layers, settings.gpuLayers);
    }
  }
  const onGpu = gpuLayers / layers;
  const vramBytes = gpuLayers > 0 ? Math.round((shape.weightsBytes + kvCacheBytes) * onGpu + computeBytes) : 0;
  // The CPU keeps a compute buffer too (for the layers it runs, and the output when not offloaded).
  const ramBytes = Math.round((shape.weightsBytes + kvCacheBytes) * (1 - onGpu) + computeBytes);

  let verdict: FitVerdict;
  if (ramBytes > memory.availableRam || (gpu !== null && vramBytes > gpu.freeVram)) verdict = 'too-large';
  else if (gpuLayers === 0) verdict = 'cpu';
  else if (gpuLayers >= layers) verdict = 'gpu';
  else verdict = 'partial';

  return {
    verdict,
    summary: summarize(verdict, { ramBytes, vramBytes, gpuLayers, layers, memory }),
    contextSize,
    gpuLayers,
    layers,
    weightsBytes: shape.weightsBytes,
    kvCacheBytes,
    kvBytesPerToken: shape.kvBytesPerToken,
    computeBytes,
    ramBytes,
    vramBytes,
    approximate,
  };
}

function summarize(
  verdict: FitVerdict,
  n: { ramBytes: number; vramBytes: number; gpuLayers: number; layers: number; memory: MachineMemory },
): string {
  const gpu = n.memory.gpu;
  switch (verdict) {
    case 'gpu':
      return `Fits on the GPU: about ${formatBytes(n.vramBytes)} of ${formatBytes(gpu?.freeVram ?? 0)} free VRAM.`;
    case 'partial':
      return `Partly on the GPU: ${n.gpuLayers} of ${n.layers} layers (${formatBytes(n.vramBytes)} VRAM), the rest in ${formatBytes(n.ramBytes)} of RAM.`;
    case 'cpu':
      return `Runs on the CPU: about ${formatBytes(n.ramBytes)} of ${formatBytes(n.memory.availableRam)} available RAM.`;
    case 'too-large':
      if (gpu !== null && n.vramBytes > gpu.freeVram) {
        return `Does not fit: needs about ${formatBytes(n.vramBytes)} of VRAM, ${formatBytes(gpu.freeVram)} is free. Use fewer GPU layers or a smaller context.`;
      }
      return `Does not fit: needs about ${formatBytes(n.ramBytes)} of memory, ${formatBytes(n.memory.availableRam)} is available. Try a smaller context or a smaller model.`;
  }
}

/** 1.2 GB / 850 MB / 12 KB in binary units (GB = 2^30 bytes), as the renderer shows sizes. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} bytes`;
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
