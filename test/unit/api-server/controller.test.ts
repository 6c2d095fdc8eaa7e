import { mkdtempSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SafeStorage } from 'electron';
import { describe, expect, it } from 'vitest';
import { EngineQueue } from '../../../electron/services/engine-queue';
import { API_KEY_SECRET_ID, ApiServerController } from '../../../electron/api-server/controller';
import { prepareChat, toSampling } from '../../../electron/api-server/requests';
import { chatCompletionRequestSchema } from '../../../electron/api-server/openai-schema';
import { ApiError } from '../../../electron/api-server/errors';
import { isGlassboxError } from '../../../electron/contract/errors';
import type { ModelFacts } from '../../../electron/contract/model';
import { EventHub } from '../../../electron/contract/rpc';
import type { Engine } from '../../../electron/engine/engine';
import { SafeStorageSecrets } from '../../../electron/main/safe-storage-secrets';
import { MemorySecrets, type SecretStore } from '../../../electron/remote/secrets';
import { freePort } from '../../fixtures/free-port';

function memoryStore() {
  const values = new Map<string, string>();
  return { getSetting: (key: string) => values.get(key) ?? null, setSetting: (key: string, value: string) => void values.set(key, value) };
}

const controllerWith = (store: ReturnType<typeof memoryStore>, hub = new EventHub(), secrets: SecretStore = new MemorySecrets()) =>
  new ApiServerController({ store, hub, queue: new EngineQueue({} as Engine), modelState: () => ({ status: 'none' }), secrets });

/** GET /v1/models on a fresh connection (the server restarts between calls; a pooled socket would be cut). */
function modelsStatus(port: number, key?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = key === undefined ? {} : { Authorization: `Bearer ${key}` };
    httpGet({ host: '127.0.0.1', port, path: '/v1/models', agent: false, headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

/**
 * Electron's safeStorage as SafeStorageSecrets sees it (the real one needs Electron and a
 * keychain): a reversible stand-in cipher, or no encryption at all.
 */
function fakeSafeStorage(available: boolean): SafeStorage {
  const facade: Pick<SafeStorage, 'isEncryptionAvailable' | 'getSelectedStorageBackend' | 'encryptString' | 'decryptString'> = {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => (available ? 'gnome_libsecret' : 'basic_text'),
    encryptString: (text) => Buffer.from([...Buffer.from(text, 'utf8')].map((b) => b ^ 0x5a)),
    decryptString: (sealed) => Buffer.from([...sealed].map((b) => b ^ 0x5a)).toString('utf8'),
  };
  return facade as SafeStorage;
}

describe('ApiServerController', () => {
  it('is off by default, starts on 127.0.0.1 when enabled, and remembers it', async () => {
    const store = memoryStore();
    const hub = new EventHub();
    const events: string[] = [];
    hub.subscribe((e) => events.push(e.name));
    const controller = controllerWith(store, hub);
    expect(controller.status).toMatchObject({ running: false, settings: { enabled: false, allowNetwork: false }, apiKey: { set: false, storage: 'memory' } });
    const port = await freePort();
    const status = await controller.configure({ enabled: true, port });
    expect(status).toMatchObject({ running: true, baseUrl: `http://127.0.0.1:${port}/v1`, error: null });
    expect(events).toContain('apiServer.status');
    const response = await fetch(`http://127.0.0.1:${port}/v1/models`);
    expect(await response.json()).toEqual({ object: 'list', data: [] });
    expect(controller.status.recent[0]).toMatchObject({ method: 'GET', path: '/v1/models', status: 200 });
    await controller.dispose();

    const again = controllerWith(store);
    expect(again.status.settings).toMatchObject({ enabled: true, port });
    expect((await again.restore()).running).toBe(true);
    await again.dispose();
  });

  it('refuses other computers without an API key, and reports a busy port in words', async () => {
    const controller = controllerWith(memoryStore());
    const refused = await controller.configure({ allowNetwork: true }).catch((e: unknown) => e);
    expect(isGlassboxError(refused, 'invalid-argument')).toBe(true);
    expect(controller.status.settings.allowNetwork).toBe(false);

    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const status = await controller.configure({ enabled: true, port });
      expect(status.running).toBe(false);
      expect(status.error).toMatch(/already used/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      await controller.dispose();
    }
  });
});

describe('the local API key', () => {
  it('is created by Glassbox, answered once, required, and never in the settings, a status or an event', async () => {
    const store = memoryStore();
    const hub = new EventHub();
    const events: unknown[] = [];
    hub.subscribe((e) => events.push(e));
    const secrets = new MemorySecrets();
    const controller = controllerWith(store, hub, secrets);
    const port = await freePort();
    try {
      const created = await controller.configure({ enabled: true, port, createKey: true });
      const key = created.newKey ?? '';
      expect(key.length).toBeGreaterThanOrEqual(16);
      expect(created).toMatchObject({ running: true, apiKey: { set: true, storage: 'memory' } });
      expect(secrets.get(API_KEY_SECRET_ID)).toBe(key);
      expect(await modelsStatus(port)).toBe(401);
      expect(await modelsStatus(port, key)).toBe(200);

      const later = await controller.configure({ port });
      expect(later.newKey).toBeNull();
      expect(later.apiKey.set).toBe(true);
      expect(events.length).toBeGreaterThan(0);
      for (const leak of [JSON.stringify(events), JSON.stringify(controller.status), JSON.stringify(later), store.getSetting('apiServer.settings') ?? '']) {
        expect(leak).not.toContain(key);
      }
      // A key of the user's own, then none.
      expect((await controller.configure({ apiKey: 'my-own-key-0123456789' })).apiKey.set).toBe(true);
      expect(secrets.get(API_KEY_SECRET_ID)).toBe('my-own-key-0123456789');
      expect((await controller.configure({ apiKey: null })).apiKey.set).toBe(false);
      expect(await modelsStatus(port)).toBe(200);
    } finally {
      await controller.dispose();
    }
  });

  it('is kept encrypted through safeStorage in the desktop app, and refused where the OS cannot encrypt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-api-key-'));
    const file = join(dir, 'endpoint-keys.json');
    const controller = controllerWith(memoryStore(), new EventHub(), new SafeStorageSecrets(fakeSafeStorage(true), file));
    const { newKey, apiKey } = await controller.configure({ createKey: true });
    expect(apiKey).toEqual({ set: true, storage: 'encrypted' });
    expect(readFileSync(file, 'utf8')).not.toContain(newKey ?? 'missing');
    expect(new SafeStorageSecrets(fakeSafeStorage(true), file).get(API_KEY_SECRET_ID)).toBe(newKey);

    const store = memoryStore();
    const plain = controllerWith(store, new EventHub(), new SafeStorageSecrets(fakeSafeStorage(false), join(dir, 'other.json')));
    const refused = await plain.configure({ apiKey: 'my-own-key-0123456789', enabled: true }).catch((e: unknown) => e);
    expect(isGlassboxError(refused, 'invalid-argument')).toBe(true);
    expect(plain.status).toMatchObject({ running: false, settings: { enabled: false }, apiKey: { set: false } });
    expect(store.getSetting('apiServer.settings')).toBeNull();
  });

  it('moves a key an earlier version saved in plain text into the secret store', () => {
    const store = memoryStore();
    const legacy = 'legacy-key-0123456789abcdef';
    store.setSetting('apiServer.settings', JSON.stringify({ enabled: false, port: 8427, allowNetwork: true, apiKey: legacy }));
    const secrets = new MemorySecrets();
    const controller = controllerWith(store, new EventHub(), secrets);
    expect(secrets.get(API_KEY_SECRET_ID)).toBe(legacy);
    expect(store.getSetting('apiServer.settings')).not.toContain(legacy);
    expect(controller.status).toMatchObject({ settings: { allowNetwork: true }, apiKey: { set: true }, error: null });

    // Where it cannot be kept safely it is dropped, the network is off, and the user is told.
    const again = memoryStore();
    again.setSetting('apiServer.settings', JSON.stringify({ enabled: false, port: 8427, allowNetwork: true, apiKey: legacy }));
    const unsafe = controllerWith(again, new EventHub(), new SafeStorageSecrets(fakeSafeStorage(false), join(mkdtempSync(join(tmpdir(), 'gb-api-key-')), 'k.json')));
    expect(again.getSetting('apiServer.settings')).not.toContain(legacy);
    expect(unsafe.status).toMatchObject({ settings: { allowNetwork: false }, apiKey: { set: false } });
    expect(unsafe.status.error).toMatch(/Set a key again/);
  });
});

