import type { LlamaContextSequence, Token } from 'node-llama-cpp';

/**
 * Reads a long prompt in chunks with a cancel check between them, so Stop is answered while the
 * prompt (attached documents included) is still being evaluated: one llama_decode cannot be
 * interrupted, and a 4,000-token prompt is several seconds of it on a CPU.
 *
 * Stop is answered at once, not after the chunk under way: given `stopped` (a promise that settles
 * when Stop comes), the chunk is raced against it, and on Stop the result returns with
 * `settling`, the chunk still being decoded. The caller answers the user then and waits for
 * `settling` before it touches the sequence again (the worker's queue holds the next request).
 * So chunks can be large enough for llama.cpp's matrix kernels: on 2 CPU cores a 1B model reads
 * 512 tokens at 109 tokens/s in 16-token batches, 122 in 64-token ones and 127 in 128 or more
 * (llama-bench pp512 with -ub 16/64/128/512); with 16-token chunks the app read prompts at 0.78
 * of llama-bench's pp512 (`decode.promptRatioToLlamaBench`).
 *
 * Chunks are sized by time, not tokens: the first is FIRST_CHUNK, and each next one holds as many
 * tokens as the measured rate fits in CHUNK_TARGET_MS (never fewer than MIN_CHUNK, nor more than
 * the context's batch size). The target bounds how long a request after a Stop waits for the
 * engine, not how long Stop itself takes.
 */

/** How long one chunk may take: a request right after a Stop waits at most about this long. */
export const CHUNK_TARGET_MS = 1000;
const FIRST_CHUNK = 64;
const MIN_CHUNK = 64;

export interface ChunkedPrompt {
  /** Tokens evaluated here (a chunk still being decoded when Stop came is not counted). */
  evaluated: number;
  /** True when Stop came (`cancelled()` between two chunks, or `stopped` during one): the rest of the prompt was not read. */
  cancelled: boolean;
  /** The chunk still being decoded when Stop came: wait for it before the sequence is used again. */
  settling?: Promise<void>;
}

/**
 * Evaluates `tokens` except the last `leave` of them (generation evaluates those, to get the next
 * token's distribution from the same call).
 */
export async function evaluateInChunks(
  sequence: LlamaContextSequence,
  tokens: readonly Token[],
  leave: number,
  cancelled: () => boolean,
  stopped?: Promise<void>,
): Promise<ChunkedPrompt> {
  const end = Math.max(0, tokens.length - leave);
  const batchSize = Math.max(MIN_CHUNK, sequence.context.batchSize);
  let size = Math.min(FIRST_CHUNK, batchSize);
  let done = 0;
  const stop = stopped?.then(() => 'stopped' as const);
  while (done < end) {
    if (cancelled()) return { evaluated: done, cancelled: true };
    const chunk = tokens.slice(done, Math.min(end, done + size));
    const started = performance.now();
    const decoding = sequence.evaluateWithoutGeneratingNewTokens(chunk as Token[]);
    if (stop !== undefined && (await Promise.race([decoding.then(() => 'read' as const), stop])) === 'stopped') {
      return { evaluated: done, cancelled: true, settling: decoding.catch(() => undefined) };
    }
    await decoding;
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
