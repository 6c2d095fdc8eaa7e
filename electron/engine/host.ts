import {
  engineToHostSchema,
  type ChatTurn,
  type DistributionRequest,
  type Embeddings,
  type EngineToHost,
  type GenerateRequest,
  type GenerateResult,
  type HostToEngine,
  type LoadOptions,
  type ScoredPrompt,
  type TokenPiece,
} from '../contract/engine-protocol';
import { GlassboxError } from '../contract/errors';
import type { ModelFacts } from '../contract/model';
import type { TokenDistribution } from '../contract/token-distribution';
import type { Engine, Generation, OnTokens } from './engine';
import type { EngineLauncher, EngineProcessHandle } from './launcher';

type Pending =
  | { kind: 'load'; resolve: (facts: ModelFacts) => void; reject: (error: GlassboxError) => void; onProgress?: (progress: number) => void }
  | { kind: 'unload'; resolve: () => void; reject: (error: GlassboxError) => void }
  | { kind: 'generate'; resolve: (result: GenerateResult) => void; reject: (error: GlassboxError) => void; onTokens: OnTokens }
  | { kind: 'tokenize'; resolve: (tokens: TokenPiece[]) => void; reject: (error: GlassboxError) => void }
  | { kind: 'score'; resolve: (result: ScoredPrompt) => void; reject: (error: GlassboxError) => void }
  | { kind: 'embed'; resolve: (result: Embeddings) => void; reject: (error: GlassboxError) => void }
  | { kind: 'distribution'; resolve: (result: TokenDistribution) => void; reject: (error: GlassboxError) => void };

interface Running {
  handle: EngineProcessHandle;
  /** Resolves on the engine's 'ready': messages are only sent after it, so none are lost at start-up. */
  ready: Promise<void>;
  /** Set before we kill it ourselves, so its exit is not reported as a crash. */
  expectedExit: boolean;
}

/**
 * The main process's side of the engine (engine.ts) over any launcher. The process starts lazily;
 * when it dies unexpectedly every pending call fails with 'engine-crashed', crash listeners hear
 * about it, and the next call starts a fresh process and reloads the last model first.
 */
export class EngineHost implements Engine {
  private running: Running | null = null;
  private readonly pending = new Map<number, Pending>();
  private readonly crashListeners = new Set<(message: string) => void>();
  private nextId = 1;
  /** The model to bring back after a crash. */
  private lastLoad: { path: string; options: LoadOptions } | null = null;
  /** Whether the current process has the model (false right after a restart). */
  private modelInProcess = false;
  private reloading: Promise<void> | null = null;
  private disposed = false;

  constructor(private readonly launcher: EngineLauncher) {}

  get pid(): number | null {
    return this.running?.handle.pid ?? null;
  }

  async load(path: string, options: LoadOptions, onProgress?: (progress: number) => void): Promise<ModelFacts> {
    await this.ensureProcess();
    // The old model is gone from the engine as soon as a new load starts, whatever its outcome.
    this.lastLoad = null;
    this.modelInProcess = false;
    const facts = await this.request<ModelFacts>((id) => ({ type: 'load', id, path, options }), (resolve, reject) => ({ kind: 'load', resolve, reject, onProgress }));
    this.lastLoad = { path, options };
    this.modelInProcess = true;
    return facts;
  }

  async unload(): Promise<void> {
    this.lastLoad = null;
    this.modelInProcess = false;
    if (this.running === null) return;
    await this.ensureProcess();
    await this.request<void>((id) => ({ type: 'unload', id }), (resolve, reject) => ({ kind: 'unload', resolve, reject }));
  }

  generate(request: GenerateRequest, onTokens: OnTokens): Generation {
    let id: number | null = null;
    let stopRequested = false;
    const result = (async () => {
      await this.ensureModel();
      return this.request<GenerateResult>(
        (newId) => {
          id = newId;
          return { type: 'generate', id: newId, request };
        },
        (resolve, reject) => ({ kind: 'generate', resolve, reject, onTokens }),
        // A stop() that came while the engine was starting is delivered right after the request.
        () => (stopRequested && id !== null ? this.send({ type: 'stop', target: id }) : undefined),
      );
    })();
    return {
      result,
      stop: () => {
        stopRequested = true;
        if (id !== null && this.pending.has(id)) this.send({ type: 'stop', target: id });
      },
    };
  }

  async tokenize(text: string): Promise<TokenPiece[]> {
    await this.ensureModel();
    return this.request<TokenPiece[]>((id) => ({ type: 'tokenize', id, text }), (resolve, reject) => ({ kind: 'tokenize', resolve, reject }));
  }

  async score(messages: ChatTurn[], topAlternatives: number): Promise<ScoredPrompt> {
    await this.ensureModel();
    return this.request<ScoredPrompt>((id) => ({ type: 'score', id, messages, topAlternatives }), (resolve, reject) => ({ kind: 'score', resolve, reject }));
  }

  async distribution(request: DistributionRequest): Promise<TokenDistribution> {
    await this.ensureModel();
    return this.request<TokenDistribution>((id) => ({ type: 'distribution', id, request }), (resolve, reject) => ({ kind: 'distribution', resolve, reject }));
  }

