import { describe, expect, it } from 'vitest';
import { APP_SOURCE, EngineQueue } from '../../../electron/services/engine-queue';
import type { GenerateRequest, GenerateResult } from '../../../electron/contract/engine-protocol';
import { isGlassboxError } from '../../../electron/contract/errors';
import { DEFAULT_SAMPLING } from '../../../electron/contract/model';
import type { Engine, Generation } from '../../../electron/engine/engine';

/** An engine that runs one generation at a time, like the real one, and finishes them when told. */
class FakeEngine {
  readonly started: string[] = [];
  current: { label: string; finish: (status?: GenerateResult['status']) => void; stopped: boolean } | null = null;

  readonly engine = {
    generate: (request: GenerateRequest): Generation => {
      if (this.current) throw new Error('the engine refuses a second generation');
      const label = request.messages[0]?.content ?? '';
      this.started.push(label);
      let finish!: (status?: GenerateResult['status']) => void;
      const result = new Promise<GenerateResult>((resolve) => {
        finish = (status = 'complete') => {
          this.current = null;
          resolve({ status, finishReason: status === 'stopped' ? 'cancelled' : 'eog', text: label, tokens: 1, promptTokens: 1, evaluatedPromptTokens: 1, ttftMs: 1, tokensPerSecond: null, totalMs: 1 });
        };
      });
      const current = { label, finish, stopped: false };
      this.current = current;
      return {
        result,
        stop: () => {
          current.stopped = true;
          queueMicrotask(() => finish('stopped'));
        },
      };
    },
  } as unknown as Engine;

  /** Finishes the running generation and lets the queue start the next one. */
  async finishCurrent(): Promise<void> {
    this.current?.finish();
    await new Promise((r) => setTimeout(r, 0));
  }
}

const request = (label: string): GenerateRequest => ({ messages: [{ role: 'user', content: label }], sampling: DEFAULT_SAMPLING, topAlternatives: 10 });

describe('EngineQueue', () => {
  it('runs one generation at a time, taking turns between sources', async () => {
    const fake = new FakeEngine();
    const queue = new EngineQueue(fake.engine);
    const results = ['a1', 'a2', 'a3', 'a4'].map((l) => queue.generate('api:a', request(l), () => {}).result);
    queue.generate('api:b', request('b1'), () => {});
    queue.generate('api:b', request('b2'), () => {});
    const app = queue.forSource(APP_SOURCE).generate(request('app'), () => {});
    expect(queue.stats).toMatchObject({ running: 'api:a', waiting: 6 });
    for (let i = 0; i < 7; i++) await fake.finishCurrent();
    // The app goes first; b had not had a turn, so it goes before a's backlog; then sources alternate.
    expect(fake.started).toEqual(['a1', 'app', 'b1', 'a2', 'b2', 'a3', 'a4']);
    await expect(app.result).resolves.toMatchObject({ status: 'complete' });
    await expect(Promise.all(results)).resolves.toHaveLength(4);
  });

  it('lets the app in right after the running answer, however long the API backlog', async () => {
    const fake = new FakeEngine();
    const queue = new EngineQueue(fake.engine);
    for (let i = 0; i < 20; i++) queue.generate('api:127.0.0.1', request(`api${i}`), () => {});
    await fake.finishCurrent();
    queue.generate(APP_SOURCE, request('app'), () => {});
    await fake.finishCurrent();
    expect(fake.started.slice(0, 3)).toEqual(['api0', 'api1', 'app']);
  });

  it('keeps the app ahead of API sources that keep appearing new, once it has had a turn', async () => {
    const fake = new FakeEngine();
    const queue = new EngineQueue(fake.engine);
    queue.generate(APP_SOURCE, request('app-first'), () => {});
    await fake.finishCurrent();
    // Twenty sources that never had a turn, as twenty addresses (or, before, twenty `user` names) would be.
    for (let i = 0; i < 20; i++) queue.generate(`api:client-${i}`, request(`c${i}`), () => {});
    queue.generate(APP_SOURCE, request('app-second'), () => {});
    await fake.finishCurrent();
    await fake.finishCurrent();
    expect(fake.started.slice(0, 3)).toEqual(['app-first', 'c0', 'app-second']);
  });

  it('fails a generation whose precondition no longer holds when its turn comes, and goes on', async () => {
    const fake = new FakeEngine();
    const queue = new EngineQueue(fake.engine);
    let modelStillThere = true;
    const outcomes: string[] = [];
    queue.onOutcome((o) => outcomes.push(`${o.source}:${o.status}`));
    queue.generate('api:a', request('running'), () => {});
    const bound = queue.generate('api:a', request('bound'), () => {}, {
      beforeStart: () => {
        if (!modelStillThere) throw new Error('its model is gone');
      },
    });
    const failed = bound.result.then(
      () => null,
      (error: unknown) => error,
    );
    queue.generate('api:a', request('next'), () => {});
    modelStillThere = false;
    await fake.finishCurrent();
    expect(await failed).toMatchObject({ message: 'its model is gone' });
    expect(fake.started).toEqual(['running', 'next']);
    expect(outcomes).toEqual(['api:a:complete', 'api:a:error']);
  });

  it('refuses API requests beyond its bound, never the app', () => {
    const fake = new FakeEngine();
    const queue = new EngineQueue(fake.engine, { maxWaiting: 2 });
    for (let i = 0; i < 3; i++) queue.generate('api:x', request(`x${i}`), () => {});
    let refused: unknown = null;
    try {
      queue.generate('api:y', request('y'), () => {});
    } catch (error) {
      refused = error;
    }
    expect(isGlassboxError(refused, 'busy')).toBe(true);
    expect(() => queue.generate(APP_SOURCE, request('app'), () => {})).not.toThrow();
  });

  it('removes a waiting generation on stop, and stops the running one', async () => {
    const fake = new FakeEngine();
    const queue = new EngineQueue(fake.engine);
    const outcomes: string[] = [];
    queue.onOutcome((o) => outcomes.push(`${o.source}:${o.status}`));
    const running = queue.generate('api:a', request('first'), () => {});
    const waiting = queue.generate('api:b', request('second'), () => {});
    waiting.stop();
    await expect(waiting.result).resolves.toMatchObject({ status: 'stopped', tokens: 0 });
    running.stop();
    await expect(running.result).resolves.toMatchObject({ status: 'stopped' });
    await new Promise((r) => setTimeout(r, 0));
    expect(fake.started).toEqual(['first']);
    expect(outcomes).toEqual(['api:b:removed', 'api:a:stopped']);
    expect(queue.stats).toEqual({ running: null, waiting: 0, bySource: {} });
  });
});
