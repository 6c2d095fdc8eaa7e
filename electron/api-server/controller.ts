import type { EngineQueue } from '../app/engine-queue';
import { GlassboxError, toWireError } from '../contract/errors';
import type { ModelState } from '../contract/model';
import type { EventHub } from '../contract/rpc';
import type { Store } from '../store/store';
import {
  apiServerSettingsSchema,
  DEFAULT_API_SERVER_SETTINGS,
  type ApiRequestLog,
  type ApiServerConfigure,
  type ApiServerSettings,
  type ApiServerStatus,
} from '../contract/api-server';
import { startApiServer, type ApiServer } from './server';

const SETTINGS_KEY = 'apiServer.settings';
/** How many requests the API tab lists. */
export const RECENT_REQUESTS = 50;

export interface ApiServerControllerDeps {
  store: Pick<Store, 'getSetting' | 'setSetting'>;
  hub: EventHub;
  queue: EngineQueue;
  modelState: () => ModelState;
}

/**
 * The API tab's switch: the settings (saved in the store), the server they describe, and the list
 * of recent requests. Off by default; 127.0.0.1 only unless "allow other computers" is on, which
 * needs an API key (refused without one).
 */
export class ApiServerController {
  private settings: ApiServerSettings;
  private server: ApiServer | null = null;
  private error: string | null = null;
  private recent: ApiRequestLog[] = [];
  /** Starts and stops happen one after another, never interleaved. */
  private changing: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(private readonly deps: ApiServerControllerDeps) {
    this.settings = readSettings(deps.store.getSetting(SETTINGS_KEY));
  }

  get status(): ApiServerStatus {
    return {
      settings: this.settings,
      running: this.server !== null,
      baseUrl: this.server?.baseUrl ?? null,
      error: this.error,
      recent: this.recent,
    };
  }

  /** At start-up: brings the server up when the user left it on. Failures become status.error. */
  async restore(): Promise<ApiServerStatus> {
    return this.serialized(() => this.apply());
  }

  /** Changes settings, saves them and (re)starts or stops the server. Refuses a network address without a key. */
  async configure(patch: ApiServerConfigure): Promise<ApiServerStatus> {
    return this.serialized(async () => {
      const next: ApiServerSettings = { ...this.settings, ...patch };
      if (next.allowNetwork && next.apiKey === null) {
        throw new GlassboxError('invalid-argument', 'Allowing other computers needs an API key. Set a key (at least 16 characters) first.');
      }
      this.settings = next;
      this.deps.store.setSetting(SETTINGS_KEY, JSON.stringify(next));
      return this.apply();
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
      const { port, allowNetwork, apiKey } = this.settings;
      try {
        this.server = await startApiServer({
          queue: this.deps.queue,
          modelState: this.deps.modelState,
          host: allowNetwork ? '0.0.0.0' : '127.0.0.1',
          port,
          apiKey,
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

function readSettings(saved: string | null): ApiServerSettings {
  if (saved === null) return DEFAULT_API_SERVER_SETTINGS;
  try {
    const parsed = apiServerSettingsSchema.safeParse({ ...DEFAULT_API_SERVER_SETTINGS, ...(JSON.parse(saved) as object) });
    if (!parsed.success) return DEFAULT_API_SERVER_SETTINGS;
    // Never come back listening on the network without a key, whatever was saved.
    return parsed.data.allowNetwork && parsed.data.apiKey === null ? { ...parsed.data, allowNetwork: false } : parsed.data;
  } catch {
    return DEFAULT_API_SERVER_SETTINGS;
  }
}

function describeStartError(error: unknown, port: number): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') return `Port ${port} is already used by another program. Choose another port.`;
  if (code === 'EACCES') return `Glassbox may not listen on port ${port}. Choose a port above 1024.`;
  return toWireError(error).message;
}
