import type { ChatTurn, GenerateRequest, GenerateResult, LoadOptions, ScoredPrompt, TokenPiece } from '../contract/engine-protocol';
import { GlassboxError } from '../contract/errors';
import type { ModelFacts } from '../contract/model';
import type { Engine, Generation, OnTokens } from '../engine/engine';

/** The app's own chat (ChatService); API clients use `api:<client>`. */
export const APP_SOURCE = 'app';

/** How many sources' last turns are remembered (older idle ones count as new again). */
const MAX_REMEMBERED_SOURCES = 256;

export interface EngineQueueOptions {
  /**
   * Most generations that may wait (not counting the running one) across all bounded sources;
   * one more is refused with a 'busy' error. Unbounded sources (the app) are never refused.
   */
  maxWaiting?: number;
  /** Sources never refused for a full queue: the app's own chat keeps "one answer at a time" itself. */
  unboundedSources?: readonly string[];
  now?: () => number;
}

/** What happened to one queued generation; for the API's request log and for tests. */
export interface QueueOutcome {
  source: string;
  /** 'complete' / 'stopped' as the engine said; 'removed' when stopped before it started; 'error' when it failed. */
  status: GenerateResult['status'] | 'removed' | 'error';
  finishReason: GenerateResult['finishReason'] | null;
  tokens: number;
  /** Time spent waiting for its turn, and running, in milliseconds. */
  waitedMs: number;
  ranMs: number;
  /** Time from stop() to the end, when it was stopped. */
  stopToEndMs: number | null;
}

export interface QueueStats {
  running: string | null;
  waiting: number;
  /** Waiting generations per source. */
  bySource: Record<string, number>;
}

export interface GenerateOptions {
  /**
   * Runs when the generation's turn comes, before the engine sees it; a throw fails the
   * generation with that error instead (the API: its model is no longer the loaded one).
   */
  beforeStart?: () => void;
}

