import { traceTokens, type LensChoice } from '../trace/forward-trace';
import { TraceModelSession } from '../trace/model-session';
import type { BenchSection } from './section';
import { ensureModel, findVocab, pairedRatio } from './decode-bench';
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

async function timed(run: () => unknown): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

export const traceBench: BenchSection = {
  name: 'trace',
  async run(context): Promise<Record<string, number | string | null>> {
    const vocab = findVocab();
    if (vocab === null) return { skipped: 'the Llama 3 tokenizer (ggml-vocab-llama-bpe.gguf) is not in the shared test models' };
    const path = await ensureModel(context, vocab);
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
