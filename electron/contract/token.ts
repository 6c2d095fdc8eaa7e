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
});
export type GeneratedToken = z.infer<typeof generatedTokenSchema>;
