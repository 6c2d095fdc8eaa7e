import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectGguf } from '../../../electron/inspect/describe';
import { GgmlType } from '../../../electron/inspect/ggml-types';
import { readGgufHeader } from '../../../electron/inspect/gguf-reader';
import { tokenizerKvsFrom, writeGguf } from '../../fixtures/gguf-writer';
import { presetModel } from '../../fixtures/synthetic-models';
import { testModel } from '../../models';

/**
 * A Llama-3.2-1B-shaped F16 file (2.5 GB, sparse) with the real Llama 3 tokenizer: the header alone is
 * 7.8 MB (128,256 tokens, 280,147 merges). How fast it is read, against node-llama-cpp's reader, is
 * measured by `glassbox bench --only inspect` (electron/bench/inspect-bench.ts), not asserted here.
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

describe('header reading', () => {
  it('reads only the header of a 2.5 GB model', async () => {
    const s = await stat(path);
    expect(s.size).toBeGreaterThan(2.4e9);
    const info = await readGgufHeader(path);
    expect(info.bytesRead).toBeLessThan(32 << 20);
    const d = await inspectGguf(path);
    expect(d.parameters).toBe(1_235_814_400);
    expect(d.tokenizer).toMatchObject({ model: 'gpt2', kind: 'byte-level BPE', pre: 'llama-bpe', tokens: 128256, merges: 280147, bosId: 128000 });
  });
});
