import { GlassboxError, toWireError } from '../contract/errors';
import { hostToEngineSchema, type EngineToHost, type GenerateRequest, type HostToEngine, type LoadOptions } from '../contract/engine-protocol';
import { generate } from './generation';
import { LlamaRuntime } from './llama-runtime';
import { connectToParent } from './transport';

/**
 * The engine process: owns node-llama-cpp, answers the host's messages (contract/engine-protocol.ts).
 * One model and one generation at a time. It is disposable — the host restarts it after a crash —
 * so it keeps no state worth saving.
 */
const parent = connectToParent();
const runtime = new LlamaRuntime();
let running: { id: number; stop: boolean } | null = null;
/** Loads and generations touch the same model, so they are serialised; `stop` is handled at once. */
let queue: Promise<void> = Promise.resolve();

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
      if (running?.id === message.target) running.stop = true;
      return;
    case 'generate':
      // Checked on arrival, not in the queue: a second generate while one runs is refused, not queued.
      if (running !== null) {
        send({ type: 'error', id: message.id, error: { kind: 'busy', message: 'A reply is already being generated; stop it first.' } });
        return;
      }
      running = { id: message.id, stop: false };
      enqueue(message.id, () => runGeneration(message.id, message.request, performance.now()));
      return;
    case 'load':
      enqueue(message.id, () => runLoad(message.id, message.path, message.options));
      return;
    case 'unload':
      enqueue(message.id, async () => {
        await runtime.unload();
        send({ type: 'unloaded', id: message.id });
      });
      return;
  }
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

async function runGeneration(id: number, request: GenerateRequest, receivedAt: number): Promise<void> {
  const state = running;
  try {
    const loaded = runtime.loaded;
    if (loaded === null) throw new GlassboxError('no-model', 'No model is loaded. Load a model first.');
    const result = await generate(loaded, request, {
      receivedAt,
      cancelled: () => state?.stop === true,
      onToken: (index, token) => send({ type: 'token', id, index, token }),
    });
    send({ type: 'generated', id, result });
  } finally {
    running = null;
  }
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`Engine: unhandled rejection: ${String(reason)}\n`);
});

send({ type: 'ready', pid: process.pid });
