import { describe, expect, it } from 'vitest';
import { createRng, pickToken, samplingDistribution, sortCandidates, type Candidate } from '../../../electron/engine/sampler';

const candidates: Candidate[] = sortCandidates(new Map([[3, 0.1], [1, 0.5], [2, 0.3], [4, 0.06], [5, 0.04]]));
const plain = { temperature: 1, topK: 100, topP: 1, minP: 0 };

function ids(dist: Candidate[]): number[] {
  return dist.map((c) => c.id);
}

describe('sampler', () => {
  it('sorts candidates by probability', () => expect(ids(candidates)).toEqual([1, 2, 3, 4, 5]));

  it('keeps the distribution at temperature 1 without truncation', () => {
    const dist = samplingDistribution(candidates, plain);
    expect(dist.map((c) => c.p)).toEqual(candidates.map((c) => expect.closeTo(c.p, 12)));
  });

  it('applies top-k', () => expect(ids(samplingDistribution(candidates, { ...plain, topK: 2 }))).toEqual([1, 2]));

  it('applies top-p: the smallest set reaching p', () => {
    expect(ids(samplingDistribution(candidates, { ...plain, topP: 0.8 }))).toEqual([1, 2]);
    expect(ids(samplingDistribution(candidates, { ...plain, topP: 0.81 }))).toEqual([1, 2, 3]);
    expect(ids(samplingDistribution(candidates, { ...plain, topP: 0.1 }))).toEqual([1]);
  });

  it('applies min-p relative to the top candidate', () => {
    // 0.2 * 0.5 = 0.1: keeps 0.5, 0.3, 0.1
    expect(ids(samplingDistribution(candidates, { ...plain, minP: 0.2 }))).toEqual([1, 2, 3]);
  });

  it('applies temperature as p^(1/T), renormalised', () => {
    const dist = samplingDistribution(candidates, { ...plain, topK: 2, temperature: 0.5 });
    // 0.5^2 : 0.3^2 = 0.25 : 0.09
    expect(dist[0]!.p).toBeCloseTo(0.25 / 0.34, 12);
    expect(dist[1]!.p).toBeCloseTo(0.09 / 0.34, 12);
    expect(dist.reduce((s, c) => s + c.p, 0)).toBeCloseTo(1, 12);
  });

  it('is greedy at temperature 0', () => {
    const rng = createRng(1);
    for (let i = 0; i < 20; i++) expect(pickToken(candidates, { ...plain, temperature: 0 }, rng)).toBe(1);
  });

  it('is deterministic for a seed and follows the distribution', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 20_000 }, () => pickToken(candidates, plain, rng));
    };
    const a = draw(99);
    expect(draw(99)).toEqual(a);
    expect(draw(100)).not.toEqual(a);
    const share = a.filter((id) => id === 2).length / a.length;
    expect(share).toBeGreaterThan(0.28);
    expect(share).toBeLessThan(0.32);
  });

  it('produces uniform numbers in [0, 1)', () => {
    const rng = createRng(0);
    const xs = Array.from({ length: 10_000 }, rng);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
  });
});
