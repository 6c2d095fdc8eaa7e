import { usableCores } from '../engine/threads';
import { GEMMA3_270M, SMOLLM2_135M } from '../../test/models';
import { measureApp, measurePlain, pairedRatio, round, spread, type Setup } from './decode-bench';
import { balancedOrders } from './latin-square';
import type { BenchSection } from './section';

/**
 * `decodeReal.*`: the trained test models (scripts/test-models.mjs), each decoded through the app
 * (engine process, top-10 alternatives streamed and saved, T=0) and through node-llama-cpp's plain
 * `evaluate` loop, in the same run, with the same isolation as `decode.*` (a fresh process per
 * measured run, orders alternating round to round, ratios paired within a round).
 *
 * The app renders the prompt through the model's chat template when it has one (SmolLM2: ChatML,
 * about 20 tokens more than the plain loop's BOS + text); rates are over the generated tokens after
 * the first, so that changes what is decoded, not how the rate is measured. An instruct model may
 * end its answer before the token count on its end-of-turn token; the rate is over what it wrote.
 */
const MODELS: ReadonlyArray<{ key: string; path: () => string }> = [
  { key: 'smollm2', path: SMOLLM2_135M },
  { key: 'gemma3', path: GEMMA3_270M },
];

export const decodeRealBench: BenchSection = {
  name: 'decodeReal',
  async run(context) {
    const threads = Number.parseInt(process.env.GLASSBOX_THREADS ?? '', 10) || usableCores();
    const tokens = context.quick ? 32 : 64;
    const rounds = Number.parseInt(process.env.GLASSBOX_BENCH_RUNS ?? '', 10) || (context.quick ? 2 : 6);
    const orders = balancedOrders(2);
    const figures: Record<string, number | string | null> = { threads, tokens, runs: rounds };
    for (const { key, path } of MODELS) {
      let model: string;
      try {
        model = path();
      } catch (error) {
        figures[`${key}Skipped`] = error instanceof Error ? error.message : String(error);
        context.log(`decodeReal: ${key} skipped (${String(figures[`${key}Skipped`])})`);
        continue;
      }
      const setup: Setup = { model, threads, tokens, workDir: context.workDir };
      const variants = [() => measurePlain(setup), (r: number) => measureApp(setup, 0, r)];
      const plain: number[] = [];
      const app: number[] = [];
      for (let r = 0; r < rounds; r++) {
        for (const i of orders[r % orders.length] ?? []) {
          const rate = await (variants[i] ?? (() => Promise.resolve(Number.NaN)))(r);
          (i === 0 ? plain : app).push(rate);
        }
        context.log(`decodeReal: ${key} round ${r + 1}/${rounds}: plain ${plain.at(-1)?.toFixed(1)}, app ${app.at(-1)?.toFixed(1)} tokens/s`);
      }
      Object.assign(figures, spread(`${key}PlainTokensPerSecond`, plain), spread(`${key}AppTokensPerSecond`, app));
      figures[`${key}RatioToPlain`] = round(pairedRatio(app, plain), 3);
    }
    return figures;
  },
};
