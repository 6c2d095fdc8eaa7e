import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { inspectGguf } from '../inspect/describe';
import { GgmlType } from '../inspect/ggml-types';
import { tokenizerKvsFrom, writeGguf } from '../../test/fixtures/gguf-writer';
import { presetModel } from '../../test/fixtures/synthetic-models';
import { MODELS_DIR } from '../../test/models';
import type { BenchContext, BenchSection } from './section';
import { median } from './stats';

/**
 * Reading a model's header: our inspector against node-llama-cpp's readGgufFileInfo on the same
 * file, a Llama-3.2-1B-shaped F16 model (2.5 GB, written sparse) with the real Llama 3 tokenizer,
 * whose header alone is 7.8 MB (128,256 tokens, 280,147 merges). Runs alternate between the two,
 * and the figure is the ratio of medians (`inspect.speedup` > 1: ours is faster).
 */
export const inspectBench: BenchSection = {
  name: 'inspect',
  async run({ workDir, quick, log }: BenchContext) {
    const path = join(workDir, 'inspect-llama32-1b-sparse.gguf');
    const tokenizer = await tokenizerKvsFrom(join(MODELS_DIR, 'ggml-vocab-llama-bpe.gguf'));
    await writeGguf(path, presetModel('llama32_1b', { weightType: GgmlType.F16, tokenizer }), { mode: 'sparse' });
    // Warm the page cache for both readers.
    await inspectGguf(path);
    await readGgufFileInfo(path);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < (quick ? 3 : 9); i++) {
      let t = performance.now();
      await inspectGguf(path);
      ours.push(performance.now() - t);
      t = performance.now();
      await readGgufFileInfo(path);
      theirs.push(performance.now() - t);
    }
    const [a, b] = [median(ours), median(theirs)];
    log(`inspect: inspectGguf ${a.toFixed(1)} ms, readGgufFileInfo ${b.toFixed(1)} ms (medians of ${ours.length})`);
    return { 'inspect.oursMs': round(a), 'inspect.libraryMs': round(b), 'inspect.speedup': round(b / a) };
  },
};

const round = (x: number): number => Math.round(x * 100) / 100;
