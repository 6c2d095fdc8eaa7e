import { describe, expect, it } from 'vitest';
import type { GlassboxBridge } from '../../../electron/contract/bridge';
import { GlassboxError } from '../../../electron/contract/glassbox-error';
import type { WireEvent } from '../../../electron/contract/wire';
import { clientFromBridge } from '../../../renderer/src/lib/client/bridge';

/** A preload bridge that answers calls from a table and lets the test send events. */
function fakeBridge(answers: Record<string, Awaited<ReturnType<GlassboxBridge['call']>>>): { bridge: GlassboxBridge; emit(event: WireEvent): void } {
  let listener: ((event: WireEvent) => void) | null = null;
  const bridge: GlassboxBridge = {
    call: (name) => Promise.resolve(answers[name] ?? { ok: false, error: { kind: 'internal', message: `no answer for ${name}` } }),
    onEvent: (l) => {
      listener = l;
      return () => (listener = null);
    },
    pathForFile: () => '',
  };
  return { bridge, emit: (event) => listener?.(event) };
}

describe('clientFromBridge (the Electron renderer client)', () => {
  it('hands each event to the listeners of its name until they unsubscribe', () => {
    const { bridge, emit } = fakeBridge({});
    const client = clientFromBridge(bridge);
    const seen: unknown[] = [];
    const off = client.on('conversations.changed', (payload) => seen.push(payload));
    emit({ type: 'event', name: 'conversations.changed', payload: { n: 1 } });
    emit({ type: 'event', name: 'chat.end', payload: { n: 2 } });
    off();
    emit({ type: 'event', name: 'conversations.changed', payload: { n: 3 } });
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('returns values and throws typed errors, with a stand-in for a malformed one', async () => {
    const { bridge } = fakeBridge({
      'app.info': { ok: true, value: { version: 'x' } },
      'chat.stop': { ok: false, error: { kind: 'busy', message: 'Still writing.' } },
      'chat.send': { ok: false, error: 'garbage' },
    } as unknown as Record<string, Awaited<ReturnType<GlassboxBridge['call']>>>);
    const client = clientFromBridge(bridge);
    await expect(client.call('app.info', {} as never)).resolves.toEqual({ version: 'x' });
    const busy = await client.call('chat.stop', { conversationId: 'c' }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(GlassboxError);
    expect(busy).toMatchObject({ kind: 'busy', message: 'Still writing.' });
    await expect(client.call('chat.send', { conversationId: 'c', text: 't' })).rejects.toMatchObject({ kind: 'internal', message: 'Malformed error from the server' });
  });
});
