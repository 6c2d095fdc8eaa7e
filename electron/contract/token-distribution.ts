import { z } from 'zod';
import { alternativeSchema } from './token';

/**
 * The model's whole next-token distribution at one position of an answer, recomputed on demand for
 * the pinned token (electron/engine/token-distribution.ts): the softmax at temperature 1 over every
 * token of the vocabulary, so every number here is exact, unlike the streamed top-K shares.
 */

export const tokenDistributionSchema = z.object({
  meaning: z.literal('whole-vocabulary'),
  /** The answer's token: its exact probability and its rank in the whole vocabulary (1 = the most probable). */
  token: z.object({ id: z.number().int(), text: z.string(), p: z.number().min(0).max(1), rank: z.number().int().min(1) }),
  /** The most probable tokens, highest first. */
  top: z.array(alternativeSchema),
  /** The probability the listed `top` hold together (the rest is spread over the other tokens). */
  listedMass: z.number().min(0).max(1),
  /** Shannon entropy of the whole distribution, in bits. */
  entropyBits: z.number().min(0),
  /** Tokens in the vocabulary, so log2 of it is the largest entropy possible. */
  vocabularySize: z.number().int().min(1),
  /** How many of the most probable tokens it takes to hold half, and nine tenths, of the probability. */
  tokensForHalf: z.number().int().min(1),
  tokensForNinetyPercent: z.number().int().min(1),
  /** Whether the prompt rebuilt now was checked against the answer's own (false: an answer saved before prompts were fingerprinted). */
  promptChecked: z.boolean(),
  /** Tokens evaluated for this call (0 when the KV cache held everything before the position). */
  evaluatedTokens: z.number().int().min(0),
});
export type TokenDistribution = z.infer<typeof tokenDistributionSchema>;
