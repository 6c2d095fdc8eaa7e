import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_LOAD_OPTIONS } from '../../../electron/contract/engine-protocol';
import { DEFAULT_SAMPLING } from '../../../electron/contract/model';
import { generate } from '../../../electron/engine/generation';
import { EngineHost } from '../../../electron/engine/host';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import { LlamaRuntime, type LoadedModel } from '../../../electron/engine/llama-runtime';
import { SMOLLM2_135M } from '../../models';

/**
 * Stop while a 4,000-token prompt is still being read (SmolLM2-135M on the CPU reads it in
 * seconds): the answer ends at once, with the chunk under way handed back to be waited for, not
 * after the whole prompt nor after the chunk. The time from Stop to the answer's end is logged
 * (measured, not asserted: `decode.stopInPromptMs` in the bench owns timings).
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

it('stops inside a 4,000-token prompt at once, the chunk under way handed back, with nothing generated', async () => {
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
  let press = (): void => {};
  const stopped = new Promise<void>((resolve) => (press = resolve));
  // Stop is pressed by a timer, as a click would come, while a chunk is being evaluated.
  const timer = setTimeout(() => {
    stopAt = performance.now();
    press();
  }, STOP_AFTER_MS);
  const tokens: number[] = [];
  let settling: Promise<void> | undefined;
  const result = await generate(
    loaded,
    { messages: [{ role: 'user', content: words }], sampling: { ...DEFAULT_SAMPLING, temperature: 0, maxTokens: 8 }, topAlternatives: 10 },
    { receivedAt: started, onToken: (_i, token) => tokens.push(token.id), cancelled: () => stopAt !== null, stopped, settling: (chunk) => (settling = chunk) },
  );
  clearTimeout(timer);
  const answeredAfter = stopAt === null ? null : performance.now() - stopAt;
  const chunkLeft = performance.now();
  expect(settling).toBeDefined();
  await settling;
  console.log(
    `stop-long-prompt: ${result.evaluatedPromptTokens} of ${result.promptTokens} prompt tokens read when Stop was answered, ${answeredAfter?.toFixed(1)} ms after it; the chunk under way ended ${(performance.now() - chunkLeft).toFixed(0)} ms later`,
  );
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

it('through the engine process: Stop inside the prompt is answered at once, and a request sent right after waits for the chunk, then runs', async () => {
  const host = new EngineHost(createNodeLauncher());
  try {
    await host.load(SMOLLM2_135M(), { ...DEFAULT_LOAD_OPTIONS, gpu: 'cpu', threads: 1, contextSize: 4608 });
    const sampling = { ...DEFAULT_SAMPLING, temperature: 0, maxTokens: 3 };
    await host.generate({ messages: [{ role: 'user', content: 'Hi' }], sampling, topAlternatives: 10 }, () => {}).result;
    const words = Array.from({ length: 4000 }, (_, i) => ['cloud', 'field', 'bread', 'music', 'paper'][i % 5]).join(' ');
    const streamed: number[] = [];
    const long = host.generate({ messages: [{ role: 'user', content: words }], sampling, topAlternatives: 10 }, (batch) => streamed.push(batch.tokens.length));
    await new Promise((resolve) => setTimeout(resolve, STOP_AFTER_MS));
    const pressed = performance.now();
    long.stop();
    const stopped = await long.result;
    const answeredAfter = performance.now() - pressed;
    // Sent at once: the worker accepts it (not 'busy') and runs it once the chunk under way is read.
    const next = await host.generate({ messages: [{ role: 'user', content: 'Hello' }], sampling, topAlternatives: 10 }, () => {}).result;
    console.log(`stop-long-prompt (engine process): Stop answered after ${answeredAfter.toFixed(1)} ms with ${stopped.evaluatedPromptTokens} of ${stopped.promptTokens} prompt tokens read; the next answer came ${(performance.now() - pressed - answeredAfter).toFixed(0)} ms later`);
    expect(stopped).toMatchObject({ status: 'stopped', finishReason: 'cancelled', tokens: 0 });
    expect(stopped.evaluatedPromptTokens).toBeLessThan(stopped.promptTokens - 1);
    expect(streamed).toEqual([]);
    expect(next.status).toBe('complete');
    expect(next.tokens).toBeGreaterThan(0);
  } finally {
    await host.dispose();
  }
}, 120_000);
