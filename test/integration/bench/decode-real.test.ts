import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { decodeRealBench } from '../../../electron/bench/decode-real-bench';

// One quick round of decodeReal.* on the trained test models, so a change that breaks either side
// (the app's engine process or node-llama-cpp's plain loop on a real chat model) fails here. It checks
// that every figure is a measured number, never how fast it is.
const workDir = mkdtempSync(join(tmpdir(), 'glassbox-bench-decode-real-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

it('measures SmolLM2 and Gemma 3 through the app and the plain loop, with paired ratios', async () => {
  const saved = { runs: process.env.GLASSBOX_BENCH_RUNS, threads: process.env.GLASSBOX_THREADS };
  process.env.GLASSBOX_BENCH_RUNS = '1';
  process.env.GLASSBOX_THREADS = '1';
  try {
    const figures = await decodeRealBench.run({ workDir, quick: true, log: () => {} });
    expect(figures).toMatchObject({ runs: 1, threads: 1, tokens: 32 });
    for (const model of ['smollm2', 'gemma3']) {
      for (const key of ['PlainTokensPerSecond', 'AppTokensPerSecond', 'RatioToPlain']) {
        expect(typeof figures[`${model}${key}`], `${model}${key}`).toBe('number');
        expect(figures[`${model}${key}`] as number, `${model}${key}`).toBeGreaterThan(0);
      }
    }
  } finally {
    for (const [key, value] of [['GLASSBOX_BENCH_RUNS', saved.runs], ['GLASSBOX_THREADS', saved.threads]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});