describe('OpenAI requests → engine requests', () => {
  const facts = { fileName: 'm.gguf', path: '/m.gguf', contextSize: 2048 } as ModelFacts;
  const body = (extra: Record<string, unknown>) => chatCompletionRequestSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra });

  it('uses OpenAI’s defaults and asks for at least ten alternatives', () => {
    const prepared = prepareChat(body({ logprobs: true, top_logprobs: 20 }), facts);
    expect(prepared.request.sampling).toMatchObject({ temperature: 1, topP: 1, minP: 0, topK: 40, seed: null, maxTokens: 2048 });
    expect(prepared.request.topAlternatives).toBe(20);
    expect(prepareChat(body({ logprobs: true, top_logprobs: 3 }), facts).request.topAlternatives).toBe(10);
    expect(prepareChat(body({ logprobs: true, top_logprobs: 3 }), facts).logprobs).toEqual({ top: 3 });
  });

  it('maps seeds, top_p 0 and message roles, and refuses what it cannot do', () => {
    expect(toSampling({ seed: -1 }, 5).seed).toBe(2 ** 32 - 1);
    expect(toSampling({ seed: 2 ** 40 + 3 }, 5).seed).toBe(3);
    expect(toSampling({ top_p: 0, temperature: 1 }, 5)).toMatchObject({ temperature: 0, topP: 1 });
    const turns = prepareChat(body({ messages: [{ role: 'developer', content: [{ type: 'text', text: 'be brief' }] }, { role: 'user', content: 'hi' }] }), facts).request.messages;
    expect(turns).toEqual([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }]);
    const refusals = [{ n: 2 }, { top_logprobs: 2 }, { tools: [{}] }, { presence_penalty: 1 }, { messages: [{ role: 'tool', content: 'x' }] }];
    for (const extra of refusals) {
      let error: unknown = null;
      try {
        prepareChat(body(extra), facts);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(extra)).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(400);
    }
  });
});
