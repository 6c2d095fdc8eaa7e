import { spawn } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_LOAD_OPTIONS } from '../contract/engine-protocol';
import { DEFAULT_SAMPLING } from '../contract/model';
import type { GeneratedToken } from '../contract/token';
import { SAVE_INTERVAL_MS } from '../services/answer-recorder';
import { TOP_ALTERNATIVES } from '../services/chat-service';
import { EngineHost } from '../engine/host';
import { engineEnvironment } from '../engine/launcher';
import { createNodeLauncher } from '../engine/node-launcher';
import { usableCores } from '../engine/threads';
import { GgmlType } from '../inspect/ggml-types';
import { openStore } from '../store/sqlite-store';
import { tokenizerKvsFrom, writeGguf } from '../../test/fixtures/gguf-writer';
import { decoderModel, LLAMA32_1B, type DecoderConfig } from '../../test/fixtures/synthetic-models';
import { MODELS_DIR } from '../../test/models';
import type { BenchContext, BenchSection } from './section';
import { balancedOrders } from './latin-square';
import { findLlamaBench } from './llama-bench-binary';
import { measureStopAndPin, QUICK_STOP_AFTER_MS, STOP_AFTER_MS, STOP_PROMPT_TOKENS, STOP_RUNS } from './stop-and-pin';
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
 * - exactTokensPerSecond: the same at temperature 0 with exact (whole-vocabulary) probabilities for
 *   every token (engine/exact-probabilities.ts); exactRatioToPlain, exactRatioToStreamed (the cost
 *   of exactness against the streamed top-K shares: the colouring keeps the shares below 0.95).
 * - promptTokensPerSecond: a 512-token prompt read through the app (chunked, engine/prompt-chunks.ts),
 *   prompt tokens / time to first token.
 * - stopInPromptMs: Stop pressed while a STOP_PROMPT_TOKENS-token prompt is being read through the
 *   app's engine (chunked: engine/prompt-chunks.ts): time from Generation.stop() to the answer's end,
 *   median and max over STOP_RUNS; the goal is 200 ms.
 * - pinDistributionMs: the pinned token's exact distribution (engine/token-distribution.ts) for the
 *   last token of an answer just written: one evaluated token and a whole-vocabulary map.
 * - llamaBenchTokensPerSecond when there is a llama-bench (LLAMA_BENCH, or scripts/llama-bench.mjs's build) (`-p 0 -n N -r 1`), and
 *   its pp512 (`-p 512 -n 0`): exactRatioToLlamaBench, promptRatioToLlamaBench.
 *
 * Isolation: every measured run is a fresh process (load the model, one short warm-up decode, one
 * measured decode, exit) and nothing else of the bench is alive while it runs. An earlier version
 * kept the baseline's process up between runs and the two processes disturbed each other on two
 * cores (the app's rate fell run after run, which it never does alone). Each round runs every
 * variant once, in the orders of a balanced Latin square (each variant comes first, and right after
 * each other variant, equally often over a full cycle of rounds), so slow drifts in background load
 * and whatever one process leaves behind for the next fall on every variant alike.
 *
 * Rates are over the tokens after the first (time to first token is prompt evaluation). Ratios are
 * the median over rounds of the ratio within a round (paired: both sides saw the same minute of
 * machine load); `*Min`/`*Max` give the spread of the rates.
 */

const PROMPT = 'Once upon a time, in a small village at the edge of a forest, there lived';
/** Prompt evaluation is compared with llama-bench's pp512. */
const PROMPT_TOKENS = 512;
/** BOS + 511 times " the" (one token each in the Llama 3 tokenizer): PROMPT_TOKENS tokens. */
const LONG_PROMPT = `the${' the'.repeat(PROMPT_TOKENS - 2)}`;
/** Tokens decoded in each process before the measured run (page faults, thread start-up). */
const WARM_UP_TOKENS = 8;

const QUICK_MODEL: DecoderConfig = { ...LLAMA32_1B, name: 'decode-bench (small, synthetic)', layers: 2, embedding: 256, feedForward: 512, heads: 4, kvHeads: 2 };

export interface Setup {
  model: string;
  threads: number;
  tokens: number;
  workDir: string;
}

interface Variant {
  key: string;
  label: string;
  measure(setup: Setup, round: number): Promise<number>;
}

export const decodeBench: BenchSection = {
  name: 'decode',
  async run(context) {
    const vocab = findVocab();
    if (vocab === null) {
      context.log('decode: skipped, ggml-vocab-llama-bpe.gguf not found (set GLASSBOX_TEST_MODELS)');
      return { skipped: 'ggml-vocab-llama-bpe.gguf not found (set GLASSBOX_TEST_MODELS to ../shared/models)' };
    }
    const tokens = context.quick ? 32 : 64;
    const threads = Number.parseInt(process.env.GLASSBOX_THREADS ?? '', 10) || usableCores();
    const setup: Setup = { model: await ensureModel(context, vocab), threads, tokens, workDir: context.workDir };

    const variants: Variant[] = [
      { key: 'plain', label: 'plain', measure: (s) => measurePlain(s) },
      { key: 't0', label: 'app T=0', measure: (s, round) => measureApp(s, 0, round) },
      { key: 't08', label: 'app T=0.8', measure: (s, round) => measureApp(s, 0.8, round) },
      { key: 'exact', label: 'app T=0 exact', measure: (s, round) => measureApp(s, 0, round, true) },
      { key: 'prompt', label: 'app prompt', measure: (s) => measureAppPrompt(s) },
    ];
    const llamaBench = findLlamaBench();
    if (llamaBench === null) context.log('decode: no llama-bench (LLAMA_BENCH, or `node scripts/llama-bench.mjs` to build it): the *ToLlamaBench ratios are left out');
    else {
      variants.push({ key: 'llamaBench', label: 'llama-bench', measure: (s) => measureLlamaBench(llamaBench, s) });
      variants.push({ key: 'llamaBenchPrompt', label: 'llama-bench pp', measure: (s) => measureLlamaBench(llamaBench, s, PROMPT_TOKENS) });
    }

    const orders = balancedOrders(variants.length);
    // By default whole cycles of the Latin square, at least 8 rounds.
    const rounds = Number.parseInt(process.env.GLASSBOX_BENCH_RUNS ?? '', 10) || (context.quick ? 2 : Math.ceil(8 / orders.length) * orders.length);
    const rates = new Map<string, number[]>(variants.map((v) => [v.key, []]));
    for (let round = 0; round < rounds; round++) {
      const order = (orders[round % orders.length] ?? []).map((i) => variants[i]).filter((v): v is Variant => v !== undefined);
      const line: string[] = [];
      for (const variant of order) {
        const rate = await variant.measure(setup, round);
        rates.get(variant.key)?.push(rate);
        line.push(`${variant.label} ${rate.toFixed(1)}`);
      }
      context.log(`decode: round ${round + 1}/${rounds}: ${line.join(', ')} tokens/s`);
    }

    const of = (key: string): number[] => rates.get(key) ?? [];
    const figures: Record<string, number | string | null> = {
      model: context.quick ? 'small synthetic, Llama 3 tokenizer, Q4_0' : 'Llama-3.2-1B shapes, random Q4_0, Llama 3 tokenizer',
      threads,
      tokens,
      runs: rounds,
      isolation: 'fresh process per measured run, variant order from a balanced Latin square',
      ...spread('plainTokensPerSecond', of('plain')),
      ...spread('withProbabilitiesTokensPerSecond', of('t0')),
      ...spread('withProbabilitiesT08TokensPerSecond', of('t08')),
      probabilityOverheadRatio: round(pairedRatio(of('t0'), of('plain')), 3),
      probabilityOverheadRatioT08: round(pairedRatio(of('t08'), of('plain')), 3),
      ...spread('exactTokensPerSecond', of('exact')),
      exactRatioToPlain: round(pairedRatio(of('exact'), of('plain')), 3),
      /** What exactness costs the streamed colouring: above 0.95, streaming could afford it. */
      exactRatioToStreamed: round(pairedRatio(of('exact'), of('t0')), 3),
      promptTokens: PROMPT_TOKENS,
      ...spread('promptTokensPerSecond', of('prompt')),
    };
    const latency = await measureStopAndPin(() => benchEngine(setup), setup.model, setup.threads, PROMPT, context.quick ? 2 : STOP_RUNS, context.quick ? QUICK_STOP_AFTER_MS : STOP_AFTER_MS);
    figures.stopInPromptMs = round(median(latency.stop));
    figures.stopInPromptMaxMs = round(latency.stop.length > 0 ? Math.max(...latency.stop) : Number.NaN);
    figures.stopPromptTokensReadMedian = round(median(latency.read), 0);
    figures.pinDistributionMs = round(median(latency.pin));
    context.log(`decode: stop in a ${STOP_PROMPT_TOKENS}-token prompt answered after ${latency.stop.map((ms) => ms.toFixed(0)).join(', ')} ms; pin ${latency.pin.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    if (rates.has('llamaBench')) {
      Object.assign(figures, spread('llamaBenchTokensPerSecond', of('llamaBench')));
      figures.ratioToLlamaBench = round(pairedRatio(of('t0'), of('llamaBench')), 3);
      figures.ratioToLlamaBenchT08 = round(pairedRatio(of('t08'), of('llamaBench')), 3);
      figures.plainRatioToLlamaBench = round(pairedRatio(of('plain'), of('llamaBench')), 3);
      figures.exactRatioToLlamaBench = round(pairedRatio(of('exact'), of('llamaBench')), 3);
      Object.assign(figures, spread('llamaBenchPromptTokensPerSecond', of('llamaBenchPrompt')));
      figures.promptRatioToLlamaBench = round(pairedRatio(of('prompt'), of('llamaBenchPrompt')), 3);
    }
    return figures;
  },
};

/** `name` (the median) with `nameMin` and `nameMax` beside it. */
export function spread(name: string, values: number[]): Record<string, number | null> {
  const finite = values.filter(Number.isFinite);
  const base = name.replace(/TokensPerSecond$/, '');
  return {
    [name]: round(median(finite)),
    [`${base}MinTokensPerSecond`]: round(finite.length > 0 ? Math.min(...finite) : Number.NaN),
    [`${base}MaxTokensPerSecond`]: round(finite.length > 0 ? Math.max(...finite) : Number.NaN),
  };
}

/** The median over rounds of a[i] / b[i]: each round's two runs saw the same background load. */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x !== undefined && y !== undefined && Number.isFinite(x) && Number.isFinite(y) && y > 0) ratios.push(x / y);
  }
  return median(ratios);
}

/** The Llama 3 tokenizer from the shared test models (test/models.ts says where they are). */
export function findVocab(): string | null {
  const path = join(MODELS_DIR, 'ggml-vocab-llama-bpe.gguf');
  return existsSync(path) ? path : null;
}

/** The bench model (written once per run's work folder; the trace bench uses the same file). */
export async function ensureModel(context: BenchContext, vocab: string): Promise<string> {
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
 * The baseline: node-llama-cpp's greedy `evaluate` loop, in a fresh process with the engine's
 * environment (the bench process may have started its libuv pool with the default 4 threads).
 */
export async function measurePlain(setup: Setup): Promise<number> {
  const library = pathToFileURL(createRequire(import.meta.url).resolve('node-llama-cpp')).href;
  const script = `
    const { getLlama, LlamaLogLevel } = await import(${JSON.stringify(library)});
    const [modelPath, threadsArg, tokensArg, warmUpArg, promptText] = process.argv.slice(2);
    const threads = Number(threadsArg);
    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error });
    llama.maxThreads = threads;
    const model = await llama.loadModel({ modelPath });
    const context = await model.createContext({ contextSize: 512, threads, sequences: 1 });
    const sequence = context.getSequence();
    const bos = model.tokens.bos;
    const prompt = [...(bos !== null && model.tokens.shouldPrependBosToken ? [bos] : []), ...model.tokenize(promptText, false)];
    async function decode(count) {
      await sequence.clearHistory();
      const arrivals = [];
      for await (const token of sequence.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
        arrivals.push(performance.now());
        if (model.isEogToken(token) || arrivals.length >= count) break;
      }
      return arrivals;
    }
    await decode(Number(warmUpArg));
    process.stdout.write(JSON.stringify(await decode(Number(tokensArg))) + '\\n');
    await model.dispose();
    process.exit(0);
  `;
  // A file, not node -e: node-llama-cpp checks its binary in a child process that reruns the main module.
  const file = join(setup.workDir, 'plain-decode.mjs');
  writeFileSync(file, script);
  const args = [file, setup.model, String(setup.threads), String(setup.tokens), String(WARM_UP_TOKENS), PROMPT];
  const output = await runToEnd(process.execPath, args, engineEnvironment(process.env));
  const line = output.stdout.trim().split('\n').pop() ?? '';
  try {
    return rateOf(JSON.parse(line) as number[]);
  } catch {
    throw new Error(`decode bench: the plain-evaluate process failed (${output.code}): ${output.stderr.trim().split('\n').slice(-8).join(' ')}`);
  }
}

/**
 * The app's path, in a fresh engine process: EngineHost → engine worker → generation with the
 * top-10 alternatives streamed back; every token kept and the answer saved to SQLite at the chat
 * service's cadence.
 */
export async function measureApp(setup: Setup, temperature: number, round: number, exactProbabilities = false): Promise<number> {
  const engine = benchEngine(setup);
  const store = openStore(':memory:');
  try {
    await engine.load(setup.model, { ...DEFAULT_LOAD_OPTIONS, gpu: 'cpu', threads: setup.threads, contextSize: 512 });
    const conversationId = store.createConversation('decode bench').id;
    const generate = async (maxTokens: number): Promise<number> => {
      const message = store.appendMessage({ conversationId, parentId: null, role: 'assistant', content: '', status: 'streaming' });
      const kept: GeneratedToken[] = [];
      let content = '';
      let lastSave = performance.now();
      const result = await engine.generate(
        { messages: [{ role: 'user', content: PROMPT }], sampling: { ...DEFAULT_SAMPLING, temperature, seed: round + 1, maxTokens }, topAlternatives: TOP_ALTERNATIVES, exactProbabilities },
        ({ tokens }) => {
          for (const token of tokens) {
            kept.push(token);
            content += token.text;
          }
          if (performance.now() - lastSave >= SAVE_INTERVAL_MS) {
            store.saveProgress(message.id, content, kept);
            lastSave = performance.now();
          }
        },
      ).result;
      store.saveProgress(message.id, content, kept);
      // The engine's own clock (first to last token chosen, as the baseline's loop measures): the
      // host receives tokens in batches, so arrival times there say little about decode speed. The
      // host's work (validation, store) still counts: it shares the cores with the decode threads.
      return result.tokensPerSecond ?? Number.NaN;
    };
    await generate(WARM_UP_TOKENS);
    return await generate(setup.tokens);
  } finally {
    store.close();
    await engine.dispose();
  }
}

/** A fresh engine process (GLASSBOX_BENCH_WORKER runs another build of the worker, for before/after comparisons). */
function benchEngine(setup: Setup): EngineHost {
  const workerPath = process.env.GLASSBOX_BENCH_WORKER;
  return new EngineHost(createNodeLauncher({ env: { GLASSBOX_THREADS: String(setup.threads) }, stderr: 'pipe', ...(workerPath ? { workerPath } : {}) }));
}

/**
 * Prompt evaluation through the app (engine process, chunked reading with its cancel checks, the
 * first token's sampling included): a PROMPT_TOKENS-token prompt, rate = prompt tokens / time to
 * first token. Warmed up with a short prompt first, as llama-bench warms up.
 */
async function measureAppPrompt(setup: Setup): Promise<number> {
  const engine = benchEngine(setup);
  try {
    await engine.load(setup.model, { ...DEFAULT_LOAD_OPTIONS, gpu: 'cpu', threads: setup.threads, contextSize: 2 * PROMPT_TOKENS });
    const ask = (content: string) =>
      engine.generate({ messages: [{ role: 'user', content }], sampling: { ...DEFAULT_SAMPLING, temperature: 0, maxTokens: 1 }, topAlternatives: TOP_ALTERNATIVES }, () => {}).result;
    await ask(PROMPT);
    const result = await ask(LONG_PROMPT);
    return result.ttftMs !== null && result.ttftMs > 0 ? (result.evaluatedPromptTokens * 1000) / result.ttftMs : Number.NaN;
  } finally {
    await engine.dispose();
  }
}

/** llama.cpp's own loop: one repetition per round, like the other variants; `promptTokens` measures prompt evaluation (ppN) instead of decoding. */
async function measureLlamaBench(binary: string, setup: Setup, promptTokens = 0): Promise<number> {
  const counts = promptTokens > 0 ? ['-p', String(promptTokens), '-n', '0'] : ['-p', '0', '-n', String(setup.tokens)];
  const args = ['-m', setup.model, ...counts, '-t', String(setup.threads), '-r', '1', '-o', 'json'];
  const output = await runToEnd(binary, args, process.env);
  if (output.code !== 0) throw new Error(`decode bench: llama-bench failed (${output.code}): ${output.stderr.trim().split('\n').slice(-2).join(' ')}`);
  const rows = JSON.parse(output.stdout) as { avg_ts?: unknown }[];
  const rate = rows[0]?.avg_ts;
  return typeof rate === 'number' ? rate : Number.NaN;
}

async function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | string | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const code = await new Promise<number | string | null>((done, fail) => {
    child.once('error', fail);
    child.once('close', (exitCode, signal) => done(exitCode ?? signal));
  });
  return { code, stdout, stderr };
}

export function round(n: number, digits = 1): number | null {
  return Number.isFinite(n) ? Number(n.toFixed(digits)) : null;
}

