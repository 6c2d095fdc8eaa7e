import { createHash } from 'node:crypto';

/**
 * A short fingerprint of a rendered prompt's token ids. Kept with each answer (GenerateResult.promptHash)
 * so that a later question about one of its positions (token-distribution.ts) can tell whether the
 * prompt rebuilt from the conversation now is token for token the one the answer was written from:
 * a system prompt edited since, turns dropped from a full context or other document passages would
 * make the model's numbers describe a different prompt. 64 bits of SHA-256: collisions are not a
 * concern at this scale, and the value is only compared, never trusted for anything else.
 */
export function promptFingerprint(tokens: readonly number[]): string {
  const ids = Uint32Array.from(tokens);
  return createHash('sha256').update(new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength)).digest('hex').slice(0, 16);
}
