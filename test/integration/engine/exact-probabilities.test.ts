import type { Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOAD_OPTIONS, type ChatTurn } from '../../../electron/contract/engine-protocol';
import { DEFAULT_SAMPLING } from '../../../electron/contract/model';
import type { GeneratedToken } from '../../../electron/contract/token';
import { renderForScoring, renderPrompt } from '../../../electron/engine/chat-prompt';
import { generate } from '../../../electron/engine/generation';
import { LlamaRuntime, type LoadedModel } from '../../../electron/engine/llama-runtime';
import { SCORE_POOL, scorePrompt } from '../../../electron/engine/scoring';
import { SMOLLM2_135M, STORIES_260K } from '../../models';
import { referenceBatched, referenceStepwise } from './llama-reference';

/**
 * Glassbox's exact probabilities against llama.cpp's own whole-vocabulary softmax: node-llama-cpp
 * at temperature 0 returns every token of the vocabulary with exp(lᵢ) / Σ_all exp(lⱼ) (the addon
 * sorts all the logits and normalises over all of them), a path that shares nothing with ours (a
 * top-K map scaled by the argmax's exact probability).
 */

const TOLERANCE = 1e-4;

function maxError(ours: { id: number; p: number }[], reference: Map<number, number>): number {
  return Math.max(...ours.map((c) => Math.abs(c.p - (reference.get(c.id) ?? Number.NaN))));
}

for (const [name, path] of [
  ['stories260K', STORIES_260K],
  ['SmolLM2-135M-Instruct', SMOLLM2_135M],
] as const) {
  describe(`exact probabilities on ${name}`, () => {
    const runtime = new LlamaRuntime();
    let loaded: LoadedModel;
    beforeAll(async () => {
      await runtime.load(path(), { ...DEFAULT_LOAD_OPTIONS, gpu: 'cpu', threads: 1, contextSize: 512 }, () => {});
      if (runtime.loaded === null) throw new Error('not loaded');
      loaded = runtime.loaded;
    }, 60_000);
    afterAll(() => runtime.unload());

    const messages: ChatTurn[] = [{ role: 'user', content: 'Once upon a time there was a little' }];

    it('gives every generated token and its alternatives the whole-vocabulary softmax, within 1e-4', async () => {
      const tokens: GeneratedToken[] = [];
      const result = await generate(
        loaded,
        { messages, sampling: { ...DEFAULT_SAMPLING, temperature: 0, maxTokens: 12 }, topAlternatives: 10, exactProbabilities: true },
        { onToken: (_i, token) => tokens.push(token), cancelled: () => false, receivedAt: performance.now() },
      );
      expect(result.meaning).toBe('whole-vocabulary');
      expect(tokens.length).toBeGreaterThan(3);
      const prompt = renderPrompt(loaded.model, loaded.format, messages).tokens;
      const all = [...prompt, ...tokens.map((t) => t.id as Token)];
      const [reference = []] = await referenceStepwise(loaded, all.slice(0, -1), prompt.length - 1);
      let worst = 0;
      let outsideMass = 0;
      tokens.forEach((token, i) => {
        const ref = reference[i];
        if (ref === undefined) throw new Error(`no reference at ${i}`);
        worst = Math.max(worst, Math.abs(token.p - (ref.get(token.id) ?? Number.NaN)), maxError(token.top, ref));
        outsideMass = Math.max(outsideMass, 1 - token.top.reduce((s, c) => s + c.p, 0));
      });
      expect(worst).toBeLessThan(TOLERANCE);
      // The check has teeth only where the top 10 leave probability outside them.
      expect(outsideMass).toBeGreaterThan(10 * TOLERANCE);
    });

    it('streams top-K shares when exactness is not asked for (they sum to 1 over the top K)', async () => {
      const tokens: GeneratedToken[] = [];
      const result = await generate(
        loaded,
        { messages, sampling: { ...DEFAULT_SAMPLING, temperature: 0, topK: 10, maxTokens: 4 }, topAlternatives: 10 },
        { onToken: (_i, token) => tokens.push(token), cancelled: () => false, receivedAt: performance.now() },
      );
      expect(result.meaning).toBe('top-k-share');
      for (const token of tokens) expect(token.top.reduce((s, c) => s + c.p, 0)).toBeCloseTo(1, 5);
    });

    it('scores a prompt with the whole-vocabulary softmax, and its perplexity is exp(mean −ln p) of llama.cpp\'s', async () => {
      const text = 'The little dog ran to the park and played with a big red ball.';
      const scoredMessages: ChatTurn[] = [{ role: 'user', content: text }];
      const scored = await scorePrompt(loaded, scoredMessages, 10);
      expect(scored.meaning).toBe('whole-vocabulary');
      const { tokens, span } = renderForScoring(loaded.model, loaded.format, scoredMessages);
      const from = Math.max(0, span.start - 1);
      const reference = await referenceBatched(loaded, tokens.slice(0, span.end - 1), from);
      let logSum = 0;
      let counted = 0;
      let worst = 0;
      scored.tokens.forEach((token, i) => {
        const position = span.start + i;
        const ref = position === 0 ? undefined : reference[position - 1 - from];
        if (ref === undefined) return;
        const exact = ref.get(token.id) ?? Number.NaN;
        if (token.p === null) {
          // Only a token the model ranks below its top SCORE_POOL has no p.
          expect([...ref.values()].filter((q) => q > exact).length, `token ${i}`).toBeGreaterThanOrEqual(SCORE_POOL);
          return;
        }
        logSum += -Math.log(exact);
        counted++;
        worst = Math.max(worst, Math.abs((token.p ?? Number.NaN) - exact), maxError(token.top, ref));
      });
      expect(counted).toBeGreaterThan(5);
      expect(worst).toBeLessThan(TOLERANCE);
      const perplexity = Math.exp(logSum / counted);
      expect(Math.abs((scored.perplexity ?? Number.NaN) - perplexity) / perplexity).toBeLessThan(TOLERANCE);
    });
  });
}
