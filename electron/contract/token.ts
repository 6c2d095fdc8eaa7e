import { z } from 'zod';

/**
 * What a token's probability means. Always the model's next-token distribution at temperature 1,
 * measured before the user's temperature, top-p and min-p reshape it (the numbers describe the
 * model, not the dice), in one of two forms (`ProbabilityMeaning`, PROBABILITY_MEANINGS below):
 * - 'whole-vocabulary': the softmax over every token of the vocabulary — exact, what llama-server's
 *   `n_probs` and OpenAI's `logprobs` mean. Prompt probabilities, perplexity and the API's logprobs
 *   are always this (electron/engine/exact-probabilities.ts).
 * - 'top-k-share': renormalised over the top K candidates only (K = the sampling top-k, at least
 *   10); above the exact value by the factor 1 / (mass of the top K). The streamed colouring of an
 *   answer uses it where the exact pass costs more than 5% of decode speed (`glassbox bench`).
 */
export const probabilityMeaningSchema = z.enum(['whole-vocabulary', 'top-k-share']);
export type ProbabilityMeaning = z.infer<typeof probabilityMeaningSchema>;

/** What each view says about the number it shows. */
export const PROBABILITY_MEANINGS: Record<ProbabilityMeaning, string> = {
  'whole-vocabulary': 'Exact: the softmax over the whole vocabulary at temperature 1, before your sampling settings.',
  'top-k-share': 'Share of the top candidates: the probability at temperature 1 renormalised over the top K listed, before your sampling settings; the exact value is lower by the mass outside them.',
};

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

/**
 * A candidate's weight in the draw after temperature T, relative to the top candidate's:
 * (p / p_top)^(1/T) = exp((logit - top logit) / T), since p ∝ exp(logit) at T = 1. The same for
 * shares and exact probabilities (their ratios agree). Used by the sampler and the sampling view.
 */
export function drawWeight(p: number, top: number, temperature: number): number {
  return p > 0 && top > 0 ? Math.exp(Math.log(p / top) / temperature) : 0;
}

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
