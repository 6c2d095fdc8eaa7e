import { spawn, spawnSync } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_LOAD_OPTIONS } from '../contract/engine-protocol';
import { DEFAULT_SAMPLING } from '../contract/model';
import type { GeneratedToken } from '../contract/token';
import { TOP_ALTERNATIVES } from '../app/chat-service';
import { EngineHost } from '../engine/host';
import { engineEnvironment } from '../engine/launcher';
import { createNodeLauncher } from '../engine/node-launcher';
import { usableCores } from '../engine/threads';
import { GgmlType } from '../inspect/ggml-types';
import { openStore } from '../store/sqlite-store';
import { tokenizerKvsFrom, writeGguf } from '../../test/fixtures/gguf-writer';
import { decoderModel, LLAMA32_1B, type DecoderConfig } from '../../test/fixtures/synthetic-models';
import type { BenchContext, BenchSection } from './section';

/**
 * `decode.*`: how fast the app writes an answer compared with plain llama.cpp decoding, on the same
 * model, threads and prompt, in the same run.
 *
 * Model: random Q4_0 weights with Llama-3.2-1B's exact shapes and the real Llama 3 tokenizer
 * (copied from ../shared/models/ggml-vocab-llama-bpe.gguf), written once into the bench work dir.
 * `--quick` uses a 2-layer, 256-wide model with the same tokenizer. The GGUF has no chat template,
 * so the app renders the prompt as plain text: BOS + the prompt, the same tokens the baseline feeds.
 *
 * - plainTokensPerSecond: node-llama-cpp's `sequence.evaluate` greedy loop (temperature 0), in a
 *   child Node process started with the engine's own environment (UV_THREADPOOL_SIZE=1).
 * - withProbabilities[T08]TokensPerSecond: the app's path: EngineHost → engine worker process →
 *   generation with the top-10 alternatives streamed back over IPC, every token kept and the
 *   answer saved to an in-memory SQLite store at the chat service's cadence (every 200 ms), at
 *   temperature 0 and 0.8. Rate as the host sees tokens arrive.
 * - probabilityOverheadRatio = withProbabilities / plain (goal ≥ 0.95).
 * - llamaBenchTokensPerSecond / ratioToLlamaBench when LLAMA_BENCH names a llama-bench binary
 *   (`-p 0 -n 64 -t threads`).
 * Rates are the median of several runs, over the tokens after the first (time to first token is
 * prompt evaluation, not decoding). `*Steady*` figures are 1000 / the median gap between two
 * tokens: on a shared machine other processes stall a 2-thread decode for hundreds of ms at a
 * time, which swings whole-run rates by 2x; the median gap is what decoding costs when not stalled.
 */

const PROMPT = 'Once upon a time, in a small village at the edge of a forest, there lived';
/** chat-service.ts saves a streaming answer at most this often. */
const SAVE_INTERVAL_MS = 200;

const QUICK_MODEL: DecoderConfig = { ...LLAMA32_1B, name: 'decode-bench (small, synthetic)', layers: 2, embedding: 256, feedForward: 512, heads: 4, kvHeads: 2 };

