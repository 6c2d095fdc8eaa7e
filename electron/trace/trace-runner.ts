import { GlassboxError, isWireError } from '../contract/errors';
import type { TraceProgress, WordVectors } from '../contract/trace';
import type { EngineLauncher, EngineProcessHandle } from '../engine/launcher';
import type { ForwardTrace, LensChoice } from './forward-trace';
import type { HostToTracer, TracerToHost } from './protocol';

/**
 * The app's side of the trace process: starts it on first use, runs one request at a time (a trace
 * of the 1B model holds a few hundred MiB), and cancels by ending the process — a decode blocks
 * the worker's thread, so a message would wait until the work it should stop is done.
 */

export type TraceLauncher = EngineLauncher<HostToTracer>;

export interface TraceListeners {
  onProgress?: (stage: TraceProgress['stage'], done: number, total: number) => void;
  onAttention?: (layer: number, weights: Float32Array) => void;
}

export interface RunningTrace<T> {
  result: Promise<T>;
  cancel(): void;
}

type Request =
  | { type: 'trace'; model: string; threads: number | null; text: string; lens: LensChoice }
  | { type: 'compare'; model: string; threads: number | null; a: string; b: string; word: string };

interface Job {
  id: number;
  request: Request;
  listeners: TraceListeners;
  resolve(value: ForwardTrace | WordVectors): void;
  reject(error: GlassboxError): void;
}

export class TraceRunner {
  private process: EngineProcessHandle<HostToTracer> | null = null;
  private running: Job | null = null;
  private readonly waiting: Job[] = [];
  private nextId = 1;

  constructor(private readonly launcher: TraceLauncher) {}

  trace(request: Omit<Extract<Request, { type: 'trace' }>, 'type'>, listeners: TraceListeners = {}): RunningTrace<ForwardTrace> {
    return this.enqueue<ForwardTrace>({ type: 'trace', ...request }, listeners);
  }

  compare(request: Omit<Extract<Request, { type: 'compare' }>, 'type'>): RunningTrace<WordVectors> {
    return this.enqueue<WordVectors>({ type: 'compare', ...request }, {});
  }

  get busy(): boolean {
    return this.running !== null;
  }

  dispose(): void {
    for (const job of [...this.waiting, ...(this.running ? [this.running] : [])]) job.reject(new GlassboxError('cancelled', 'The app is closing.'));
    this.waiting.length = 0;
    this.running = null;
    this.process?.kill();
    this.process = null;
  }

  private enqueue<T extends ForwardTrace | WordVectors>(request: Request, listeners: TraceListeners): RunningTrace<T> {
    const id = this.nextId++;
    let job!: Job;
    const result = new Promise<T>((resolve, reject) => {
      job = { id, request, listeners, resolve: resolve as (value: ForwardTrace | WordVectors) => void, reject };
    });
    this.waiting.push(job);
    this.pump();
    return { result, cancel: () => this.cancel(id) };
  }

  private cancel(id: number): void {
    const queued = this.waiting.findIndex((job) => job.id === id);
    if (queued >= 0) {
      this.waiting.splice(queued, 1)[0]?.reject(new GlassboxError('cancelled', 'The trace was cancelled.'));
      return;
    }
    if (this.running?.id !== id) return;
    const job = this.running;
    this.running = null;
    job.listeners.onProgress?.('cancelled', 0, 0);
    job.reject(new GlassboxError('cancelled', 'The trace was cancelled.'));
    // Forgotten before it is ended, so the next job starts a fresh process instead of writing to a dying one.
    const dying = this.process;
    this.process = null;
    dying?.kill();
    this.pump();
  }

  private pump(): void {
    if (this.running !== null) return;
    const job = this.waiting.shift();
    if (job === undefined) return;
    this.running = job;
    this.ensureProcess().send({ id: job.id, ...job.request } as HostToTracer);
  }

  private ensureProcess(): EngineProcessHandle<HostToTracer> {
    if (this.process !== null) return this.process;
    const child = this.launcher.launch();
    this.process = child;
    child.onMessage((message) => this.onMessage(message as TracerToHost));
    child.onExit((code, signal) => {
      // A process ended by cancel() was already forgotten; the job running now belongs to its successor.
      if (this.process !== child) return;
      this.process = null;
      const job = this.running;
      if (job !== null) {
        this.running = null;
        job.reject(new GlassboxError('engine-crashed', `The trace process ended (${signal ?? `exit code ${code ?? '?'}`}) before the trace was done.`));
      }
      this.pump();
    });
    return child;
  }

  private onMessage(message: TracerToHost): void {
    const job = this.running;
    if (job === null || message.id !== job.id) return;
    switch (message.type) {
      case 'progress':
        job.listeners.onProgress?.(message.stage, message.done, message.total);
        return;
      case 'attention':
        job.listeners.onAttention?.(message.layer, message.weights);
        return;
      case 'trace':
        this.finish(() => job.resolve(message.trace));
        return;
      case 'vectors':
        this.finish(() => job.resolve(message.vectors));
        return;
      case 'error':
        this.finish(() => job.reject(isWireError(message.error) ? GlassboxError.fromWire(message.error) : new GlassboxError('internal', 'The trace failed.')));
        return;
    }
  }

  private finish(settle: () => void): void {
    this.running = null;
    settle();
    this.pump();
  }
}
