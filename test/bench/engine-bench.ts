/**
 * Decode speed of the engine's generation paths on stories260K, 1 vs 2 threads.
 *
 * Run (Node 20 cannot run TypeScript directly, so bundle it first):
 *   npx electron-vite build && npx rolldown test/bench/engine-bench.ts --platform node --format esm \
 *     --external node-llama-cpp --external zod -o out/engine-bench.mjs && \
 *   UV_THREADPOOL_SIZE=1 node out/engine-bench.mjs   (out/ so node_modules and ../shared/models resolve)
 *
 * In-process rows use node-llama-cpp directly; "host" rows go through EngineHost and the forked
 * worker (IPC and all), as the app does.
 */
import { getLlama, LlamaLogLevel, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';
import { DEFAULT_LOAD_OPTIONS } from '../../electron/contract/engine-protocol';
import { DEFAULT_SAMPLING } from '../../electron/contract/model';
import { EngineHost } from '../../electron/engine/host';
import { createNodeLauncher } from '../../electron/engine/node-launcher';
import { createRng, pickToken, sortCandidates, type SamplerSettings } from '../../electron/engine/sampler';
import { STORIES_260K } from '../models';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 400);
const RUNS = 3;

type Mode = 'evaluate' | 'probabilities-t0' | 'probabilities-t0.8';

async function decodeRate(model: LlamaModel, sequence: LlamaContextSequence, mode: Mode): Promise<number> {
  await sequence.clearHistory();
  const prompt = model.tokenize('Once upon a time', false);
  const bos = model.tokens.bos;
  const tokens = bos === null ? prompt : [bos, ...prompt];
  let n = 0;
  let start = 0;
  if (mode === 'evaluate') {
    const it = sequence.evaluate(tokens, { temperature: 0, yieldEogToken: true });
    for await (const token of it) {
      void token;
      if (n++ === 0) start = performance.now();
      if (n >= TOKENS) break;
    }
  } else {
    const settings: SamplerSettings = { ...DEFAULT_SAMPLING, temperature: mode === 'probabilities-t0' ? 0 : 0.8 };
    const rng = createRng(42);
    const it = sequence.evaluateWithMetadata(tokens, { probabilities: true }, { temperature: 1, topK: 40, topP: 1, minP: 0, yieldEogToken: true });
    let step = await it.next();
    while (!step.done) {
      if (n++ === 0) start = performance.now();
      if (n >= TOKENS) break;
      const chosen = pickToken(sortCandidates(step.value.probabilities), settings, rng) as Token;
      step = await it.next(chosen);
    }
    await it.return();
  }
  return ((n - 1) * 1000) / (performance.now() - start);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function inProcess(): Promise<void> {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: STORIES_260K() });
  for (const threads of [1, 2]) {
    llama.maxThreads = threads;
    const context = await model.createContext({ contextSize: 2048, threads });
    const sequence = context.getSequence();
    for (const mode of ['evaluate', 'probabilities-t0', 'probabilities-t0.8'] as const) {
      const rates: number[] = [];
      for (let r = 0; r < RUNS; r++) rates.push(await decodeRate(model, sequence, mode));
      console.log(`in-process threads=${threads} ${mode.padEnd(20)} ${median(rates).toFixed(0)} tokens/s (runs: ${rates.map((x) => x.toFixed(0)).join(', ')})`);
    }
    await context.dispose();
  }
  await model.dispose();
}

async function throughHost(): Promise<void> {
  for (const threads of [1, 2]) {
    const engine = new EngineHost(createNodeLauncher({ env: { GLASSBOX_THREADS: String(threads) } }));
    await engine.load(STORIES_260K(), DEFAULT_LOAD_OPTIONS);
    for (const temperature of [0, 0.8]) {
      const rates: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const result = await engine.generate(
          { messages: [{ role: 'user', content: 'Once upon a time' }], sampling: { ...DEFAULT_SAMPLING, temperature, seed: r, maxTokens: TOKENS }, topAlternatives: 5 },
          () => undefined,
        ).result;
        rates.push(result.tokensPerSecond ?? NaN);
      }
      console.log(`host       threads=${threads} temperature ${temperature}        ${median(rates).toFixed(0)} tokens/s (runs: ${rates.map((x) => x.toFixed(0)).join(', ')})`);
    }
    await engine.dispose();
  }
}

await inProcess();
await throughHost();
