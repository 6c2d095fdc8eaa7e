import { randomUUID } from 'node:crypto';
import { GlassboxError } from '../contract/errors';
import type { EventHub } from '../contract/rpc';
import type { TraceAttention, TraceProgress, TraceSummary, WordVectors } from '../contract/trace';
import type { LensChoice } from './forward-trace';
import type { RunningTrace, TraceRunner } from './trace-runner';

/**
 * The Trace panel's service: traces the loaded model's file in the trace process, tells progress as
 * 'trace.progress' events, and keeps the last trace's attention (one layer is fetched at a time by
 * the panel, so a page never holds every layer's heads × n × n numbers).
 */

export interface TraceServiceDeps {
  runner: TraceRunner;
  hub: EventHub;
  /** The loaded model's GGUF file, or null. */
  modelPath: () => string | null;
  /** null: the trace process chooses from the model's size and the usable cores. */
  threads: () => number | null;
}

export class TraceService {
  private last: { traceId: string; tokens: number; heads: number; layers: Map<number, Float32Array> } | null = null;
  private readonly jobs = new Map<string, RunningTrace<unknown>>();

  constructor(private readonly deps: TraceServiceDeps) {}

  private model(): string {
    const path = this.deps.modelPath();
    if (path === null) throw new GlassboxError('no-model', 'Load a model first: the trace runs on the loaded model’s file.');
    return path;
  }

  async start(args: { jobId: string; text: string; lens?: LensChoice }): Promise<TraceSummary> {
    const { jobId } = args;
    if (this.jobs.has(jobId)) throw new GlassboxError('busy', 'That trace is already running.');
    const layers = new Map<number, Float32Array>();
    const emit = (stage: TraceProgress['stage'], done: number, total: number): void =>
      this.deps.hub.emit('trace.progress', { jobId, stage, done, total });
    const running = this.deps.runner.trace(
      { model: this.model(), threads: this.deps.threads(), text: args.text, lens: args.lens ?? 'auto' },
      { onProgress: emit, onAttention: (layer, weights) => layers.set(layer, weights) },
    );
    this.jobs.set(jobId, running);
    try {
      const trace = await running.result;
      const traceId = randomUUID();
      this.last = { traceId, tokens: trace.tokens.length, heads: trace.model.heads, layers };
      emit('done', trace.model.layers, trace.model.layers);
      return { traceId, ...trace };
    } catch (error) {
      emit(error instanceof GlassboxError && error.kind === 'cancelled' ? 'cancelled' : 'error', 0, 0);
      throw error;
    } finally {
      this.jobs.delete(jobId);
    }
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    job?.cancel();
    return job !== undefined;
  }

  /** One layer of the last trace: [head][query][key]. */
  attention(traceId: string, layer: number): TraceAttention {
    const last = this.last;
    if (last === null || last.traceId !== traceId) throw new GlassboxError('not-found', 'That trace is gone: run the trace again.');
    const flat = last.layers.get(layer);
    if (flat === undefined) throw new GlassboxError('not-found', `The trace has no layer ${layer}.`);
    const n = last.tokens;
    const weights = Array.from({ length: last.heads }, (_, h) =>
      Array.from({ length: n }, (_, q) => Array.from(flat.subarray((h * n + q) * n, (h * n + q) * n + n))),
    );
    return { traceId, layer, weights };
  }

  compare(args: { a: string; b: string; word: string }): Promise<WordVectors> {
    return this.deps.runner.compare({ model: this.model(), threads: this.deps.threads(), ...args }).result;
  }

  dispose(): void {
    this.deps.runner.dispose();
  }
}
