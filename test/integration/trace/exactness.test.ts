import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceText } from '../../../electron/trace/forward-trace';
import { TraceModelSession } from '../../../electron/trace/model-session';
import { compareWord } from '../../../electron/trace/word-vectors';
import type { ForwardTrace } from '../../../electron/trace/forward-trace';
import { GEMMA3_270M, SMOLLM2_135M, STORIES_260K } from '../../models';

// The trace read out of real llama.cpp on real GGUF files, checked against llama.cpp's own numbers.

interface AttentionCheck {
  maxRowError: number;
  maxAboveDiagonal: number;
  /** Largest weight on a key further back than the window, per layer. */
  maxOutsideWindow: number[];
}

function checkAttention(n: number, heads: number, window: number | null): { onAttention: (layer: number, w: Float32Array) => void; result: AttentionCheck } {
  const result: AttentionCheck = { maxRowError: 0, maxAboveDiagonal: 0, maxOutsideWindow: [] };
  return {
    result,
    onAttention: (layer, w) => {
      let outside = 0;
      for (let h = 0; h < heads; h += 1) {
        for (let q = 0; q < n; q += 1) {
          let sum = 0;
          for (let k = 0; k < n; k += 1) {
            const p = w[(h * n + q) * n + k] ?? NaN;
            sum += p;
            if (k > q) result.maxAboveDiagonal = Math.max(result.maxAboveDiagonal, Math.abs(p));
            if (window !== null && q - k >= window) outside = Math.max(outside, Math.abs(p));
          }
          result.maxRowError = Math.max(result.maxRowError, Math.abs(sum - 1));
        }
      }
      result.maxOutsideWindow[layer] = outside;
    },
  };
}

function expectLastLayerLensIsLlamaCpp(trace: ForwardTrace): void {
  const last = trace.model.layers - 1;
  expect(trace.lens.length).toBeGreaterThan(0);
  for (const position of trace.lens) {
    const lensed = position.layers[last]?.top ?? [];
    expect(lensed.map((c) => c.id)).toEqual(position.final.map((c) => c.id));
    position.final.forEach((c, i) => expect(Math.abs(c.p - (lensed[i]?.p ?? NaN))).toBeLessThan(1e-3));
    expect(position.final).toHaveLength(5);
  }
  // The lens of an early layer is a different distribution (otherwise the check above proves nothing).
  const first = trace.lens[trace.lens.length - 1];
  expect(first?.layers[0]?.top.map((c) => c.id)).not.toEqual(first?.final.map((c) => c.id));
}

const MODELS = [
  { name: 'stories260K', path: STORIES_260K, prompt: 'Once upon a time there was a little girl named Lily. She liked to play', a: 'The bird sat on the tree and sang.', b: 'The dog barked at the bird all day.', word: 'bird' },
  { name: 'SmolLM2-135M', path: SMOLLM2_135M, prompt: 'The capital of France is Paris. The capital of Italy is', a: 'I sat on the river bank and watched the water.', b: 'I went to the bank to deposit my money.', word: 'bank' },
  { name: 'Gemma 3 270M', path: GEMMA3_270M, prompt: 'The capital of France is Paris. The capital of Italy is', a: 'I sat on the river bank and watched the water.', b: 'I went to the bank to deposit my money.', word: 'bank' },
];

describe.each(MODELS)('trace on $name', ({ path, prompt, a, b, word }) => {
  let session: TraceModelSession;
  beforeAll(async () => {
    session = await TraceModelSession.open(path(), { threads: null });
  });
  afterAll(() => session.close());

  it('reads every layer: attention rows sum to 1 and nothing lies above the diagonal; the last layer lens is llama.cpp’s own next-token distribution', async () => {
    const n = session.tokenize(prompt).length;
    const check = checkAttention(n, session.model.heads, null);
    const trace = await traceText(session, prompt, 'all', { onAttention: check.onAttention });
    expect(trace.layers).toHaveLength(session.model.layers);
    expect(check.result.maxOutsideWindow).toHaveLength(session.model.layers);
    expect(check.result.maxRowError).toBeLessThan(1e-4);
    expect(check.result.maxAboveDiagonal).toBe(0);
    expect(trace.lens).toHaveLength(n);
    expectLastLayerLensIsLlamaCpp(trace);
    for (const layer of trace.layers) {
      expect(layer.heads).toHaveLength(session.model.heads);
      expect(layer.residualNorm).toHaveLength(n);
      expect(layer.topAttended).toHaveLength(n);
    }
  });

  it('gives one token id the same embedding in two contexts, and different vectors after attention', () => {
    const vectors = compareWord(session, a, b, word);
    expect(vectors.sameToken).toBe(true);
    // The token holding the word's last character (stories260K's 512-token vocabulary splits words).
    expect(word.endsWith(vectors.a.token.text.trim().toLowerCase())).toBe(true);
    expect(vectors.a.token.text.trim()).not.toBe('');
    expect(vectors.layers).toHaveLength(session.model.layers + 1);
    expect(vectors.layers[0]?.layer).toBe(-1);
    expect(vectors.layers[0]?.cosine).toBeCloseTo(1, 6);
    expect(vectors.layers[0]?.normA).toBe(vectors.layers[0]?.normB);
    for (const layer of vectors.layers.slice(1)) expect(layer.cosine).toBeLessThan(0.99999);
  });
});

describe('Gemma 3 270M sliding window', () => {
  it('is exactly 0 outside the window in sliding layers, and not in the global ones', async () => {
    const session = await TraceModelSession.open(GEMMA3_270M(), { threads: null, tokens: 768 });
    try {
      const window = session.model.slidingWindow;
      expect(window).toBe(512);
      const text = Array.from({ length: 60 }, (_, i) => `Line ${i}: the quick brown fox jumps.`).join(' ');
      const n = session.tokenize(text).length;
      expect(n).toBeGreaterThan(600);
      const check = checkAttention(n, session.model.heads, window);
      const trace = await traceText(session, text, 'last', { onAttention: check.onAttention });
      expect(check.result.maxRowError).toBeLessThan(1e-4);
      expect(check.result.maxAboveDiagonal).toBe(0);
      trace.layers.forEach((layer, il) => {
        expect(layer.sliding).toBe(il % 6 < 5);
        if (layer.sliding) expect(check.result.maxOutsideWindow[il]).toBe(0);
        else expect(check.result.maxOutsideWindow[il]).toBeGreaterThan(0);
      });
      expectLastLayerLensIsLlamaCpp(trace);
    } finally {
      session.close();
    }
  });
});
