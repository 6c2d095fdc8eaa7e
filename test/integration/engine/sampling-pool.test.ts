import type { Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOAD_OPTIONS, type ChatTurn } from '../../../electron/contract/engine-protocol';
import { DEFAULT_SAMPLING, type Sampling } from '../../../electron/contract/model';
import type { GeneratedToken } from '../../../electron/contract/token';
import { renderPrompt } from '../../../electron/engine/chat-prompt';
import { generate } from '../../../electron/engine/generation';
import { LlamaRuntime, type LoadedModel } from '../../../electron/engine/llama-runtime';
import { applyPool, candidatesOf } from '../../../renderer/src/lib/explorer/distribution';
import { STORIES_260K } from '../../models';
import { referenceStepwise } from './llama-reference';

/**
 * The sampling view's kept / cut sets come from the sampler's own pool (engine/sampler.ts records
 * its cuts on each token; the renderer's explorer reads them) and equal llama.cpp's own sampler
 * chain at the same positions of a seeded run: llama.cpp reports exactly the candidates that
 * survive its top-k, then top-p, then min-p.
 */

const runtime = new LlamaRuntime();
let loaded: LoadedModel;
beforeAll(async () => {
  await runtime.load(STORIES_260K(), { ...DEFAULT_LOAD_OPTIONS, gpu: 'cpu', threads: 1, contextSize: 512 }, () => {});
  if (runtime.loaded === null) throw new Error('not loaded');
  loaded = runtime.loaded;
});
afterAll(() => runtime.unload());

describe('the sampling view on a seeded run', () => {
  const sampling: Sampling = { ...DEFAULT_SAMPLING, temperature: 0.8, topK: 40, topP: 0.9, minP: 0.05, seed: 7, maxTokens: 24 };
  const messages: ChatTurn[] = [{ role: 'user', content: 'Once upon a time, a little girl named Lily' }];

  it('cuts exactly what llama.cpp\'s top-k, top-p and min-p cut, on the same pool', async () => {
    const tokens: GeneratedToken[] = [];
    await generate(loaded, { messages, sampling, topAlternatives: 10 }, { onToken: (_i, t) => tokens.push(t), cancelled: () => false, receivedAt: performance.now() });
    expect(tokens.length).toBeGreaterThan(10);
    const prompt = renderPrompt(loaded.model, loaded.format, messages).tokens;
    const all = [...prompt, ...tokens.map((t) => t.id as Token)];
    const { topK, topP, minP } = sampling;
    const [afterK = [], afterP = [], kept = []] = await referenceStepwise(loaded, all.slice(0, -1), prompt.length - 1, [
      { temperature: 1, topK, topP: 1, minP: 0 },
      { temperature: 1, topK, topP, minP: 0 },
      { temperature: 1, topK, topP, minP },
    ]);
    let cutSomewhere = { topP: 0, minP: 0 };
    tokens.forEach((token, i) => {
      const pool = token.pool;
      expect(pool, `token ${i}`).toBeDefined();
      if (pool === undefined) return;
      expect([pool.afterTopK, pool.afterTopP, pool.kept], `token ${i}`).toEqual([afterK[i]?.size, afterP[i]?.size, kept[i]?.size]);
      cutSomewhere = { topP: cutSomewhere.topP + pool.afterTopK - pool.afterTopP, minP: cutSomewhere.minP + pool.afterTopP - pool.kept };
      // The panel's view of the shown candidates: kept exactly where llama.cpp kept them.
      const view = applyPool(candidatesOf(token), token, sampling) ?? [];
      const llamaKept = kept[i] ?? new Map<number, number>();
      for (const row of view) {
        expect(row.cutBy === null, `token ${i}, candidate ${row.id}`).toBe(llamaKept.has(row.id));
        if (row.cutBy !== null) expect(row.cutBy).toBe((afterP[i]?.has(row.id) ?? false) ? 'min-p' : (afterK[i]?.has(row.id) ?? false) ? 'top-p' : 'top-k');
      }
    });
    // The run must exercise both cuts, or the comparison proves little.
    expect(cutSomewhere.topP).toBeGreaterThan(0);
    expect(cutSomewhere.minP).toBeGreaterThan(0);
  });
});
