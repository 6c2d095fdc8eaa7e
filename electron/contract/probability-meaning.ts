// Zod-free, so the renderer can import it without bundling zod (test/unit/renderer/bundle.test.ts).

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
export const PROBABILITY_MEANING_KINDS = ['whole-vocabulary', 'top-k-share'] as const;
export type ProbabilityMeaning = (typeof PROBABILITY_MEANING_KINDS)[number];

/** What each view says about the number it shows. */
export const PROBABILITY_MEANINGS: Record<ProbabilityMeaning, string> = {
  'whole-vocabulary': 'Exact: the softmax over the whole vocabulary at temperature 1, before your sampling settings.',
  'top-k-share': 'Share of the top candidates: the probability at temperature 1 renormalised over the top K listed, before your sampling settings; the exact value is lower by the mass outside them.',
};

/**
 * A candidate's weight in the draw after temperature T, relative to the top candidate's:
 * (p / p_top)^(1/T) = exp((logit - top logit) / T), since p ∝ exp(logit) at T = 1. The same for
 * shares and exact probabilities (their ratios agree). Used by the sampler and the sampling view.
 */
export function drawWeight(p: number, top: number, temperature: number): number {
  return p > 0 && top > 0 ? Math.exp(Math.log(p / top) / temperature) : 0;
}
