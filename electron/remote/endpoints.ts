import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GlassboxError } from '../contract/errors';
import type { ModelDescription } from '../contract/model-description';
import { inspectArchitectureFile } from '../inspect/hf-config';
import type { Store } from '../store/store';
import { type Endpoint, type EndpointSave, LOCAL_ENGINE, type RemoteModelInfo } from '../contract/remote';
import { normalizeBaseUrl } from './http';
import { RemoteEngine } from './remote-engine';
import { listRemoteModels } from './remote-models';
import type { SecretStore } from './secrets';

/** Endpoints (without keys) are one JSON setting; keys live in the SecretStore. */
const ENDPOINTS_SETTING = 'remote.endpoints';

interface StoredEndpoint {
  id: string;
  name: string;
  baseUrl: string;
  model: string;
  contextLength: number | null;
  /** Absent in endpoints saved before the field existed. */
  architectureFile?: string | null;
}

function isStored(value: unknown): value is StoredEndpoint {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    typeof v.name === 'string' &&
    typeof v.baseUrl === 'string' &&
    typeof v.model === 'string' &&
    (v.contextLength === null || typeof v.contextLength === 'number') &&
    (v.architectureFile === undefined || v.architectureFile === null || typeof v.architectureFile === 'string')
  );
}

/** Settings → Engines: add, test, edit and remove remote endpoints, and the engine for each. */
export class EndpointService {
  private readonly engines = new Map<string, RemoteEngine>();
  /** The last description read per endpoint, reused while the file and context length stay the same. */
  private readonly descriptions = new Map<string, { key: string; value: ModelDescription }>();

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
    return {
      ...stored,
      architectureFile: stored.architectureFile ?? null,
      hasApiKey: this.secrets.get(stored.id) !== null,
      keyStorage: this.secrets.kind,
    };
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
      architectureFile: existing?.architectureFile ?? null,
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
    this.descriptions.delete(id);
    return true;
  }

  /**
   * "Architecture from file": keeps the path of the model's .gguf or config.json once it has been
   * read as one (so a wrong file is refused now, not later in the Model tab); null forgets it.
   */
  async setArchitectureFile(id: string, path: string | null): Promise<Endpoint> {
    const found = this.read().find((e) => e.id === id);
    if (!found) throw new GlassboxError('not-found', `No endpoint ${id}.`);
    const file = path === null ? null : resolve(path);
    if (file !== null) await this.describeFile(id, file, found.contextLength);
    else this.descriptions.delete(id);
    // Read again: the file check is asynchronous and the list may have changed meanwhile.
    const all = this.read();
    const current = all.find((e) => e.id === id);
    if (!current) throw new GlassboxError('not-found', `No endpoint ${id}.`);
    const stored: StoredEndpoint = { ...current, architectureFile: file };
    this.write(all.map((e) => (e.id === id ? stored : e)));
    return this.view(stored);
  }

  /** The architecture from the endpoint's file, KV cache sized for the server's context when known; null without a file. */
  async architecture(id: string): Promise<ModelDescription | null> {
    const found = this.read().find((e) => e.id === id);
    if (!found) throw new GlassboxError('not-found', `No endpoint ${id}.`);
    if (!found.architectureFile) return null;
    return this.describeFile(id, found.architectureFile, found.contextLength);
  }

  private async describeFile(id: string, path: string, contextLength: number | null): Promise<ModelDescription> {
    let changed = '';
    try {
      const info = await stat(path);
      changed = `${info.size}:${info.mtimeMs}`;
    } catch {
      // inspectArchitectureFile says what is wrong with the path.
    }
    const key = `${path}\n${changed}\n${contextLength ?? ''}`;
    const cached = this.descriptions.get(id);
    if (cached?.key === key && changed !== '') return cached.value;
    const value = await inspectArchitectureFile(path, contextLength === null ? {} : { contextLength });
    this.descriptions.set(id, { key, value });
    return value;
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
