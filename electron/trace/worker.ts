import { GlassboxError, toWireError } from '../contract/errors';
import { connectToParent } from '../engine/transport';
import { traceText } from './forward-trace';
import { TraceModelSession } from './model-session';
import { hostToTracerSchema, type HostToTracer, type TracerToHost } from './protocol';
import { compareWord } from './word-vectors';

/**
 * The trace process: llama.cpp through koffi, one request at a time. A decode blocks this process's
 * thread for its whole length, so the chat engine (another process) is never held up, and cancel
 * is the host ending this process.
 */
const parent = connectToParent();
let session: { path: string; threads: number | null; trace: TraceModelSession } | null = null;

function send(message: TracerToHost): void {
  parent.send(message);
}

async function open(path: string, threads: number | null): Promise<TraceModelSession> {
  if (session !== null && session.path === path && session.threads === threads) return session.trace;
  session?.trace.close();
  session = null;
  const trace = await TraceModelSession.open(path, { threads });
  session = { path, threads, trace };
  return trace;
}

async function handle(message: HostToTracer): Promise<void> {
  const { id } = message;
  send({ type: 'progress', id, stage: 'loading', done: 0, total: 1 });
  const trace = await open(message.model, message.threads);
  if (message.type === 'compare') {
    send({ type: 'vectors', id, vectors: compareWord(trace, message.a, message.b, message.word) });
    return;
  }
  const result = await traceText(trace, message.text, message.lens, {
    onAttention: (layer, weights) => send({ type: 'attention', id, layer, weights }),
    onProgress: (stage, done, total) => send({ type: 'progress', id, stage, done, total }),
  });
  send({ type: 'trace', id, trace: result });
}

parent.onMessage((raw) => {
  const parsed = hostToTracerSchema.safeParse(raw);
  const id = (raw as { id?: unknown } | null)?.id;
  if (!parsed.success) {
    const error = new GlassboxError('invalid-argument', `The trace process got an invalid message: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    if (typeof id === 'number') send({ type: 'error', id, error: error.toWire() });
    return;
  }
  // The host sends one request at a time (trace-runner.ts), so requests never overlap here.
  handle(parsed.data).catch((error: unknown) => send({ type: 'error', id: parsed.data.id, error: toWireError(error) }));
});
