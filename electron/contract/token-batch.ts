import type { GeneratedToken } from './token';

/**
 * Consecutive streamed tokens of one answer, as they travel from the engine to the screen: the
 * engine worker's batch (engine/token-batcher.ts) or what one read of a remote stream held, passed
 * on whole by every hop (engine host, queue, answer recorder, event hub, socket) so that each hop
 * pays its wake-up, serialisation and validation once per batch, not once per token.
 */
export interface TokenBatch {
  /** Index of the first token in the answer (a branch's kept prefix counts from 0); the others follow without gaps. */
  first: number;
  tokens: GeneratedToken[];
}

/**
 * The most tokens one message or event carries. The engine's 16 ms batches hold a few dozen; the
 * bound is for what can be larger (a remote server's one-piece answer, a stalled tab's catch-up),
 * which is split so that no single frame grows with the answer.
 */
export const MAX_BATCH_TOKENS = 1024;

/** `batch` as consecutive batches of at most `max` tokens (the batch itself when it fits; none when it is empty). */
export function splitBatch(batch: TokenBatch, max = MAX_BATCH_TOKENS): TokenBatch[] {
  if (batch.tokens.length <= max) return batch.tokens.length === 0 ? [] : [batch];
  const parts: TokenBatch[] = [];
  for (let offset = 0; offset < batch.tokens.length; offset += max) {
    parts.push({ first: batch.first + offset, tokens: batch.tokens.slice(offset, offset + max) });
  }
  return parts;
}
