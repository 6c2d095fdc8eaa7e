import { randomInt } from 'node:crypto';
import { drawWeight } from '../contract/probability-meaning';
import type { SamplingPool } from '../contract/token';

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

/**
 * How many of the sorted pool survive each step, in llama.cpp's order. Every step keeps a prefix of
 * the list sorted highest first (top-k and top-p by construction, min-p because it keeps all above
 * a threshold), so three counts say exactly which candidates each step cut. `weight` is the sum of
 * the kept candidates' weights after temperature, (p / p_top)^(1/T): a candidate's chance to be
 * drawn is its own weight over it (contract/token.ts samplingPoolSchema).
 */
export function samplingCuts(sorted: readonly Candidate[], settings: SamplerSettings): SamplingPool {
  const afterTopK = Math.min(sorted.length, Math.max(1, settings.topK));
  let afterTopP = afterTopK;
  if (settings.topP < 1) {
    let total = 0;
    for (let i = 0; i < afterTopK; i++) total += sorted[i]?.p ?? 0;
    let cumulative = 0;
    for (let i = 0; i < afterTopK; i++) {
      cumulative += (sorted[i]?.p ?? 0) / total;
      if (cumulative >= settings.topP) {
        afterTopP = i + 1;
        break;
      }
    }
  }
  const top = sorted[0]?.p ?? 0;
  let kept = afterTopP;
  if (settings.minP > 0) {
    kept = 1;
    while (kept < afterTopP && (sorted[kept]?.p ?? 0) >= settings.minP * top) kept++;
  }
  let weight = 0;
  for (let i = 0; i < kept; i++) weight += drawWeight(sorted[i]?.p ?? 0, top, settings.temperature);
  return { size: sorted.length, afterTopK, afterTopP, kept, weight };
}

/** The candidates that survive top-k, top-p and min-p, with their weights after temperature (normalised). */
export function samplingDistribution(sorted: readonly Candidate[], settings: SamplerSettings, cuts: SamplingPool = samplingCuts(sorted, settings)): Candidate[] {
  const top = sorted[0]?.p ?? 0;
  return sorted.slice(0, cuts.kept).map((c) => ({ id: c.id, p: drawWeight(c.p, top, settings.temperature) / cuts.weight }));
}

/** Temperature 0 is greedy (the first, most probable candidate); otherwise a seeded draw (from `cuts`, when the caller has them). */
export function pickToken(sorted: readonly Candidate[], settings: SamplerSettings, rng: Rng, cuts?: SamplingPool): number {
  const first = sorted[0];
  if (first === undefined) throw new Error('No candidates to sample from');
  if (settings.temperature === 0) return first.id;
  const dist = samplingDistribution(sorted, settings, cuts);
  let r = rng();
  for (const c of dist) {
    r -= c.p;
    if (r < 0) return c.id;
  }
  // Rounding can leave r a hair above 0: the last candidate takes it.
  return dist[dist.length - 1]?.id ?? first.id;
}
