import { describe, expect, it } from 'vitest';
import { slidingLayers } from '../../../electron/trace/architectures';
import { headStats, topAttended } from '../../../electron/trace/attention-stats';
import { distribution } from '../../../electron/trace/distribution';
import { lensPositions, MAX_AUTO_LENS_VECTORS } from '../../../electron/trace/forward-trace';
import { wordTokenIndex } from '../../../electron/trace/word-vectors';

describe('trace arithmetic', () => {
  it('takes a full softmax and its top k in one pass', () => {
    const d = distribution(new Float32Array([0, Math.log(3), Math.log(2), -Infinity, Math.log(4)]), 3);
    expect(d.top.map((c) => c.id)).toEqual([4, 1, 2]);
    expect(d.top[0]?.p).toBeCloseTo(0.4, 6);
    expect(d.probability(0)).toBeCloseTo(0.1, 6);
    expect(d.probability(3)).toBe(0);
  });

  it('measures entropy in bits and the first token’s share per head', () => {
    // One head, 2 tokens: row 0 all on token 0; row 1 split evenly.
    const stats = headStats(new Float32Array([1, 0, 0.5, 0.5]), 1, 2);
    expect(stats[0]?.entropy).toBeCloseTo(0.5, 10); // (0 + 1 bit) / 2 queries
    expect(stats[0]?.firstTokenShare).toBeCloseTo(0.5, 10);
    expect(topAttended(new Float32Array([1, 0, 0.2, 0.8]), 1, 2, 1)[1]).toEqual([{ key: 1, weight: expect.closeTo(0.8, 6) as number }]);
  });

  it('follows llama.cpp’s sliding-window pattern (Gemma 3: five sliding layers, then a global one)', () => {
    expect(slidingLayers('gemma3', 7, 512, null)).toEqual([true, true, true, true, true, false, true]);
    expect(slidingLayers('gemma2', 3, 4096, null)).toEqual([true, false, true]);
    expect(slidingLayers('llama', 2, 0, null)).toEqual([false, false]);
  });

  it('lenses every position of a short text and only the last of a long one', () => {
    expect(lensPositions('auto', 4, 5)).toEqual([0, 1, 2, 3]);
    expect(lensPositions('auto', MAX_AUTO_LENS_VECTORS, 2)).toEqual([MAX_AUTO_LENS_VECTORS - 1]);
    expect(lensPositions('all', 3, 100)).toEqual([0, 1, 2]);
  });

  it('finds the token holding a word’s last character', () => {
    expect(wordTokenIndex(['', ' The', ' river', ' bank', '.'], ' The river bank.', 'bank')).toBe(3);
    expect(wordTokenIndex(['', ' bi', 'rd', ' sang'], ' bird sang', 'bird')).toBe(2);
    expect(wordTokenIndex(['', ' banker'], ' banker', 'bank')).toBeNull();
  });
});