export const decodeBench: BenchSection = {
  name: 'decode',
  async run(context) {
    const vocab = findVocab();
    if (vocab === null) {
      context.log('decode: skipped, ggml-vocab-llama-bpe.gguf not found (set GLASSBOX_TEST_MODELS)');
      return { skipped: 'ggml-vocab-llama-bpe.gguf not found (set GLASSBOX_TEST_MODELS to ../shared/models)' };
    }
    const tokens = context.quick ? 32 : 64;
    const runs = context.quick ? 2 : 3;
    const threads = Number.parseInt(process.env.GLASSBOX_THREADS ?? '', 10) || usableCores();
    const model = await ensureModel(context, vocab);

    const plain = await plainRates(model, threads, tokens, runs, context.workDir);
    context.log(`decode: plain evaluate ${fmt(plain.mean)}, steady ${fmt(plain.steady)}`);
    const app = await appRates(model, threads, tokens, runs, context);
    const figures: Record<string, number | string | null> = {
      model: context.quick ? 'small synthetic, Llama 3 tokenizer, Q4_0' : 'Llama-3.2-1B shapes, random Q4_0, Llama 3 tokenizer',
      threads,
      tokens,
      runs,
      plainTokensPerSecond: round(median(plain.mean)),
      withProbabilitiesTokensPerSecond: round(median(app.t0.mean)),
      withProbabilitiesT08TokensPerSecond: round(median(app.t08.mean)),
      probabilityOverheadRatio: round(median(app.t0.mean) / median(plain.mean), 3),
      probabilityOverheadRatioT08: round(median(app.t08.mean) / median(plain.mean), 3),
      plainSteadyTokensPerSecond: round(median(plain.steady)),
      withProbabilitiesSteadyTokensPerSecond: round(median(app.t0.steady)),
      withProbabilitiesT08SteadyTokensPerSecond: round(median(app.t08.steady)),
      steadyOverheadRatio: round(median(app.t0.steady) / median(plain.steady), 3),
      workerTokensPerSecond: round(median(app.worker)),
    };
    const llamaBench = process.env.LLAMA_BENCH;
    if (llamaBench !== undefined && llamaBench.length > 0) {
      const rate = runLlamaBench(llamaBench, model, threads, context);
      figures.llamaBenchTokensPerSecond = rate === null ? null : round(rate);
      figures.ratioToLlamaBench = rate === null ? null : round(median(app.t0.mean) / rate, 3);
      figures.plainRatioToLlamaBench = rate === null ? null : round(median(plain.mean) / rate, 3);
    }
    return figures;
  },
};

/** The shared test models: GLASSBOX_TEST_MODELS, else ../shared/models beside the project. */
function findVocab(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const dirs = [
    process.env.GLASSBOX_TEST_MODELS,
    resolve(process.cwd(), '..', 'shared', 'models'),
    resolve(here, '..', '..', '..', 'shared', 'models'),
    resolve(here, '..', '..', 'shared', 'models'),
  ];
  for (const dir of dirs) {
    if (dir === undefined) continue;
    const path = join(dir, 'ggml-vocab-llama-bpe.gguf');
    if (existsSync(path)) return path;
  }
  return null;
}

