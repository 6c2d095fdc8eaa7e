import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { GgmlType } from '../inspect/ggml-types';
import { tokenizerKvsFrom, writeGguf } from '../../test/fixtures/gguf-writer';
import { decoderModel, LLAMA32_1B } from '../../test/fixtures/synthetic-models';
import { MODELS_DIR } from '../../test/models';
import { traceTokens, type LensChoice } from '../trace/forward-trace';
import { TraceModelSession } from '../trace/model-session';
import type { BenchSection } from './section';
import { pairedRatio } from './decode-bench';
import { median } from './stats';

/**
 * The forward-pass trace against llama.cpp evaluating the same 64-token prompt, in the same
 * process, on the same context (flash attention off in both, as the trace needs), alternating:
 * trace.ratioToEval = the median over rounds of trace time / evaluation time (paired: each round's
 * two runs saw the same background load). The trace reads every layer's attention and
 * residual stream and lenses the last position; ratioToEvalLensAll lenses every position (one
 * placeholder token's forward pass per position and layer, hence its cost).
 * Model: the decode bench's (random Q4_0 weights, Llama-3.2-1B shapes, Llama 3 tokenizer).
 */

const PROMPT_TOKENS = 64;
const NOTHING = { wants: () => false, take: () => true };

async function ensureModel(workDir: string, quick: boolean): Promise<string> {
  const path = join(workDir, quick ? 'trace-small-q4_0.gguf' : 'decode-llama32-1b-q4_0.gguf');
  if (existsSync(path)) return path;
  const tokenizer = await tokenizerKvsFrom(join(MODELS_DIR, 'ggml-vocab-llama-bpe.gguf'));
  const config = quick ? { ...LLAMA32_1B, name: 'trace-bench (small)', layers: 2, embedding: 256, feedForward: 512, heads: 4, kvHeads: 2 } : LLAMA32_1B;
  await writeGguf(`${path}.partial`, decoderModel(config, { weightType: GgmlType.Q4_0, tokenizer }), { seed: 7 });
  renameSync(`${path}.partial`, path);
  return path;
}

async function timed(run: () => unknown): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

export const traceBench: BenchSection = {
  name: 'trace',
  async run(context) {
    const path = await ensureModel(context.workDir, context.quick);
    const session = await TraceModelSession.open(path, { threads: null });
    try {
      // BOS + " the" × 63: one token each in the Llama 3 tokenizer.
      const ids = session.tokenize(' the'.repeat(PROMPT_TOKENS - 1)).slice(0, PROMPT_TOKENS);
      const rounds = context.quick ? 2 : 5;
      const evalMs: number[] = [];
      const traceMs: Record<LensChoice & ('last' | 'all'), number[]> = { last: [], all: [] };
      const trace = (lens: 'last' | 'all') => traceTokens(session, ids, lens, { onAttention: () => {} });
      await trace('last');
      session.decode(ids, NOTHING, 'last');
      for (let round = 0; round < rounds; round += 1) {
        evalMs.push(await timed(() => session.decode(ids, NOTHING, 'last')));
        traceMs.last.push(await timed(() => trace('last')));
        if (round < 2) traceMs.all.push(await timed(() => trace('all')));
      }
      const evaluation = median(evalMs);
      context.log(`trace: eval ${evalMs.map((v) => v.toFixed(0)).join(',')} ms; trace ${traceMs.last.map((v) => v.toFixed(0)).join(',')} ms; lens everywhere ${traceMs.all.map((v) => v.toFixed(0)).join(',')} ms`);
      return {
        model: context.quick ? 'small synthetic, Llama 3 tokenizer, Q4_0' : 'Llama-3.2-1B shapes, random Q4_0, Llama 3 tokenizer',
        promptTokens: ids.length,
        evalMs: Math.round(evaluation),
        traceMs: Math.round(median(traceMs.last)),
        ratioToEval: Math.round(pairedRatio(traceMs.last, evalMs) * 100) / 100,
        ratioToEvalLensAll: Math.round(pairedRatio(traceMs.all, evalMs) * 100) / 100,
      };
    } finally {
      session.close();
    }
  },
};