interface Job {
  source: string;
  request: GenerateRequest;
  beforeStart: (() => void) | null;
  onTokens: OnTokens;
  enqueuedAt: number;
  startedAt: number | null;
  stoppedAt: number | null;
  inner: Generation | null;
  resolve: (result: GenerateResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Serialises generations over one engine (which runs one at a time and refuses a second one),
 * first in, first out within a source and round-robin between API sources, with the app's chat
 * (the unbounded sources) ahead of them: a burst of API requests delays the user's prompt by the
 * answer being written, never by the backlog. A source is whoever the caller says it is; the API
 * server names it after the connection, never after a field the client chooses. Everything but generate passes
 * straight through (the engine process orders loads, tokenizing and scoring itself).
 *
 * stop() on a waiting generation removes it from the queue and resolves it as 'stopped' with no
 * tokens; on the running one it stops the engine.
 *
 * Why hand-written, not a queue library (p-queue and the like): their fairness is by priority or
 * concurrency, not round-robin between named sources with one of them always first, and they
 * cannot remove a waiting job so that it resolves as a 'stopped' answer; the policy is the point
 * of this class, and test/unit/services/engine-queue.test.ts pins it.
 */
export class EngineQueue {
  private readonly waiting = new Map<string, Job[]>();
  /** When each source last had a turn (a counter); absent: never (or long forgotten). */
  private readonly lastTurn = new Map<string, number>();
  private turns = 0;
  private running: Job | null = null;
  private readonly maxWaiting: number;
  private readonly unbounded: Set<string>;
  private readonly now: () => number;
  private readonly outcomeListeners = new Set<(outcome: QueueOutcome) => void>();

  constructor(
    readonly engine: Engine,
    options: EngineQueueOptions = {},
  ) {
    this.maxWaiting = options.maxWaiting ?? 64;
    this.unbounded = new Set(options.unboundedSources ?? [APP_SOURCE]);
    this.now = options.now ?? (() => performance.now());
  }

  get stats(): QueueStats {
    const bySource: Record<string, number> = {};
    let waiting = 0;
    for (const [source, jobs] of this.waiting) {
      bySource[source] = jobs.length;
      waiting += jobs.length;
    }
    return { running: this.running?.source ?? null, waiting, bySource };
  }

  /** Hears how every generation ended (after its result has settled). */
  onOutcome(listener: (outcome: QueueOutcome) => void): () => void {
    this.outcomeListeners.add(listener);
    return () => this.outcomeListeners.delete(listener);
  }

  /** Queues a generation for `source`. Throws 'busy' synchronously when a bounded source finds the queue full. */
  generate(source: string, request: GenerateRequest, onTokens: OnTokens, options: GenerateOptions = {}): Generation {
    if (!this.unbounded.has(source) && this.boundedWaiting() >= this.maxWaiting) {
      throw new GlassboxError('busy', `The model is busy: ${this.maxWaiting} requests are already waiting. Try again shortly.`);
    }
    let resolve!: (result: GenerateResult) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<GenerateResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const job: Job = { source, request, beforeStart: options.beforeStart ?? null, onTokens, enqueuedAt: this.now(), startedAt: null, stoppedAt: null, inner: null, resolve, reject };
    let jobs = this.waiting.get(source);
    if (!jobs) {
      jobs = [];
      this.waiting.set(source, jobs);
    }
    jobs.push(job);
    this.pump();
    return { result, stop: () => this.stop(job) };
  }

  /** An Engine whose generations are queued under one source; ChatService sees the engine through this. */
  forSource(source: string): Engine {
    const { engine } = this;
    return {
      load: (path: string, options: LoadOptions, onProgress?: (progress: number) => void): Promise<ModelFacts> => engine.load(path, options, onProgress),
      unload: () => engine.unload(),
      generate: (request, onTokens) => this.generate(source, request, onTokens),
      tokenize: (text: string): Promise<TokenPiece[]> => engine.tokenize(text),
      score: (messages: ChatTurn[], topAlternatives: number): Promise<ScoredPrompt> => engine.score(messages, topAlternatives),
      ...(engine.embed ? { embed: engine.embed.bind(engine) } : {}),
      ...(engine.distribution ? { distribution: engine.distribution.bind(engine) } : {}),
      onCrash: (listener) => engine.onCrash(listener),
      get pid() {
        return engine.pid;
      },
      dispose: () => engine.dispose(),
    };
  }

  /** Stops the running generation and empties the queue (shutdown). */
  stopAll(): void {
    for (const jobs of [...this.waiting.values()]) for (const job of [...jobs]) this.stop(job);
    if (this.running) this.stop(this.running);
  }

  private boundedWaiting(): number {
    let n = 0;
    for (const [source, jobs] of this.waiting) if (!this.unbounded.has(source)) n += jobs.length;
    return n;
  }

  private stop(job: Job): void {
    job.stoppedAt ??= this.now();
    if (job === this.running) {
      job.inner?.stop();
      return;
    }
    const jobs = this.waiting.get(job.source);
    const at = jobs?.indexOf(job) ?? -1;
    if (!jobs || at < 0) return;
    jobs.splice(at, 1);
    if (jobs.length === 0) this.dropSource(job.source);
    const waited = this.now() - job.enqueuedAt;
    job.resolve({
      status: 'stopped',
      finishReason: 'cancelled',
      text: '',
      tokens: 0,
      promptTokens: 0,
      evaluatedPromptTokens: 0,
      ttftMs: null,
      tokensPerSecond: null,
      totalMs: waited,
    });
    this.report({ source: job.source, status: 'removed', finishReason: 'cancelled', tokens: 0, waitedMs: waited, ranMs: 0, stopToEndMs: 0 });
  }

  private dropSource(source: string): void {
    this.waiting.delete(source);
  }

  private recordTurn(source: string): void {
    this.lastTurn.delete(source);
    this.lastTurn.set(source, this.turns++);
    // Forget the longest-idle sources that wait for nothing, so clients that came and went do not pile up.
    if (this.lastTurn.size > MAX_REMEMBERED_SOURCES) {
      for (const known of this.lastTurn.keys()) {
        if (this.lastTurn.size <= MAX_REMEMBERED_SOURCES) break;
        if (!this.waiting.has(known)) this.lastTurn.delete(known);
      }
    }
  }

  /**
   * The app's own chat first (the user is waiting, and asks for one answer at a time); between the
   * others round-robin as "least recently served first": the source that had its turn longest ago
   * goes next, a source that never had one goes before all that had, and ties go to the oldest
   * waiting generation. So the app's prompt, however many API clients queued what, runs right
   * after the answer being written now; no client can push ahead of it by looking new.
   */
  private next(): { source: string; jobs: Job[] } | null {
    let best: { source: string; jobs: Job[]; turn: number; since: number } | null = null;
    for (const [source, jobs] of this.waiting) {
      const head = jobs[0];
      if (!head) continue;
      const turn = this.unbounded.has(source) ? -Infinity : (this.lastTurn.get(source) ?? -1);
      if (best === null || turn < best.turn || (turn === best.turn && head.enqueuedAt < best.since)) {
        best = { source, jobs, turn, since: head.enqueuedAt };
      }
    }
    return best;
  }

  /** Starts the next job when the engine is free. */
  private pump(): void {
    if (this.running) return;
    const next = this.next();
    if (next === null) return;
    const { source, jobs } = next;
    const job = jobs.shift();
    if (!job) return this.dropSource(source);
    if (jobs.length === 0) this.dropSource(source);
    this.recordTurn(source);
    this.running = job;
    job.startedAt = this.now();
    let inner: Generation;
    try {
      job.beforeStart?.();
      inner = this.engine.generate(job.request, job.onTokens);
    } catch (error) {
      this.settle(job, null, error);
      return;
    }
    job.inner = inner;
    if (job.stoppedAt !== null) inner.stop();
    inner.result.then(
      (result) => this.settle(job, result, null),
      (error: unknown) => this.settle(job, null, error),
    );
  }

  private settle(job: Job, result: GenerateResult | null, error: unknown): void {
    if (this.running === job) this.running = null;
    const end = this.now();
    const startedAt = job.startedAt ?? end;
    if (result) job.resolve(result);
    else job.reject(error);
    this.report({
      source: job.source,
      status: result ? result.status : 'error',
      finishReason: result?.finishReason ?? null,
      tokens: result?.tokens ?? 0,
      waitedMs: startedAt - job.enqueuedAt,
      ranMs: end - startedAt,
      stopToEndMs: job.stoppedAt === null ? null : end - job.stoppedAt,
    });
    this.pump();
  }

  private report(outcome: QueueOutcome): void {
    for (const listener of this.outcomeListeners) {
      try {
        listener(outcome);
      } catch {
        // A listener's failure must not stall the queue.
      }
    }
  }
}
