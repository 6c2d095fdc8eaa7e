import { describe, expect, it } from 'vitest';
import type { GeneratedToken } from '../../../electron/contract/token';
import {
  applySampling,
  candidatesOf,
  entropyBits,
  maxEntropyBits,
  rankOf,
  samplingEffect,
  type Candidate,
} from '../../../renderer/src/lib/explorer/distribution';
import { confidencePoints, confidenceSummary, nearestIndex, polylinePoints } from '../../../renderer/src/lib/explorer/confidence';
import { ordinal, placePopover, popoverModel, rankText } from '../../../renderer/src/lib/explorer/popover';
import { perplexityText } from '../../../renderer/src/lib/explorer/prompt';
import { SAMPLING_FIELDS, fieldValue, parseField } from '../../../renderer/src/lib/explorer/sampling-form';
import { visibleToken } from '../../../renderer/src/lib/tokens';
import { DEFAULT_SAMPLING } from '../../../electron/contract/model';
import { samplingDistribution, sortCandidates } from '../../../electron/engine/sampler';

const token: GeneratedToken = {
  id: 2,
  text: ' there',
  p: 0.25,
  top: [
    { id: 1, text: ' a', p: 0.5 },
    { id: 2, text: ' there', p: 0.25 },
    { id: 3, text: '\n', p: 0.125 },
    { id: 4, text: ' the', p: 0.125 },
  ],
};

const dist = (ps: number[]): Candidate[] => ps.map((p, i) => ({ id: i, text: `t${i}`, p }));
const all = { temperature: 1, topK: 1000, topP: 1, minP: 0 };

