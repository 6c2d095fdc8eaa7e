import { randomInt } from 'node:crypto';

/**
 * Chooses the next token in JavaScript from the top-K map the engine reports (temperature 1,
 * renormalised over the top K). Asking llama.cpp only for that map is what keeps probabilities
 * cheap (shared/MEASURED.md); the user's sampling settings are applied here instead.
 *
 * Order follows llama.cpp's default sampler chain: top-k → top-p → min-p on the model's
 * probabilities, then temperature, then the draw. So top-p/min-p cut the same candidates whatever
 * the temperature, as llama.cpp users expect.
 */

export interface Candidate {
  id: number;
  p: number;
}

export interface SamplerSettings {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
}

/** A seeded uniform [0, 1) generator (mulberry32: tiny, fast, good enough for sampling). */
export type Rng = () => number;

export function createRng(seed: number | null): Rng {
  let state = (seed ?? randomInt(0, 2 ** 32 - 1)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Candidates sorted by probability, highest first (stable for ties, so argmax is deterministic). */
export function sortCandidates(probabilities: ReadonlyMap<number, number>): Candidate[] {
  return [...probabilities].map(([id, p]) => ({ id, p })).sort((a, b) => b.p - a.p);
}

/** The candidates that survive top-k, top-p and min-p, with their weights after temperature (normalised). */
export function samplingDistribution(sorted: readonly Candidate[], settings: SamplerSettings): Candidate[] {
  let kept = sorted.slice(0, Math.max(1, settings.topK));
  if (settings.topP < 1) {
    const total = kept.reduce((sum, c) => sum + c.p, 0);
    let cumulative = 0;
    let cut = kept.length;
    for (let i = 0; i < kept.length; i++) {
      cumulative += (kept[i]?.p ?? 0) / total;
      if (cumulative >= settings.topP) {
        cut = i + 1;
        break;
      }
    }
    kept = kept.slice(0, cut);
  }
  const top = kept[0]?.p ?? 0;
  if (settings.minP > 0) kept = kept.filter((c, i) => i === 0 || c.p >= settings.minP * top);
  // p^(1/T) is exp(logit/T) up to a constant, since p ∝ exp(logit) at T = 1.
  const weights = kept.map((c) => ({ id: c.id, p: c.p > 0 ? Math.exp(Math.log(c.p / top) / settings.temperature) : 0 }));
  const sum = weights.reduce((s, c) => s + c.p, 0);
  return weights.map((c) => ({ id: c.id, p: c.p / sum }));
}

/** Temperature 0 is greedy (the first, most probable candidate); otherwise a seeded draw. */
export function pickToken(sorted: readonly Candidate[], settings: SamplerSettings, rng: Rng): number {
  const first = sorted[0];
  if (first === undefined) throw new Error('No candidates to sample from');
  if (settings.temperature === 0) return first.id;
  const dist = samplingDistribution(sorted, settings);
  let r = rng();
  for (const c of dist) {
    r -= c.p;
    if (r < 0) return c.id;
  }
  // Rounding can leave r a hair above 0: the last candidate takes it.
  return dist[dist.length - 1]?.id ?? first.id;
}
