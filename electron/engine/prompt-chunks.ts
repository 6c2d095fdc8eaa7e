import type { LlamaContextSequence, Token } from 'node-llama-cpp';

/**
 * Reads a long prompt in chunks with a cancel check between them, so Stop is answered while the
 * prompt (attached documents included) is still being evaluated: one llama_decode cannot be
 * interrupted, and a 4,000-token prompt is several seconds of it on a CPU.
 *
 * Chunks are sized by time, not tokens: the first is small, and each next one holds as many tokens
 * as the measured rate fits in CHUNK_TARGET_MS (never fewer than MIN_CHUNK, which keeps the batch
 * wide enough for llama.cpp's matrix kernels, nor more than the context's batch size).
 */

/** How long one chunk may take; Stop waits at most about this long for the chunk under way. */
export const CHUNK_TARGET_MS = 120;
const FIRST_CHUNK = 32;
const MIN_CHUNK = 16;

export interface ChunkedPrompt {
  /** Tokens evaluated here. */
  evaluated: number;
  /** True when `cancelled()` said so between two chunks: the rest of the prompt was not read. */
  cancelled: boolean;
}

/**
 * Evaluates `tokens` except the last `leave` of them (generation evaluates those, to get the next
 * token's distribution from the same call).
 */
export async function evaluateInChunks(sequence: LlamaContextSequence, tokens: readonly Token[], leave: number, cancelled: () => boolean): Promise<ChunkedPrompt> {
  const end = Math.max(0, tokens.length - leave);
  const batchSize = Math.max(MIN_CHUNK, sequence.context.batchSize);
  let size = Math.min(FIRST_CHUNK, batchSize);
  let done = 0;
  while (done < end) {
    if (cancelled()) return { evaluated: done, cancelled: true };
    const chunk = tokens.slice(done, Math.min(end, done + size));
    const started = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(chunk as Token[]);
    const msPerToken = (performance.now() - started) / chunk.length;
    done += chunk.length;
    size = nextChunkSize(msPerToken, batchSize);
  }
  return { evaluated: done, cancelled: cancelled() };
}

export function nextChunkSize(msPerToken: number, batchSize: number): number {
  if (!(msPerToken > 0)) return batchSize;
  return Math.max(MIN_CHUNK, Math.min(batchSize, Math.floor(CHUNK_TARGET_MS / msPerToken)));
}