async function ensureModel(context: BenchContext, vocab: string): Promise<string> {
  const path = join(context.workDir, context.quick ? 'decode-small-q4_0.gguf' : 'decode-llama32-1b-q4_0.gguf');
  if (existsSync(path)) return path;
  const started = performance.now();
  const tokenizer = await tokenizerKvsFrom(vocab);
  const config = context.quick ? QUICK_MODEL : LLAMA32_1B;
  // Written under a temporary name, so an interrupted run never leaves a half model behind.
  await writeGguf(`${path}.partial`, decoderModel(config, { weightType: GgmlType.Q4_0, tokenizer }), { seed: 7 });
  renameSync(`${path}.partial`, path);
  context.log(`decode: wrote ${path} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return path;
}

/**
 * The baseline in its own process with the engine's environment, so both sides run with the same
 * libuv pool (the bench process may have started its pool with the default 4 threads already).
 */
async function plainRates(model: string, threads: number, tokens: number, runs: number, workDir: string): Promise<Rates> {
  const library = pathToFileURL(createRequire(import.meta.url).resolve('node-llama-cpp')).href;
  const script = `
    const { getLlama, LlamaLogLevel } = await import(${JSON.stringify(library)});
    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error });
    llama.maxThreads = ${threads};
    const model = await llama.loadModel({ modelPath: ${JSON.stringify(model)} });
    const context = await model.createContext({ contextSize: 512, threads: ${threads}, sequences: 1 });
    const sequence = context.getSequence();
    const bos = model.tokens.bos;
    const prompt = [...(bos !== null && model.tokens.shouldPrependBosToken ? [bos] : []), ...model.tokenize(${JSON.stringify(PROMPT)}, false)];
    const runs = [];
    for (let run = 0; run < ${runs + 1}; run++) {
      await sequence.clearHistory();
      const arrivals = [];
      for await (const token of sequence.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
        arrivals.push(performance.now());
        if (model.isEogToken(token) || arrivals.length >= ${tokens}) break;
      }
      if (run > 0) runs.push(arrivals); // run 0 warms up
    }
    process.stdout.write(JSON.stringify(runs));
    await model.dispose();
  `;
  // A file, not `node -e`: node-llama-cpp checks its binary in a child process that reruns the main module.
  const file = join(workDir, 'plain-decode.mjs');
  writeFileSync(file, script);
  const child = spawn(process.execPath, [file], { env: engineEnvironment(process.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`decode bench: the plain-evaluate process failed (${code}): ${err.trim().split('\n').slice(-12).join(' ')}`);
  return rates((JSON.parse(out) as number[][]));
}

/** Per run: tokens/s over the whole run, and 1000 / the median gap between tokens (steady rate, robust to other processes' bursts). */
interface Rates {
  mean: number[];
  steady: number[];
}

function rates(runs: readonly (readonly number[])[]): Rates {
  const result: Rates = { mean: [], steady: [] };
  for (const arrivals of runs) {
    const first = arrivals[0];
    const last = arrivals[arrivals.length - 1];
    if (first === undefined || last === undefined || last <= first) continue;
    result.mean.push(((arrivals.length - 1) * 1000) / (last - first));
    result.steady.push(1000 / median(arrivals.slice(1).map((t, i) => t - (arrivals[i] ?? t))));
  }
  return result;
}

async function appRates(model: string, threads: number, tokens: number, runs: number, context: BenchContext): Promise<{ t0: Rates; t08: Rates; worker: number[] }> {
  const engine = new EngineHost(createNodeLauncher({ env: { GLASSBOX_THREADS: String(threads) }, stderr: 'pipe' }));
  const store = openStore(':memory:');
  const arrivalsByTemperature: { t0: number[][]; t08: number[][] } = { t0: [], t08: [] };
  const worker: number[] = [];
  try {
    await engine.load(model, { ...DEFAULT_LOAD_OPTIONS, gpu: 'cpu', threads, contextSize: 512 });
    const conversation = store.createConversation('decode bench');
    for (const temperature of [0, 0.8]) {
      for (let run = 0; run < runs + 1; run++) {
        const message = store.appendMessage({ conversationId: conversation.id, parentId: null, role: 'assistant', content: '', status: 'streaming' });
        const kept: GeneratedToken[] = [];
        let content = '';
        let lastSave = performance.now();
        const arrivals: number[] = [];
        const result = await engine.generate(
          { messages: [{ role: 'user', content: PROMPT }], sampling: { ...DEFAULT_SAMPLING, temperature, seed: run + 1, maxTokens: tokens }, topAlternatives: TOP_ALTERNATIVES },
          (_index, token) => {
            const now = performance.now();
            arrivals.push(now);
            kept.push(token);
            content += token.text;
            if (now - lastSave >= SAVE_INTERVAL_MS) {
              store.saveProgress(message.id, content, kept);
              lastSave = performance.now();
            }
          },
        ).result;
        store.saveProgress(message.id, content, kept);
        if (run === 0) continue; // warm-up
        (temperature === 0 ? arrivalsByTemperature.t0 : arrivalsByTemperature.t08).push(arrivals);
        if (temperature === 0 && result.tokensPerSecond !== null) worker.push(result.tokensPerSecond);
        const r = rates([arrivals]);
        context.log(`decode: app T=${temperature} run ${run}: ${arrivals.length} tokens, ${fmt(r.mean)}, steady ${fmt(r.steady)} (worker ${result.tokensPerSecond?.toFixed(1) ?? '-'})`);
      }
    }
  } finally {
    store.close();
    await engine.dispose();
  }
  return { t0: rates(arrivalsByTemperature.t0), t08: rates(arrivalsByTemperature.t08), worker };
}

function runLlamaBench(binary: string, model: string, threads: number, context: BenchContext): number | null {
  const run = spawnSync(binary, ['-m', model, '-p', '0', '-n', '64', '-t', String(threads), '-o', 'json'], { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) {
    context.log(`decode: llama-bench failed (${run.status ?? run.signal}): ${(run.stderr ?? '').trim().split('\n').slice(-2).join(' ')}`);
    return null;
  }
  try {
    const rows = JSON.parse(run.stdout) as { avg_ts?: unknown }[];
    const rate = rows[0]?.avg_ts;
    return typeof rate === 'number' ? rate : null;
  } catch {
    context.log('decode: could not read llama-bench output');
    return null;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function round(n: number, digits = 1): number | null {
  return Number.isFinite(n) ? Number(n.toFixed(digits)) : null;
}

function fmt(rates: readonly number[]): string {
  return `${rates.map((r) => r.toFixed(1)).join(', ')} tokens/s`;
}
