import type { Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOAD_OPTIONS, type ChatTurn, type GenerateResult } from '../../../electron/contract/engine-protocol';
import { isGlassboxError } from '../../../electron/contract/errors';
import { DEFAULT_SAMPLING } from '../../../electron/contract/model';
import type { GeneratedToken } from '../../../electron/contract/token';
import { renderPrompt } from '../../../electron/engine/chat-prompt';
import { generate } from '../../../electron/engine/generation';
import { LlamaRuntime, type LoadedModel } from '../../../electron/engine/llama-runtime';
import { tokenDistribution } from '../../../electron/engine/token-distribution';
import { GEMMA3_270M, SMOLLM2_135M, STORIES_260K } from '../../models';
import { referenceStepwise } from './llama-reference';

/**
 * The pinned token's exact distribution against llama.cpp's own whole-vocabulary softmax
 * (llama-reference.ts: temperature 0, every token reported), read at each answer position as
 * generation read it; entropy, the listed mass, the rank and the 50% / 90% counts are computed
 * here from that reference, independently of the engine's code.
 */

const TOLERANCE = 1e-4;

function entropyBits(map: Map<number, number>): number {
  let h = 0;
  for (const p of map.values()) if (p > 0) h -= p * Math.log2(p);
  return h;
}

function tokensFor(sorted: number[], share: number): number {
  let sum = 0;
  for (const [i, p] of sorted.entries()) {
    sum += p;
    if (sum >= share) return i + 1;
  }
  return sorted.length;
}

for (const [name, path, messages] of [
  ['stories260K', STORIES_260K, [{ role: 'user', content: 'Once upon a time there was a little' }]],
  ['SmolLM2-135M-Instruct', SMOLLM2_135M, [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Name three colours of the rainbow.' }]],
  // The base model has no chat template: plain-text continuation, and a 262k vocabulary.
  ['Gemma 3 270M', GEMMA3_270M, [{ role: 'user', content: 'The capital of France is' }]],
] as const satisfies readonly (readonly [string, () => string, ChatTurn[]])[]) {
  describe(`the pinned token's whole distribution on ${name}`, () => {
    const runtime = new LlamaRuntime();
    let loaded: LoadedModel;
    const tokens: GeneratedToken[] = [];
    let result: GenerateResult;
    beforeAll(async () => {
      await runtime.load(path(), { ...DEFAULT_LOAD_OPTIONS, gpu: 'cpu', threads: 1, contextSize: 512 }, () => {});
      if (runtime.loaded === null) throw new Error('not loaded');
      loaded = runtime.loaded;
      // Sampled (seeded), so some positions are uncertain and the shares differ from the exact values.
      result = await generate(
        loaded,
        { messages: [...messages], sampling: { ...DEFAULT_SAMPLING, temperature: 1, topK: 40, topP: 1, minP: 0, seed: 7, maxTokens: 10 }, topAlternatives: 10 },
        { onToken: (_i, token) => tokens.push(token), cancelled: () => false, receivedAt: performance.now() },
      );
    }, 120_000);
    afterAll(() => runtime.unload());

    it('matches llama.cpp\'s full softmax at every position: probabilities, entropy, listed mass, rank (1e-4)', async () => {
      expect(tokens.length).toBeGreaterThan(3);
      expect(result.promptHash).toMatch(/^[0-9a-f]{16}$/);
      const ours = [];
      for (const [i, token] of tokens.entries()) {
        const before = tokens.slice(0, i).map((t) => t.id);
        ours.push(await tokenDistribution(loaded, { messages: [...messages], before, token: token.id, topAlternatives: 10, expectPromptHash: result.promptHash }));
        // Generation had just read the token before; so does each call here (the KV cache keeps the rest).
        expect(ours[i]?.evaluatedTokens, `position ${i}`).toBe(1);
      }
      const prompt = renderPrompt(loaded.model, loaded.format, messages).tokens;
      const all = [...prompt, ...tokens.map((t) => t.id as Token)];
      const [reference = []] = await referenceStepwise(loaded, all.slice(0, -1), prompt.length - 1);
      let spread = 0;
      for (const [i, token] of tokens.entries()) {
        const ref = reference[i];
        const got = ours[i];
        if (ref === undefined || got === undefined) throw new Error(`no distribution at ${i}`);
        const sorted = [...ref.values()].sort((a, b) => b - a);
        expect(got.meaning).toBe('whole-vocabulary');
        expect(got.promptChecked).toBe(true);
        expect(got.vocabularySize).toBe(ref.size);
        expect(Math.abs(got.token.p - (ref.get(token.id) ?? Number.NaN))).toBeLessThan(TOLERANCE);
        expect(got.token.rank).toBe(sorted.filter((p) => p > (ref.get(token.id) ?? 0) + 1e-6).length + 1);
        for (const alternative of got.top) expect(Math.abs(alternative.p - (ref.get(alternative.id) ?? Number.NaN))).toBeLessThan(TOLERANCE);
        expect(got.top.map((c) => c.id)).toEqual(token.top.map((c) => c.id));
        const listed = sorted.slice(0, 10).reduce((s, p) => s + p, 0);
        expect(Math.abs(got.listedMass - listed)).toBeLessThan(10 * TOLERANCE);
        expect(Math.abs(got.entropyBits - entropyBits(ref))).toBeLessThan(1e-3);
        expect(Math.abs(got.tokensForNinetyPercent - tokensFor(sorted, 0.9))).toBeLessThanOrEqual(1);
        expect(Math.abs(got.tokensForHalf - tokensFor(sorted, 0.5))).toBeLessThanOrEqual(1);
        // The streamed share is the exact value divided by the mass of the top K: never below it.
        expect(token.p).toBeGreaterThanOrEqual(got.token.p - TOLERANCE);
        spread = Math.max(spread, 1 - got.listedMass);
      }
      // The check has teeth only where the top 10 leave probability outside them.
      expect(spread).toBeGreaterThan(0.01);
    }, 120_000);

    it('refuses a prompt that is not the one the answer was written from, without evaluating it', async () => {
      const changed: ChatTurn[] = [{ role: 'system', content: 'Answer in French.' }, ...messages];
      const before = loaded.sequence.nextTokenIndex;
      const error = await tokenDistribution(loaded, { messages: changed, before: [], token: tokens[0]?.id ?? 0, topAlternatives: 10, expectPromptHash: result.promptHash }).catch((e: unknown) => e);
      expect(isGlassboxError(error, 'prompt-changed')).toBe(true);
      expect(loaded.sequence.nextTokenIndex).toBe(before);
    });

    it('refuses a token outside the vocabulary', async () => {
      const error = await tokenDistribution(loaded, { messages: [...messages], before: [10_000_000], token: 1, topAlternatives: 10 }).catch((e: unknown) => e);
      expect(isGlassboxError(error, 'invalid-argument')).toBe(true);
    });
  });
}
