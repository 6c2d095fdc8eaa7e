import { z } from 'zod';
import { PROBABILITY_MEANING_KINDS } from './probability-meaning';
import { MAX_BATCH_TOKENS } from './token-batch';

/** What a token's probability means: see contract/probability-meaning.ts (zod-free, for the renderer). */
export const probabilityMeaningSchema = z.enum(PROBABILITY_MEANING_KINDS);

export const alternativeSchema = z.object({
  id: z.number().int(),
  text: z.string(),
  p: z.number().min(0).max(1),
});
export type Alternative = z.infer<typeof alternativeSchema>;

/**
 * The sampler's real candidate pool at one position (electron/engine/sampler.ts samplingCuts): the
 * `size` candidates llama.cpp reported (the top K, K = max(top-k, 10)), highest first, of which the
 * first `afterTopK` survived top-k, the first `afterTopP` top-p as well, and the first `kept` min-p
 * too — the ones that could be drawn. `weight` normalises the draw: a kept candidate's chance is
 * (p / p_top)^(1/T) / weight. Recorded only when a draw happened (temperature > 0).
 */
export const samplingPoolSchema = z.object({
  size: z.number().int().min(1),
  afterTopK: z.number().int().min(1),
  afterTopP: z.number().int().min(1),
  kept: z.number().int().min(1),
  weight: z.number().positive(),
});
export type SamplingPool = z.infer<typeof samplingPoolSchema>;

export const generatedTokenSchema = z.object({
  id: z.number().int(),
  text: z.string(),
  p: z.number().min(0).max(1),
  /** Top alternatives, highest probability first; the chosen token is among them when it ranked in the top K. */
  top: z.array(alternativeSchema),
  /**
   * A reasoning model's thought (electron/engine/segments.ts): 'thought' for a token of its thinking,
   * 'marker' for a token of the markers around it (`<think>`, `</think>`), whose text is in neither
   * the thought nor the answer. Absent: a token of the answer.
   */
  segment: z.enum(['thought', 'marker']).optional(),
  /** What the sampling settings did at this position, on the sampler's own pool (absent: greedy, or not recorded). */
  pool: samplingPoolSchema.optional(),
});
export type GeneratedToken = z.infer<typeof generatedTokenSchema>;

/** The tokens of one batch (contract/token-batch.ts): never empty, at most MAX_BATCH_TOKENS. */
export const tokenBatchTokensSchema = z.array(generatedTokenSchema).min(1).max(MAX_BATCH_TOKENS);
