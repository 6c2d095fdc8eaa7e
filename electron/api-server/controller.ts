import { randomBytes } from 'node:crypto';
import type { EngineQueue } from '../services/engine-queue';
import { GlassboxError, toWireError } from '../contract/errors';
import type { ModelState } from '../contract/model';
import type { EventHub } from '../contract/rpc';
import type { SecretStore } from '../remote/secrets';
import type { Store } from '../store/store';
import {
  apiServerSettingsSchema,
  DEFAULT_API_SERVER_SETTINGS,
  type ApiRequestLog,
  type ApiServerConfigure,
  type ApiServerConfigureResult,
  type ApiServerSettings,
  type ApiServerStatus,
} from '../contract/api-server';
import { startApiServer, type ApiServer } from './server';

const SETTINGS_KEY = 'apiServer.settings';
/** The local API's key in the secret store (remote endpoints' ids are UUIDs: no clash). */
export const API_KEY_SECRET_ID = 'glassbox:local-api-key';
/** How many requests the API tab lists. */
export const RECENT_REQUESTS = 50;

export interface ApiServerControllerDeps {
  store: Pick<Store, 'getSetting' | 'setSetting'>;
  hub: EventHub;
  queue: EngineQueue;
  modelState: () => ModelState;
  /** Where the API key is kept: the same store as remote endpoints' keys (OS-encrypted, or memory only). */
  secrets: SecretStore;
}

/**
 * The API tab's switch: the settings (saved in the store), the server they describe, and the list
 * of recent requests. Off by default; 127.0.0.1 only unless "allow other computers" is on, which
 * needs an API key (refused without one). The key is kept in the secret store, never in the
 * settings, a status or an event; a key Glassbox creates is answered once, to the caller.
 */
export class ApiServerController {
  private settings: ApiServerSettings;
  private server: ApiServer | null = null;
  private error: string | null = null;
  /** Said until a key is set: an old plain-text key could not be kept. */
  private keyWarning: string | null = null;
  private recent: ApiRequestLog[] = [];
  /** Starts and stops happen one after another, never interleaved. */
  private changing: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(private readonly deps: ApiServerControllerDeps) {
    const saved = readSettings(deps.store.getSetting(SETTINGS_KEY), deps.secrets);
    this.settings = saved.settings;
    this.keyWarning = saved.warning;
    if (saved.rewrite) deps.store.setSetting(SETTINGS_KEY, JSON.stringify(this.settings));
  }

  get status(): ApiServerStatus {
    return {
      settings: this.settings,
      running: this.server !== null,
      baseUrl: this.server?.baseUrl ?? null,
      error: this.error ?? this.keyWarning,
      apiKey: { set: this.key() !== null, storage: this.deps.secrets.kind },
      recent: this.recent,
    };
  }

  private key(): string | null {
    return this.deps.secrets.get(API_KEY_SECRET_ID);
  }

  /** At start-up: brings the server up when the user left it on. Failures become status.error. */
  async restore(): Promise<ApiServerStatus> {
    return this.serialized(() => this.apply());
  }

  /** Changes settings, saves them and (re)starts or stops the server. Refuses a network address without a key. */
  async configure(patch: ApiServerConfigure): Promise<ApiServerConfigureResult> {
    return this.serialized(async () => {
      const { apiKey, createKey, ...changes } = patch;
      const next: ApiServerSettings = { ...this.settings, ...changes };
      const newKey = createKey ? `gb-${randomBytes(24).toString('base64url')}` : null;
      const key = newKey ?? (apiKey === undefined ? this.key() : apiKey);
      if (next.allowNetwork && key === null) {
        throw new GlassboxError('invalid-argument', 'Allowing other computers needs an API key. Set a key (at least 16 characters) first.');
      }
      // Throws (and changes nothing) where the OS offers no encrypted storage.
      if (key === null) this.deps.secrets.delete(API_KEY_SECRET_ID);
      else if (key !== this.key()) this.deps.secrets.set(API_KEY_SECRET_ID, key);
      if (key !== null) this.keyWarning = null;
      this.settings = next;
      this.deps.store.setSetting(SETTINGS_KEY, JSON.stringify(next));
      return { ...(await this.apply()), newKey };
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.serialized(() => this.stopServer());
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.changing.then(task, task);
    this.changing = run.catch(() => undefined);
    return run;
  }

  private async apply(): Promise<ApiServerStatus> {
    await this.stopServer();
    this.error = null;
    if (this.settings.enabled && !this.disposed) {
      const { port, allowNetwork } = this.settings;
      try {
        this.server = await startApiServer({
          queue: this.deps.queue,
          modelState: this.deps.modelState,
          host: allowNetwork ? '0.0.0.0' : '127.0.0.1',
          port,
          apiKey: this.key(),
          onRequest: (entry) => this.record(entry),
        });
      } catch (error) {
        this.error = describeStartError(error, port);
      }
    }
    this.emitStatus();
    return this.status;
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await server.close();
  }

  private record(entry: ApiRequestLog): void {
    this.recent = [entry, ...this.recent].slice(0, RECENT_REQUESTS);
    this.deps.hub.emit('apiServer.request', entry);
  }

  private emitStatus(): void {
    const { recent, ...rest } = this.status;
    void recent;
    this.deps.hub.emit('apiServer.status', rest);
  }
}

/**
 * The saved settings. Versions before the secret store kept the key in them in plain text: it is
 * moved to the secret store and the settings are rewritten without it (`rewrite`); where the OS
 * cannot keep it encrypted it is dropped, and the warning says to set one again.
 */
function readSettings(saved: string | null, secrets: SecretStore): { settings: ApiServerSettings; rewrite: boolean; warning: string | null } {
  const defaults = { settings: DEFAULT_API_SERVER_SETTINGS, rewrite: false, warning: null };
  if (saved === null) return defaults;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(saved) as Record<string, unknown>;
  } catch {
    return defaults;
  }
  const { apiKey: legacyKey, ...rest } = raw;
  let warning: string | null = null;
  if (typeof legacyKey === 'string') {
    try {
      secrets.set(API_KEY_SECRET_ID, legacyKey);
    } catch (error) {
      warning = `The API key saved by an earlier version was removed from the settings, where it was kept in plain text, and could not be kept safely here (${toWireError(error).message}) Set a key again.`;
    }
  }
  const parsed = apiServerSettingsSchema.strip().safeParse({ ...DEFAULT_API_SERVER_SETTINGS, ...rest });
  if (!parsed.success) return { ...defaults, rewrite: legacyKey !== undefined };
  // Never come back listening on the network without a key, whatever was saved.
  const settings = parsed.data.allowNetwork && secrets.get(API_KEY_SECRET_ID) === null ? { ...parsed.data, allowNetwork: false } : parsed.data;
  return { settings, rewrite: legacyKey !== undefined, warning };
}

function describeStartError(error: unknown, port: number): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') return `Port ${port} is already used by another program. Choose another port.`;
  if (code === 'EACCES') return `Glassbox may not listen on port ${port}. Choose a port above 1024.`;
  return toWireError(error).message;
}