describe('entropy', () => {
  it('is 0 for a certain choice and log2(k) for k equal choices', () => {
    expect(entropyBits([1])).toBe(0);
    expect(entropyBits([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(2, 10);
    expect(entropyBits([0.5, 0.25, 0.125, 0.125])).toBeCloseTo(1.75, 10);
    expect(maxEntropyBits(8)).toBe(3);
    expect(maxEntropyBits(1)).toBe(0);
  });

  it('renormalises and ignores zeros and junk', () => {
    expect(entropyBits([2, 2])).toBeCloseTo(1, 10);
    expect(entropyBits([0.5, 0, Number.NaN, 0.5])).toBeCloseTo(1, 10);
    expect(entropyBits([])).toBe(0);
  });
});

describe('rank', () => {
  it('is 1-based among the alternatives, highest first, whatever their order', () => {
    expect(rankOf(token)).toBe(2);
    expect(rankOf({ ...token, top: [...token.top].reverse() })).toBe(2);
  });

  it('is null when the chosen token was not listed, and the candidates then include it', () => {
    const outside = { ...token, id: 99, text: ' x', p: 0.01 };
    expect(rankOf(outside)).toBeNull();
    expect(candidatesOf(outside).map((c) => c.id)).toEqual([1, 2, 3, 4, 99]);
    expect(rankText(null, 4)).toBe('chosen: not among the 4 listed');
    expect(rankText(2, 10)).toBe('chosen: 2nd of 10');
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal)).toEqual([
      '1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st',
    ]);
  });
});

describe('sampling transform', () => {
  it('changes nothing at temperature 1 with no cuts (but renormalises)', () => {
    const out = applySampling(dist([2, 1, 1]), all);
    expect(out.map((s) => s.after)).toEqual([0.5, 0.25, 0.25]);
    expect(out.every((s) => s.cutBy === null)).toBe(true);
  });

  it('is greedy at temperature 0', () => {
    const out = applySampling(dist([0.2, 0.5, 0.3]), { ...all, temperature: 0 });
    expect(out.map((s) => s.after)).toEqual([0, 1, 0]);
    expect(out.map((s) => s.cutBy)).toEqual(['greedy', null, 'greedy']);
  });

  it('sharpens below 1 and flattens above 1 (p^(1/T), renormalised)', () => {
    const sharp = applySampling(dist([0.6, 0.4]), { ...all, temperature: 0.5 });
    expect(sharp[0]?.after).toBeCloseTo(0.36 / 0.52, 10);
    const flat = applySampling(dist([0.6, 0.4]), { ...all, temperature: 2 });
    expect(flat[0]?.after).toBeCloseTo(Math.sqrt(0.6) / (Math.sqrt(0.6) + Math.sqrt(0.4)), 10);
    expect(flat[0]!.after).toBeLessThan(0.6);
  });

  it('cuts with top-k, then top-p, then min-p, and keeps the most probable one always', () => {
    const out = applySampling(dist([0.4, 0.3, 0.2, 0.06, 0.04]), { temperature: 1, topK: 4, topP: 0.9, minP: 0.6 });
    expect(out.map((s) => s.cutBy)).toEqual([null, null, 'min-p', 'top-p', 'top-k']);
    expect(out[0]?.after).toBeCloseTo(0.4 / 0.7, 10);
    expect(out[1]?.after).toBeCloseTo(0.3 / 0.7, 10);
    const one = applySampling(dist([0.5, 0.5]), { temperature: 1, topK: 1, topP: 0.01, minP: 1 });
    expect(one.filter((s) => s.cutBy === null)).toHaveLength(1);
  });

  it('matches the engine sampler on the same candidates', () => {
    const ps = [0.31, 0.22, 0.15, 0.12, 0.08, 0.05, 0.04, 0.02, 0.007, 0.003];
    for (const settings of [DEFAULT_SAMPLING, { ...DEFAULT_SAMPLING, temperature: 1.7, topP: 0.6 }, { ...all, minP: 0.2, topK: 5 }]) {
      const engine = samplingDistribution(sortCandidates(new Map(ps.map((p, i) => [i, p]))), settings);
      const ours = applySampling(dist(ps), settings).filter((s) => s.cutBy === null);
      expect(ours.map((s) => s.id)).toEqual(engine.map((c) => c.id));
      ours.forEach((s, i) => expect(s.after).toBeCloseTo(engine[i]!.p, 10));
    }
  });

  it('keeps input order, and handles empty input', () => {
    const out = applySampling(dist([0.1, 0.9]), { ...all, temperature: 0 });
    expect(out.map((s) => s.id)).toEqual([0, 1]);
    expect(out[1]?.after).toBe(1);
    expect(applySampling([], all)).toEqual([]);
  });

  it('says in one line what the settings did', () => {
    const settings = { temperature: 0.5, topK: 4, topP: 0.9, minP: 0.6 };
    const out = applySampling(dist([0.4, 0.3, 0.2, 0.06, 0.04]), settings);
    expect(samplingEffect(out, settings)).toBe(
      'top-k 4 cut 1, top-p 0.9 cut 1 more, min-p 0.6 cut 1 below 60% of the top one; temperature 0.5 sharpened the rest (favourites gain). 2 of 5 could be drawn.',
    );
    expect(samplingEffect(applySampling(dist([0.5, 0.5]), { ...all, temperature: 0 }), { ...all, temperature: 0 })).toMatch(/^Temperature 0 is greedy/);
    expect(samplingEffect([], all)).toBe('');
  });
});

describe('confidence line', () => {
  const box = { width: 110, height: 60, pad: 5 };

  it('puts p = 1 at the top and p = 0 at the bottom, spread across the width', () => {
    const points = confidencePoints([1, 0.5, 0], box);
    expect(points).toEqual([
      { x: 5, y: 5 },
      { x: 55, y: 30 },
      { x: 105, y: 55 },
    ]);
    expect(polylinePoints(points)).toBe('5,5 55,30 105,55');
  });

  it('centres a single token, clamps junk and finds the nearest point', () => {
    expect(confidencePoints([0.5], box)).toEqual([{ x: 55, y: 30 }]);
    expect(confidencePoints([2, Number.NaN], box).map((p) => p.y)).toEqual([5, 55]);
    const points = confidencePoints([0.1, 0.2, 0.3], box);
    expect(nearestIndex(points, 70)).toBe(1);
    expect(nearestIndex(points, 200)).toBe(2);
    expect(nearestIndex([], 10)).toBeNull();
  });

  it('summarises mean and the least confident token', () => {
    expect(confidenceSummary([0.9, 0.1, 0.5])).toEqual({ mean: 0.5, lowest: 1 });
    expect(confidenceSummary([])).toEqual({ mean: null, lowest: null });
  });
});

describe('popover', () => {
  it('lists the alternatives with bars and marks the chosen one', () => {
    const model = popoverModel(token);
    expect(model.title).toBe('" there" 25.0%');
    expect(model.rank).toBe('chosen: 2nd of 4');
    expect(model.rows.map((r) => [r.label, r.percent, r.bar, r.chosen])).toEqual([
      ['·a', '50.0%', 0.5, false],
      ['·there', '25.0%', 0.25, true],
      ['↵', '12.5%', 0.125, false],
      ['·the', '12.5%', 0.125, false],
    ]);
    expect(model.more).toBe(0);
  });

  it('always shows the chosen token, even below the rows that fit', () => {
    const low = { ...token, id: 4, text: ' the', p: 0.125 };
    const model = popoverModel(low, 2);
    expect(model.rows.map((r) => r.id)).toEqual([1, 4]);
    expect(model.rows[1]?.chosen).toBe(true);
    expect(model.more).toBe(2);
  });

  it('goes below the token, or above when there is no room, inside the viewport', () => {
    const viewport = { width: 1000, height: 800 };
    const size = { width: 260, height: 150 };
    expect(placePopover({ left: 100, top: 100, width: 30, height: 20 }, size, viewport)).toEqual({ left: 100, top: 126, placement: 'below' });
    expect(placePopover({ left: 100, top: 700, width: 30, height: 20 }, size, viewport)).toEqual({ left: 100, top: 544, placement: 'above' });
    expect(placePopover({ left: 900, top: 100, width: 30, height: 20 }, size, viewport).left).toBe(732);
    expect(placePopover({ left: -20, top: 100, width: 30, height: 20 }, size, viewport).left).toBe(8);
  });

  it('makes whitespace visible without touching other text', () => {
    expect(visibleToken(' a\tb\nc\r\n')).toBe('·a→b↵c↵');
    expect(visibleToken('')).toBe('∅');
    expect(visibleToken('héllo')).toBe('héllo');
  });
});

describe('prompt view', () => {
  it('explains perplexity in words', () => {
    expect(perplexityText(12.3)).toBe(
      'Perplexity 12.3: how surprising your prompt was to the model; as unsure as picking among 12 equally likely tokens.',
    );
    expect(perplexityText(1.01)).toMatch(/only 1 possible token/);
    expect(perplexityText(1234.5)).toMatch(/^Perplexity 1235:/);
    expect(perplexityText(null)).toMatch(/not available/);
  });
});

describe('sampling form', () => {
  const field = (key: string) => SAMPLING_FIELDS.find((f) => f.key === key)!;

  it('parses what is typed into a patch, or says why not', () => {
    expect(parseField(field('temperature'), ' 0.7 ')).toEqual({ ok: true, patch: { temperature: 0.7 } });
    expect(parseField(field('seed'), '')).toEqual({ ok: true, patch: { seed: null } });
    expect(parseField(field('seed'), '42')).toEqual({ ok: true, patch: { seed: 42 } });
    expect(parseField(field('topK'), '2.5')).toEqual({ ok: false, error: 'Top-k must be a whole number.' });
    expect(parseField(field('topP'), '0')).toEqual({ ok: false, error: 'Top-p must be between 0.01 and 1.' });
    expect(parseField(field('maxTokens'), 'abc')).toEqual({ ok: false, error: 'Max tokens must be a number.' });
  });

  it('shows the settings, an unset seed as empty, and has no repeat penalty', () => {
    expect(fieldValue(field('seed'), DEFAULT_SAMPLING)).toBe('');
    expect(fieldValue(field('temperature'), DEFAULT_SAMPLING)).toBe('0.8');
    expect(SAMPLING_FIELDS.map((f) => f.key)).toEqual(['temperature', 'topK', 'topP', 'minP', 'seed', 'maxTokens', 'thoughtBudget']);
  });
});

describe('sampling transform keeps the model numbers', () => {
  it('leaves p as given when the shown candidates are only part of the top K', () => {
    const out = applySampling(dist([0.3, 0.2, 0.1]), { temperature: 1, topK: 40, topP: 1, minP: 0 });
    expect(out.map((s) => s.p)).toEqual([0.3, 0.2, 0.1]);
    expect(out.map((s) => s.after)).toEqual([0.5, 0.2 / 0.6, 0.1 / 0.6]);
  });
});