  /** Needs no chat model: the embedding model is named by each call (the worker keeps the last one loaded). */
  async embed(modelPath: string, texts: string[]): Promise<Embeddings> {
    await this.ensureProcess();
    return this.request<Embeddings>((id) => ({ type: 'embed', id, model: modelPath, texts }), (resolve, reject) => ({ kind: 'embed', resolve, reject }));
  }

  onCrash(listener: (message: string) => void): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const running = this.running;
    this.running = null;
    this.failAll(new GlassboxError('cancelled', 'The engine was shut down.'));
    if (running === null) return;
    running.expectedExit = true;
    const exited = new Promise<void>((resolve) => running.handle.onExit(() => resolve()));
    running.handle.kill();
    // Do not hang shutdown on a process that ignores the signal.
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  }

  /** Starts the process if none runs, and after a crash brings the last model back. */
  private async ensureModel(): Promise<void> {
    await this.ensureProcess();
    const last = this.lastLoad;
    if (last === null || this.modelInProcess) return;
    // Calls arriving together after a crash share one reload.
    this.reloading ??= this.request<ModelFacts>((id) => ({ type: 'load', id, path: last.path, options: last.options }), (resolve, reject) => ({ kind: 'load', resolve, reject }))
      .then(() => {
        if (this.lastLoad === last) this.modelInProcess = true;
      })
      .finally(() => {
        this.reloading = null;
      });
    await this.reloading;
  }

  private ensureProcess(): Promise<void> {
    if (this.disposed) return Promise.reject(new GlassboxError('engine-crashed', 'The engine has been shut down.'));
    if (this.running !== null) return this.running.ready;
    const handle = this.launcher.launch();
    let markReady!: () => void;
    let failStart!: (error: GlassboxError) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStart = reject;
    });
    const running: Running = { handle, ready, expectedExit: false };
    this.running = running;
    this.modelInProcess = false;
    handle.onMessage((raw) => {
      const parsed = engineToHostSchema.safeParse(raw);
      if (!parsed.success) {
        process.stderr.write(`Engine sent an invalid message (ignored): ${parsed.error.issues[0]?.message ?? 'unknown problem'}\n`);
        return;
      }
      if (parsed.data.type === 'ready') markReady();
      else this.dispatch(parsed.data);
    });
    handle.onExit((code, signal) => {
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
      const error = new GlassboxError('engine-crashed', `The engine process ${how}. The model will be reloaded on the next request.`);
      failStart(error);
      if (this.running !== running) return;
      this.running = null;
      this.modelInProcess = false;
      if (running.expectedExit) return;
      this.failAll(error);
      for (const listener of this.crashListeners) listener(error.message);
    });
    // Nobody may be awaiting `ready` when the process dies before it; that must not be an unhandled rejection.
    ready.catch(() => undefined);
    return ready;
  }

  private request<T>(
    build: (id: number) => HostToEngine,
    pending: (resolve: (value: T) => void, reject: (error: GlassboxError) => void) => Pending,
    afterSend?: () => void,
  ): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, pending(resolve, reject));
      if (this.running === null) {
        this.pending.delete(id);
        reject(new GlassboxError('engine-crashed', 'The engine process is not running.'));
        return;
      }
      this.send(build(id));
      afterSend?.();
    });
  }

  private send(message: HostToEngine): void {
    this.running?.handle.send(message);
  }

  private dispatch(message: Exclude<EngineToHost, { type: 'ready' }>): void {
    const call = this.pending.get(message.id);
    if (call === undefined) return;
    switch (message.type) {
      case 'load-progress':
        if (call.kind === 'load') call.onProgress?.(message.progress);
        return;
      case 'tokens':
        // Passed on whole: the batch was validated once above, and every later hop keeps it as one.
        if (call.kind === 'generate') call.onTokens({ first: message.first, tokens: message.tokens });
        return;
      case 'error':
        this.pending.delete(message.id);
        call.reject(GlassboxError.fromWire(message.error));
        return;
      case 'loaded':
        this.pending.delete(message.id);
        if (call.kind === 'load') call.resolve(message.facts);
        return;
      case 'unloaded':
        this.pending.delete(message.id);
        if (call.kind === 'unload') call.resolve();
        return;
      case 'generated':
        this.pending.delete(message.id);
        if (call.kind === 'generate') call.resolve(message.result);
        return;
      case 'tokenized':
        this.pending.delete(message.id);
        if (call.kind === 'tokenize') call.resolve(message.tokens);
        return;
      case 'scored':
        this.pending.delete(message.id);
        if (call.kind === 'score') call.resolve(message.result);
        return;
      case 'embedded':
        this.pending.delete(message.id);
        if (call.kind === 'embed') call.resolve(message.result);
        return;
      case 'distributed':
        this.pending.delete(message.id);
        if (call.kind === 'distribution') call.resolve(message.result);
        return;
    }
  }

  private failAll(error: GlassboxError): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(error);
  }
}
