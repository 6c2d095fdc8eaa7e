import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { decodeBench } from '../../../electron/bench/decode-bench';

// The decode bench starts its own processes (node-llama-cpp's plain loop, the built engine worker);
// this runs one quick round so a change that breaks either side fails here, not only in `npm run
// bench`. It checks that every figure is a measured number, never how fast it is.

const workDir = mkdtempSync(join(tmpdir(), 'glassbox-bench-decode-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

it('measures the plain loop and the app path in fresh processes and reports paired ratios', async () => {
  const saved = process.env.GLASSBOX_BENCH_RUNS;
  process.env.GLASSBOX_BENCH_RUNS = '1';
  const lines: string[] = [];
  try {
    const figures = await decodeBench.run({ workDir, quick: true, log: (line) => lines.push(line) });
    expect(figures.runs).toBe(1);
    for (const key of ['plainTokensPerSecond', 'withProbabilitiesTokensPerSecond', 'withProbabilitiesT08TokensPerSecond', 'probabilityOverheadRatio', 'probabilityOverheadRatioT08', 'exactTokensPerSecond', 'exactRatioToPlain', 'exactRatioToStreamed', 'promptTokensPerSecond']) {
      const value = figures[key];
      expect(typeof value, key).toBe('number');
      expect(value as number, key).toBeGreaterThan(0);
    }
    expect(figures.plainMinTokensPerSecond).toBe(figures.plainMaxTokensPerSecond);
    expect(lines.some((line) => /round 1\/1: .*plain [\d.]+.*app T=0 [\d.]+/.test(line))).toBe(true);
  } finally {
    if (saved === undefined) delete process.env.GLASSBOX_BENCH_RUNS;
    else process.env.GLASSBOX_BENCH_RUNS = saved;
  }
});
