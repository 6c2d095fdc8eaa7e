import { GlassboxError, toWireError } from '../contract/errors';
import { hostToEngineSchema, type ChatTurn, type EngineToHost, type GenerateRequest, type HostToEngine, type LoadOptions } from '../contract/engine-protocol';
import { EmbeddingRuntime } from './embedding';
import { generate } from './generation';
import { LlamaRuntime, type LoadedModel } from './llama-runtime';
import { scorePrompt } from './scoring';
import { tokenDistribution } from './token-distribution';
import { TokenBatcher } from './token-batcher';
import { tokenizeToPieces } from './tokenize';
import { connectToParent } from './transport';

/**
 * The engine process: owns node-llama-cpp, answers the host's messages (contract/engine-protocol.ts).
 * One model and one generation at a time. It is disposable — the host restarts it after a crash —
 * so it keeps no state worth saving.
 */
const parent = connectToParent();
const runtime = new LlamaRuntime();
/** The embedding model, beside the chat model (embedding.ts); it shares the chat model's backend when one is loaded. */
const embeddings = new EmbeddingRuntime(() => runtime.loaded?.model.llama ?? null);
/** The generation under way; `stopped` settles when its Stop arrives (a prompt being read is answered at once). */
let running: { id: number; stop: boolean; stopped: Promise<void>; signal: () => void } | null = null;
/** Loads and generations touch the same model, so they are serialised; `stop` is handled at once. */
let queue: Promise<void> = Promise.resolve();
/** Loads and unloads waiting in the queue: a tokenize that arrives meanwhile waits for them. */
let modelChanges = 0;
/** Tokens coming faster than this go to the host together (token-batcher.ts); GLASSBOX_TOKEN_BATCH_MS=0 sends each alone. */
const TOKEN_BATCH_MS = tokenBatchMs(process.env.GLASSBOX_TOKEN_BATCH_MS);

function tokenBatchMs(value: string | undefined): number {
  const n = value === undefined ? Number.NaN : Number(value);
  return Number.isFinite(n) && n >= 0 ? n : 16;
}

function send(message: EngineToHost): void {
  parent.send(message);
}

parent.onMessage((raw) => {
  const parsed = hostToEngineSchema.safeParse(raw);
  if (!parsed.success) {
    const id = (raw as { id?: unknown } | null)?.id;
    const error = new GlassboxError('invalid-argument', `Engine got an invalid message: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (typeof id === 'number' && Number.isInteger(id)) send({ type: 'error', id, error: error.toWire() });
    else process.stderr.write(`${error.message}\n`);
    return;
  }
  handle(parsed.data);
});

function handle(message: HostToEngine): void {
  switch (message.type) {
    case 'stop':
      if (running?.id === message.target) {
        running.stop = true;
        running.signal();
      }
      return;
    case 'generate':
      // Checked on arrival, not in the queue: a second generate while one runs is refused, not queued.
      if (running !== null) {
        send({ type: 'error', id: message.id, error: { kind: 'busy', message: 'A reply is already being generated; stop it first.' } });
        return;
      }
      running = runningGeneration(message.id);
      enqueue(message.id, () => runGeneration(message.id, message.request, performance.now()));
      return;
    case 'load':
      modelChanges++;
      enqueue(message.id, () => runLoad(message.id, message.path, message.options).finally(() => modelChanges--));
      return;
    case 'unload':
      modelChanges++;
      enqueue(message.id, async () => {
        try {
          await runtime.unload();
        } finally {
          modelChanges--;
        }
        send({ type: 'unloaded', id: message.id });
      });
      return;
    case 'tokenize': {
      // Tokenizing reads only the vocabulary: it is answered at once, even while a reply is being
      // generated, unless the model is about to change.
      const task = async () => send({ type: 'tokenized', id: message.id, tokens: tokenizeToPieces(requireModel().model, message.text) });
      if (modelChanges > 0) enqueue(message.id, task);
      else task().catch((error: unknown) => send({ type: 'error', id: message.id, error: toWireError(error) }));
      return;
    }
    case 'embed':
      // Its own model and context, but the same threads: it waits its turn like a generation.
      enqueue(message.id, async () => send({ type: 'embedded', id: message.id, result: await embeddings.embed(message.model, message.texts) }));
      return;
    case 'score':
      // Scoring evaluates on the chat's sequence, so it waits for a running generation to end.
      enqueue(message.id, () => runScore(message.id, message.messages, message.topAlternatives));
      return;
    case 'distribution':
      // On the chat's sequence too (it reuses the answer's KV cache): after a running generation.
      enqueue(message.id, async () => send({ type: 'distributed', id: message.id, result: await tokenDistribution(requireModel(), message.request) }));
      return;
  }
}

function requireModel(): LoadedModel {
  const loaded = runtime.loaded;
  if (loaded === null) throw new GlassboxError('no-model', 'No model is loaded. Load a model first.');
  return loaded;
}

async function runScore(id: number, messages: ChatTurn[], topAlternatives: number): Promise<void> {
  const { evaluatedTokens, ...result } = await scorePrompt(requireModel(), messages, topAlternatives);
  void evaluatedTokens;
  send({ type: 'scored', id, result });
}

function enqueue(id: number, task: () => Promise<void>): void {
  queue = queue.then(task).catch((error: unknown) => send({ type: 'error', id, error: toWireError(error) }));
}

async function runLoad(id: number, path: string, options: LoadOptions): Promise<void> {
  let lastSent = -1;
  const facts = await runtime.load(path, options, (progress) => {
    // Progress callbacks can be very frequent; whole percents are plenty for a progress bar.
    const rounded = Math.round(progress * 100) / 100;
    if (rounded === lastSent) return;
    lastSent = rounded;
    send({ type: 'load-progress', id, progress: rounded });
  });
  send({ type: 'loaded', id, facts });
}

function runningGeneration(id: number): NonNullable<typeof running> {
  let signal = (): void => {};
  const stopped = new Promise<void>((resolve) => (signal = resolve));
  return { id, stop: false, stopped, signal };
}

async function runGeneration(id: number, request: GenerateRequest, receivedAt: number): Promise<void> {
  const state = running;
  const batcher = new TokenBatcher((batch) => send({ type: 'tokens', id, first: batch.first, tokens: batch.tokens }), TOKEN_BATCH_MS);
  const pending: { chunk: Promise<void> | null } = { chunk: null };
  try {
    const result = await generate(requireModel(), request, {
      receivedAt,
      cancelled: () => state?.stop === true,
      ...(state !== null ? { stopped: state.stopped } : {}),
      settling: (chunk) => (pending.chunk = chunk),
      onToken: (index, token) => batcher.push(index, token),
    });
    batcher.flush();
    send({ type: 'generated', id, result });
  } finally {
    // Tokens streamed before a failure still reach the host, ahead of the error.
    batcher.flush();
    running = null;
  }
  // Stopped inside a prompt chunk: the answer has gone out, but the chunk is still being decoded.
  // The queue (and with it the next request, accepted meanwhile) waits for it.
  if (pending.chunk !== null) await pending.chunk;
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`Engine: unhandled rejection: ${String(reason)}\n`);
});

send({ type: 'ready', pid: process.pid });
