import { describe, expect, it, vi } from 'vitest';
import { CALL_NAMES, calls } from '../../../electron/contract/api';
import { GlassboxError } from '../../../electron/contract/errors';
import { createInMemoryClient, EventHub, Router, type Handlers } from '../../../electron/contract/rpc';

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  const refuse = async (): Promise<never> => {
    throw new GlassboxError('internal', 'not used in this test');
  };
  const base = Object.fromEntries(CALL_NAMES.map((name) => [name, refuse])) as unknown as Handlers;
  return { ...base, ...overrides };
}

describe('Router', () => {
  it('refuses a call name that is not in the contract', async () => {
    const router = new Router(handlers());
    expect(await router.dispatch('fs.readFile', {})).toEqual({
      ok: false,
      error: { kind: 'unknown-call', message: 'Unknown call: fs.readFile' },
    });
    expect((await router.dispatch(42, {})).ok).toBe(false);
    expect((await router.dispatch('__proto__', {})).ok).toBe(false);
    expect((await router.dispatch('constructor', {})).ok).toBe(false);
  });

  it('validates arguments before the handler runs', async () => {
    const load = vi.fn(async () => {
      throw new Error('must not run');
    });
    const router = new Router(handlers({ 'model.load': load }));
    for (const bad of [{}, { path: '' }, { path: 7 }, { path: 'x', extra: true }, null, 'text', [1]]) {
      const result = await router.dispatch('model.load', bad);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.kind).toBe('invalid-argument');
    }
    expect(load).not.toHaveBeenCalled();
  });

  it('passes typed errors through and marks unexpected ones internal', async () => {
    const router = new Router(
      handlers({
        'conversations.get': async () => {
          throw new GlassboxError('not-found', 'No such conversation.');
        },
        'conversations.list': async () => {
          throw new TypeError('boom');
        },
      }),
    );
    expect(await router.dispatch('conversations.get', { id: 'x' })).toEqual({
      ok: false,
      error: { kind: 'not-found', message: 'No such conversation.' },
    });
    expect(await router.dispatch('conversations.list', {})).toEqual({ ok: false, error: { kind: 'internal', message: 'boom' } });
  });

  it('has an argument schema and a result schema for every call', () => {
    for (const name of CALL_NAMES) {
      expect(calls[name].args).toBeDefined();
      expect(calls[name].result).toBeDefined();
    }
  });
});

describe('in-memory transport', () => {
  it('round-trips calls, typed errors and events through JSON', async () => {
    const hub = new EventHub();
    const router = new Router(
      handlers({
        'conversations.create': async ({ title }) => ({ id: 'c1', title: title ?? 'New chat', createdAt: 1, updatedAt: 2, pinned: false }),
        'conversations.get': async () => {
          throw new GlassboxError('not-found', 'gone');
        },
      }),
    );
    const client = createInMemoryClient(router, hub);
    expect(await client.call('conversations.create', { title: 'Hello' })).toEqual({
      id: 'c1',
      title: 'Hello',
      createdAt: 1,
      updatedAt: 2,
      pinned: false,
    });
    await expect(client.call('conversations.get', { id: 'c1' })).rejects.toMatchObject({ kind: 'not-found', message: 'gone' });

    const received: string[] = [];
    const off = client.on('engine.crashed', (payload) => received.push(payload.message));
    hub.emit('engine.crashed', { message: 'first' });
    await new Promise((r) => setTimeout(r, 0));
    off();
    hub.emit('engine.crashed', { message: 'second' });
    await new Promise((r) => setTimeout(r, 0));
    expect(received).toEqual(['first']);
    client.close();
  });

  it('fails pending calls when the connection is lost', async () => {
    const router = new Router(handlers({ 'conversations.list': () => new Promise(() => {}) }));
    const client = createInMemoryClient(router, new EventHub());
    const pending = client.call('conversations.list', {});
    client.failPending({ kind: 'internal', message: 'Connection lost.' });
    await expect(pending).rejects.toBeInstanceOf(GlassboxError);
  });
});
