import { randomUUID } from 'node:crypto';
import { GlassboxError } from '../contract/errors';
import type { Store } from '../store/store';
import { type Endpoint, type EndpointSave, LOCAL_ENGINE, type RemoteModelInfo } from './contract';
import { normalizeBaseUrl } from './http';
import { listRemoteModels, RemoteEngine } from './remote-engine';
import type { SecretStore } from './secrets';

/** Endpoints (without keys) are one JSON setting; keys live in the SecretStore. */
const ENDPOINTS_SETTING = 'remote.endpoints';

interface StoredEndpoint {
  id: string;
  name: string;
  baseUrl: string;
  model: string;
  contextLength: number | null;
}

function isStored(value: unknown): value is StoredEndpoint {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    typeof v.name === 'string' &&
    typeof v.baseUrl === 'string' &&
    typeof v.model === 'string' &&
    (v.contextLength === null || typeof v.contextLength === 'number')
  );
}

/** Settings → Engines: add, test, edit and remove remote endpoints, and the engine for each. */
export class EndpointService {
  private readonly engines = new Map<string, RemoteEngine>();

  constructor(
    private readonly store: Pick<Store, 'getSetting' | 'setSetting'>,
    private readonly secrets: SecretStore,
  ) {}

  private read(): StoredEndpoint[] {
    const text = this.store.getSetting(ENDPOINTS_SETTING);
    if (text === null) return [];
    try {
      const parsed = JSON.parse(text) as unknown;
      return Array.isArray(parsed) ? parsed.filter(isStored) : [];
    } catch {
      return [];
    }
  }

  private write(endpoints: StoredEndpoint[]): void {
    this.store.setSetting(ENDPOINTS_SETTING, JSON.stringify(endpoints));
  }

  private view(stored: StoredEndpoint): Endpoint {
    return { ...stored, hasApiKey: this.secrets.get(stored.id) !== null, keyStorage: this.secrets.kind };
  }

  list(): Endpoint[] {
    return this.read().map((e) => this.view(e));
  }

  get(id: string): Endpoint | null {
    const found = this.read().find((e) => e.id === id);
    return found ? this.view(found) : null;
  }

  save(input: EndpointSave): Endpoint {
    const all = this.read();
    const baseUrl = normalizeBaseUrl(input.baseUrl);
    const existing = input.id === undefined ? undefined : all.find((e) => e.id === input.id);
    if (input.id !== undefined && !existing) throw new GlassboxError('not-found', `No endpoint ${input.id}.`);
    if (input.id === LOCAL_ENGINE) throw new GlassboxError('invalid-argument', `'${LOCAL_ENGINE}' names the local engine.`);
    const id = existing?.id ?? randomUUID();
    const stored: StoredEndpoint = {
      id,
      name: input.name.trim(),
      baseUrl,
      model: input.model.trim(),
      contextLength: input.contextLength === undefined ? (existing?.contextLength ?? null) : input.contextLength,
    };
    // The key first: if it cannot be kept safely, nothing changes.
    if (input.apiKey !== undefined && input.apiKey !== null) this.secrets.set(id, input.apiKey);
    if (input.apiKey === null) this.secrets.delete(id);
    this.write(existing ? all.map((e) => (e.id === id ? stored : e)) : [...all, stored]);
    this.forget(id);
    return this.view(stored);
  }

  remove(id: string): boolean {
    const all = this.read();
    if (!all.some((e) => e.id === id)) return false;
    this.write(all.filter((e) => e.id !== id));
    this.secrets.delete(id);
    this.forget(id);
    return true;
  }

  /** "Connect and list models": GET /models with the given key (or the saved one). */
  async test(input: { baseUrl: string; apiKey?: string | undefined; id?: string | undefined }): Promise<RemoteModelInfo[]> {
    const baseUrl = normalizeBaseUrl(input.baseUrl);
    const apiKey = input.apiKey ?? (input.id === undefined ? null : this.secrets.get(input.id));
    return listRemoteModels({ baseUrl, apiKey });
  }

  /** The engine for an endpoint id; throws not-found when it was removed. */
  engine(id: string): RemoteEngine {
    const cached = this.engines.get(id);
    if (cached) return cached;
    const stored = this.read().find((e) => e.id === id);
    if (!stored) {
      throw new GlassboxError('not-found', 'The remote engine this conversation used was removed. Choose another engine in the chat header.');
    }
    const engine = new RemoteEngine({ ...stored, apiKey: () => this.secrets.get(id) });
    this.engines.set(id, engine);
    return engine;
  }

  /** The next answer uses the new settings; one being written finishes with the old ones. */
  private forget(id: string): void {
    this.engines.delete(id);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.engines.values()].map((e) => e.dispose()));
    this.engines.clear();
  }
}
