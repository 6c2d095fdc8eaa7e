import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_LOAD_OPTIONS } from '../../../electron/contract/engine-protocol';
import { DEFAULT_SAMPLING } from '../../../electron/contract/model';
import { generate } from '../../../electron/engine/generation';
import { LlamaRuntime, type LoadedModel } from '../../../electron/engine/llama-runtime';
import { SMOLLM2_135M } from '../../models';

/**
 * Stop while a 4,000-token prompt is still being read (SmolLM2-135M on the CPU reads it in
 * seconds): generation must end between two prompt chunks, not after the whole prompt. The time
 * from Stop to the answer's end is logged (measured, not asserted: the bench owns timings).
 */

/** A few chunks into the prompt. */
const STOP_AFTER_MS = 1000;

const runtime = new LlamaRuntime();
let loaded: LoadedModel;
beforeAll(async () => {
  await runtime.load(SMOLLM2_135M(), { ...DEFAULT_LOAD_OPTIONS, gpu: 'cpu', contextSize: 4608 }, () => {});
  if (runtime.loaded === null) throw new Error('not loaded');
  loaded = runtime.loaded;
}, 60_000);
afterAll(() => runtime.unload());

it('stops inside a 4,000-token prompt, between two chunks, with nothing generated', async () => {
  const words = Array.from({ length: 4000 }, (_, i) => ['river', 'stone', 'light', 'garden', 'window'][i % 5]).join(' ');
  const promptTokens = loaded.model.tokenize(words).length;
  expect(promptTokens).toBeGreaterThan(3900);
  // Warm: the first decode of a context also pages the weights in and sizes its buffers.
  await generate(
    loaded,
    { messages: [{ role: 'user', content: 'Hi' }], sampling: { ...DEFAULT_SAMPLING, temperature: 0, maxTokens: 1 }, topAlternatives: 10 },
    { receivedAt: performance.now(), onToken: () => {}, cancelled: () => false },
  );
  const started = performance.now();
  let stopAt: number | null = null;
  // Stop is pressed by a timer, as a click would come, while a chunk is being evaluated.
  const timer = setTimeout(() => (stopAt = performance.now()), STOP_AFTER_MS);
  const tokens: number[] = [];
  const result = await generate(
    loaded,
    { messages: [{ role: 'user', content: words }], sampling: { ...DEFAULT_SAMPLING, temperature: 0, maxTokens: 8 }, topAlternatives: 10 },
    { receivedAt: started, onToken: (_i, token) => tokens.push(token.id), cancelled: () => stopAt !== null },
  );
  clearTimeout(timer);
  const answeredAfter = stopAt === null ? null : performance.now() - stopAt;
  console.log(`stop-long-prompt: ${result.evaluatedPromptTokens} of ${result.promptTokens} prompt tokens read when Stop was answered, ${answeredAfter?.toFixed(0)} ms after it`);
  expect(result.status).toBe('stopped');
  expect(result.finishReason).toBe('cancelled');
  expect(tokens).toEqual([]);
  expect(result.evaluatedPromptTokens).toBeGreaterThan(0);
  expect(result.evaluatedPromptTokens).toBeLessThan(result.promptTokens - 1);

  // The sequence is left consistent: the next answer reuses what was read and completes.
  const next = await generate(
    loaded,
    { messages: [{ role: 'user', content: 'Hello' }], sampling: { ...DEFAULT_SAMPLING, temperature: 0, maxTokens: 3 }, topAlternatives: 10 },
    { receivedAt: performance.now(), onToken: () => {}, cancelled: () => false },
  );
  expect(next.status).toBe('complete');
}, 120_000);
