import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostedSecrets } from '../../../electron/services/host-protocol';
import type { ServicesProcess } from '../../../electron/services/services-process';
import { API_KEY_SECRET_ID } from '../../../electron/api-server/controller';
import type { EngineProcessHandle } from '../../../electron/engine/launcher';
import { launchServices } from '../../../electron/main/services-launch';
import { MemorySecrets } from '../../../electron/remote/secrets';
import { STORIES_260K } from '../../models';
import { messagePair } from '../services/services-host-pair';
import { tempDir } from '../store/helpers';

// The Electron shell's wiring of the services host (main/services-launch.ts), through its injected
// facades: which built file runs in which utilityProcess, and where the API keys go.

/** The keychain-backed store, in memory, with what SafeStorageSecrets hands the host at start. */
class KeptSecrets extends MemorySecrets {
  forHost(): HostedSecrets {
    return { kind: 'memory', canStore: true, refusal: '', entries: { [API_KEY_SECRET_ID]: 'gb-kept-before-0123456789' } };
  }
}

/** A utilityProcess that ends as soon as it starts (a worker whose binary is missing). */
function endsAtOnce(): EngineProcessHandle<object> {
  const exits: Array<(code: number | null, signal: string | null) => void> = [];
  setImmediate(() => exits.forEach((listener) => listener(1, null)));
  return { pid: null, send: () => {}, onMessage: () => {}, onExit: (listener) => exits.push(listener), kill: () => {} };
}

let dir: string;
let cleanup: () => void;
let services: ServicesProcess | null = null;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(async () => {
  await services?.dispose();
  services = null;
  cleanup();
});

describe('launching the services host from the Electron shell', () => {
  it('runs out/main/services-host.js, and starts the workers it asks for from out/main as utility processes', async () => {
    const forked: Array<[string, string, string]> = [];
    const secrets = new KeptSecrets();
    services = launchServices({
      outMain: '/app/out/main',
      fork: (path, serviceName, environment) => {
        forked.push([path, serviceName, environment]);
        return path.endsWith('services-host.js') ? messagePair().host : endsAtOnce();
      },
      secrets,
      dataDir: join(dir, 'data'),
      version: '1.2.3',
      modelPath: null,
    });
    expect(await services.dispatch('app.info', {})).toMatchObject({ ok: true, value: { mode: 'electron', version: '1.2.3' } });
    // A real model file, so the engine is started; this one's process ends at once, and the load says so.
    const load = await services.dispatch('model.load', { path: STORIES_260K() });
    expect(load).toMatchObject({ ok: false });
    expect(forked).toEqual([
      [join('/app/out/main', 'services-host.js'), 'Glassbox services', 'services'],
      [join('/app/out/main', 'engine-worker.js'), 'Glassbox engine', 'worker'],
    ]);
  });

  it('hands the host the keys kept in the keychain, and keeps the keys it makes there', async () => {
    const secrets = new KeptSecrets();
    services = launchServices({
      outMain: '/app/out/main',
      fork: () => messagePair().host,
      secrets,
      dataDir: join(dir, 'data'),
      version: '1.2.3',
      modelPath: null,
    });
    expect(await services.dispatch('apiServer.status', {})).toMatchObject({ ok: true, value: { apiKey: { set: true } } });
    const made = await services.dispatch('apiServer.configure', { createKey: true });
    const newKey = made.ok ? (made.value as { newKey: string }).newKey : 'none';
    await expect.poll(() => secrets.get(API_KEY_SECRET_ID)).toBe(newKey);
  });
});
