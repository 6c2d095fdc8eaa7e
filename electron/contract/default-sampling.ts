import type { Sampling } from './model';

/** Sampling for a new conversation; apart from model.ts (zod) because the renderer needs the value. */
export const DEFAULT_SAMPLING: Sampling = {
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  seed: null,
  maxTokens: 512,
};
