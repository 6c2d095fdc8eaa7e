import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostedSecrets } from '../../../electron/services/host-protocol';
import { API_KEY_SECRET_ID } from '../../../electron/api-server/controller';
import { ServicesProcess } from '../../../electron/services/services-process';
import type { WireEvent } from '../../../electron/contract/wire';
import { messagePair, type Pair } from './services-host-pair';
import { tempDir } from '../store/helpers';

// The services host and the main process's side of it, over an in-memory message pair (each
// message goes through a structured clone, as between processes): the real services in a temp
// folder, no Electron. test/integration/services/off-main.test.ts runs the same over a real fork.

let dir: string;
let cleanup: () => void;
const running: ServicesProcess[] = [];
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(async () => {
  for (const services of running.splice(0)) await services.dispose();
  cleanup();
});

function start(pair: Pair, hosted: Partial<HostedSecrets> = {}, kept: Array<[string, string | null]> = []): ServicesProcess {
  const services = new ServicesProcess({
    host: pair.host,
    launchWorker: () => {
      throw new Error('no worker is needed here');
    },
    options: { dataDir: join(dir, 'data'), mode: 'web', version: 'test', modelPath: null },
    secrets: {
      hosted: { kind: 'encrypted', canStore: true, refusal: 'No keyring here.', entries: {}, ...hosted },
      set: (id, secret) => kept.push([id, secret]),
      delete: (id) => kept.push([id, null]),
    },
    log: () => {},
  });
  running.push(services);
  return services;
}

describe('the services host', () => {
  it('answers calls and pushes events as the in-process services do', async () => {
    const services = start(messagePair());
    const events: WireEvent[] = [];
    services.subscribe((event) => events.push(event));
    const created = await services.dispatch('conversations.create', { title: 'Hosted' });
    expect(created).toMatchObject({ ok: true, value: { title: 'Hosted' } });
    expect(await services.dispatch('conversations.list', {})).toMatchObject({ ok: true, value: [{ title: 'Hosted' }] });
    expect(await services.dispatch('conversations.get', { id: 'nope' })).toMatchObject({ ok: false, error: { kind: 'not-found' } });
    expect(await services.dispatch('no.such.call', {})).toMatchObject({ ok: false, error: { kind: 'unknown-call' } });
    await services.dispatch('apiServer.configure', { enabled: false });
    expect(events.some((event) => event.name === 'apiServer.status')).toBe(true);
  });

  it('keeps API keys through the main process: a new key is sent to it, and refused where it cannot be kept safely', async () => {
    const kept: Array<[string, string | null]> = [];
    const services = start(messagePair(), {}, kept);
    const made = await services.dispatch('apiServer.configure', { createKey: true });
    expect(made.ok).toBe(true);
    const newKey = made.ok ? (made.value as { newKey: string }).newKey : '';
    await expect.poll(() => kept).toEqual([[API_KEY_SECRET_ID, newKey]]);

    const refusing = start(messagePair(), { canStore: false });
    expect(await refusing.dispatch('apiServer.configure', { createKey: true })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-argument', message: 'No keyring here.' },
    });
  });

  it('starts with the keys the main process hands over', async () => {
    const services = start(messagePair(), { entries: { [API_KEY_SECRET_ID]: 'gb-kept-key-0123456789' } });
    const status = await services.dispatch('apiServer.status', {});
    expect(status).toMatchObject({ ok: true, value: { apiKey: { set: true } } });
  });

  it('fails every call in flight, and later ones, with a typed error when the host ends', async () => {
    const pair = messagePair();
    const services = start(pair);
    await services.ready;
    const inFlight = services.dispatch('conversations.list', {});
    pair.exit(1);
    const stopped = { ok: false, error: { kind: 'internal', message: expect.stringMatching(/services stopped/) } };
    expect(await inFlight).toMatchObject(stopped);
    expect(await services.dispatch('conversations.list', {})).toMatchObject(stopped);
  });
});
