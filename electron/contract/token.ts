import { z } from 'zod';

/**
 * What a token's probability means, everywhere in the app: the model's next-token distribution at
 * temperature 1, restricted to its top K candidates and renormalised over them (K = the sampling
 * top-k, at least 10). It is measured before the user's temperature, top-p and min-p reshape it,
 * so the numbers describe the model, not the dice. Computing the full-vocabulary normaliser costs
 * half the decode speed on a 128k vocabulary (see shared/MEASURED.md).
 */
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
