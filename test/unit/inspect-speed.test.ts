import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectGguf } from '../../electron/inspect/describe';
import { GgmlType } from '../../electron/inspect/ggml-types';
import { readGgufHeader } from '../../electron/inspect/gguf-reader';
import { tokenizerKvsFrom, writeGguf } from '../fixtures/gguf-writer';
import { presetModel } from '../fixtures/synthetic-models';
import { testModel } from '../models';

/**
 * A Llama-3.2-1B-shaped F16 file (2.5 GB, sparse) with the real Llama 3 tokenizer: the header alone is
 * 7.8 MB (128,256 tokens, 280,147 merges). Timing is logged, not asserted against a fixed number (two
 * shared cores are noisy); the assertion is relative to node-llama-cpp in the same process.
 */
let dir = '';
let path = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-speed-'));
  path = join(dir, 'llama32-1b-sparse.gguf');
  const tokenizer = await tokenizerKvsFrom(testModel('ggml-vocab-llama-bpe.gguf'));
  await writeGguf(path, presetModel('llama32_1b', { weightType: GgmlType.F16, tokenizer }), { mode: 'sparse' });
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

describe('header reading speed', () => {
  it('reads only the header of a 2.5 GB model', async () => {
    const s = await stat(path);
    expect(s.size).toBeGreaterThan(2.4e9);
    const info = await readGgufHeader(path);
    expect(info.bytesRead).toBeLessThan(32 << 20);
    const d = await inspectGguf(path);
    expect(d.parameters).toBe(1_235_814_400);
    expect(d.tokenizer).toMatchObject({ model: 'gpt2', kind: 'byte-level BPE', pre: 'llama-bpe', tokens: 128256, merges: 280147, bosId: 128000 });
  });

  it('is faster than node-llama-cpp readGgufFileInfo on the same file', async () => {
    await inspectGguf(path);
    await readGgufFileInfo(path);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < 7; i++) {
      let t = performance.now();
      await inspectGguf(path);
      ours.push(performance.now() - t);
      t = performance.now();
      await readGgufFileInfo(path);
      theirs.push(performance.now() - t);
    }
    const [a, b] = [median(ours), median(theirs)];
    console.log(`[bench] inspectGguf median ${a.toFixed(1)} ms (runs ${ours.map((x) => x.toFixed(0)).join(', ')}); readGgufFileInfo median ${b.toFixed(1)} ms; ratio ${(b / a).toFixed(1)}x`);
    expect(a).toBeLessThan(b);
  }, 60_000);
});
