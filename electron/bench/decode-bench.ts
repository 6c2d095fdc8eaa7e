import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
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
import type { Store } from '../store/store';
import { tokenizerKvsFrom, writeGguf } from '../../test/fixtures/gguf-writer';
import { decoderModel, LLAMA32_1B, type DecoderConfig } from '../../test/fixtures/synthetic-models';
import type { BenchContext, BenchSection } from './section';
import { median } from './stats';

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
 *   temperature 0 and 0.8. Rate as the engine process measures it (first to last token).
 * - probabilityOverheadRatio = withProbabilities / plain (goal ≥ 0.95).
 * - llamaBenchTokensPerSecond / ratioToLlamaBench when LLAMA_BENCH names a llama-bench binary
 *   (`-p 0 -n 64 -t threads`).
 * Rates are the median of several runs, over the tokens after the first (time to first token is
 * prompt evaluation, not decoding). Plain and app runs alternate, so both see the same background
 * load; `*Best*` figures are the fastest run of each (least disturbed by other processes: on a busy
 * 2-core machine a 2-thread decode stalls whenever another process takes a core).
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
    const runs = Number.parseInt(process.env.GLASSBOX_BENCH_RUNS ?? '', 10) || (context.quick ? 2 : 5);
    const threads = Number.parseInt(process.env.GLASSBOX_THREADS ?? '', 10) || usableCores();
    const model = await ensureModel(context, vocab);

    const plain = await PlainDecoder.start(model, threads, tokens, context.workDir);
    const app = await AppDecoder.start(model, threads, tokens);
    const rates = { plain: [] as number[], t0: [] as number[], t08: [] as number[] };
    try {
      // Interleaved, so that both paths see the same background load; run 0 warms up.
      for (let run = 0; run <= runs; run++) {
        const p = await plain.run();
        const a0 = await app.run(0, run);
        const a8 = await app.run(0.8, run);
        context.log(`decode: run ${run}${run === 0 ? ' (warm-up)' : ''}: plain ${p.toFixed(1)}, app T=0 ${a0.toFixed(1)}, app T=0.8 ${a8.toFixed(1)} tokens/s`);
        if (run === 0) continue;
        rates.plain.push(p);
        rates.t0.push(a0);
        rates.t08.push(a8);
      }
    } finally {
      await plain.close();
      await app.close();
    }
    const figures: Record<string, number | string | null> = {
      model: context.quick ? 'small synthetic, Llama 3 tokenizer, Q4_0' : 'Llama-3.2-1B shapes, random Q4_0, Llama 3 tokenizer',
      threads,
      tokens,
      runs,
      plainTokensPerSecond: round(median(rates.plain)),
      withProbabilitiesTokensPerSecond: round(median(rates.t0)),
      withProbabilitiesT08TokensPerSecond: round(median(rates.t08)),
      probabilityOverheadRatio: round(median(rates.t0) / median(rates.plain), 3),
      probabilityOverheadRatioT08: round(median(rates.t08) / median(rates.plain), 3),
      plainBestTokensPerSecond: round(Math.max(...rates.plain)),
      withProbabilitiesBestTokensPerSecond: round(Math.max(...rates.t0)),
      bestOverheadRatio: round(Math.max(...rates.t0) / Math.max(...rates.plain), 3),
    };
    const llamaBench = process.env.LLAMA_BENCH;
    if (llamaBench !== undefined && llamaBench.length > 0) {
      const rate = runLlamaBench(llamaBench, model, threads, context);
      figures.llamaBenchTokensPerSecond = rate === null ? null : round(rate);
      figures.ratioToLlamaBench = rate === null ? null : round(median(rates.t0) / rate, 3);
      figures.plainRatioToLlamaBench = rate === null ? null : round(median(rates.plain) / rate, 3);
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

/** Tokens per second over a run's tokens after the first (the first is prompt evaluation). */
function rateOf(arrivals: readonly number[]): number {
  const first = arrivals[0];
  const last = arrivals[arrivals.length - 1];
  return first === undefined || last === undefined || last <= first ? Number.NaN : ((arrivals.length - 1) * 1000) / (last - first);
}

/**
 * The baseline: node-llama-cpp's greedy `evaluate` loop, in its own process with the engine's
 * environment (the bench process may have started its libuv pool with the default 4 threads
 * already). It stays up and does one run per line it reads, so runs interleave with the app's.
 */
class PlainDecoder {
  private constructor(
    private readonly child: ChildProcess,
    private readonly lines: AsyncIterator<string>,
  ) {}

  static async start(model: string, threads: number, tokens: number, workDir: string): Promise<PlainDecoder> {
    const library = pathToFileURL(createRequire(import.meta.url).resolve('node-llama-cpp')).href;
    const script = `
      import { createInterface } from 'node:readline';
      const { getLlama, LlamaLogLevel } = await import(${JSON.stringify(library)});
      const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error });
      llama.maxThreads = ${threads};
      const model = await llama.loadModel({ modelPath: ${JSON.stringify(model)} });
      const context = await model.createContext({ contextSize: 512, threads: ${threads}, sequences: 1 });
      const sequence = context.getSequence();
      const bos = model.tokens.bos;
      const prompt = [...(bos !== null && model.tokens.shouldPrependBosToken ? [bos] : []), ...model.tokenize(${JSON.stringify(PROMPT)}, false)];
      process.stdout.write('ready\\n');
      for await (const line of createInterface({ input: process.stdin })) {
        if (line !== 'run') break;
        await sequence.clearHistory();
        const arrivals = [];
        for await (const token of sequence.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
          arrivals.push(performance.now());
          if (model.isEogToken(token) || arrivals.length >= ${tokens}) break;
        }
        process.stdout.write(JSON.stringify(arrivals) + '\\n');
      }
      await model.dispose();
      process.exit(0);
    `;
    // A file, not node -e: node-llama-cpp checks its binary in a child process that reruns the main module.
    const file = join(workDir, 'plain-decode.mjs');
    writeFileSync(file, script);
    const child = spawn(process.execPath, [file], { env: engineEnvironment(process.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    const lines = createInterface({ input: child.stdout as Readable })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done === true || first.value !== 'ready') {
      child.kill();
      throw new Error(`decode bench: the plain-evaluate process did not start: ${stderr.trim().split('\n').slice(-8).join(' ')}`);
    }
    return new PlainDecoder(child, lines);
  }

  async run(): Promise<number> {
    this.child.stdin?.write('run\n');
    const line = await this.lines.next();
    if (line.done === true) throw new Error('decode bench: the plain-evaluate process ended early');
    return rateOf(JSON.parse(line.value) as number[]);
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.stdin?.end();
    await Promise.race([exited, new Promise((done) => setTimeout(done, 5000).unref())]);
    if (this.child.exitCode === null) this.child.kill();
  }
}

/**
 * The app's path: EngineHost → engine worker → generation with the top-10 alternatives streamed
 * back; every token kept and the answer saved to SQLite at the chat service's cadence.
 */
class AppDecoder {
  private constructor(
    private readonly engine: EngineHost,
    private readonly store: Store,
    private readonly conversationId: string,
    private readonly tokens: number,
  ) {}

  static async start(model: string, threads: number, tokens: number): Promise<AppDecoder> {
    // GLASSBOX_BENCH_WORKER runs another build of the engine worker (before/after comparisons).
    const workerPath = process.env.GLASSBOX_BENCH_WORKER;
    const engine = new EngineHost(createNodeLauncher({ env: { GLASSBOX_THREADS: String(threads) }, stderr: 'pipe', ...(workerPath ? { workerPath } : {}) }));
    await engine.load(model, { ...DEFAULT_LOAD_OPTIONS, gpu: 'cpu', threads, contextSize: 512 });
    const store = openStore(':memory:');
    return new AppDecoder(engine, store, store.createConversation('decode bench').id, tokens);
  }

  async run(temperature: number, seed: number): Promise<number> {
    const message = this.store.appendMessage({ conversationId: this.conversationId, parentId: null, role: 'assistant', content: '', status: 'streaming' });
    const kept: GeneratedToken[] = [];
    let content = '';
    let lastSave = performance.now();
    const result = await this.engine.generate(
      { messages: [{ role: 'user', content: PROMPT }], sampling: { ...DEFAULT_SAMPLING, temperature, seed: seed + 1, maxTokens: this.tokens }, topAlternatives: TOP_ALTERNATIVES },
      (_index, token) => {
        const now = performance.now();
        kept.push(token);
        content += token.text;
        if (now - lastSave >= SAVE_INTERVAL_MS) {
          this.store.saveProgress(message.id, content, kept);
          lastSave = performance.now();
        }
      },
    ).result;
    this.store.saveProgress(message.id, content, kept);
    // The engine's own clock (first to last token chosen, as the baseline's loop measures): the
    // host receives tokens in batches, so arrival times there say little about decode speed. The
    // host's work (validation, store) still counts: it shares the cores with the decode threads.
    return result.tokensPerSecond ?? Number.NaN;
  }

  async close(): Promise<void> {
    this.store.close();
    await this.engine.dispose();
  }
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

function round(n: number, digits = 1): number | null {
  return Number.isFinite(n) ? Number(n.toFixed(digits)) : null;
}

