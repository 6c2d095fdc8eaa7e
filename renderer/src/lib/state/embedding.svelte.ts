import type { GlassboxClient } from '../../../../electron/contract/api';
import type { EmbeddingStatus } from '../../../../electron/contract/documents';
import type { LocalModel } from '../../../../electron/contract/model-library';
import { defaultEmbeddingModel, EMBEDDING_DECLINED_KEY } from '../documents/default-embedding';
import { describeError } from '../errors';

/** Where the "turned off" choice is kept (the browser's localStorage in the app). */
export interface EmbeddingPreference {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * The embedding model for document search: which one is chosen (persisted by the server), how
 * many passages have its vectors, and the background indexing ('documents.embedding' events).
 */
export class EmbeddingStore {
  status = $state.raw<EmbeddingStatus | null>(null);
  /** The model in the picker ('' for none), applied with use(). */
  draft = $state('');
  /** A model is being loaded and tried, or turned off. */
  choosing = $state(false);
  error = $state<string | null>(null);

  constructor(
    private readonly client: GlassboxClient,
    private readonly preference: EmbeddingPreference = localStorage,
  ) {
    client.on('documents.embedding', (status) => {
      this.status = status;
    });
  }

  /** The fraction of passages with vectors while indexing runs; null otherwise. */
  get progress(): number | null {
    const status = this.status;
    if (status === null || !status.indexing) return null;
    return status.chunks === 0 ? 1 : status.vectors / status.chunks;
  }

  /** Passages still without a vector from the chosen model (0 when none is chosen). */
  get missing(): number {
    const status = this.status;
    if (status === null || status.model === null || status.identity === null) return 0;
    return Math.max(0, status.chunks - status.vectors);
  }

  async refresh(): Promise<void> {
    try {
      this.apply(await this.client.call('documents.embeddingStatus', {}));
      this.error = null;
    } catch (error) {
      this.error = describeError(error);
    }
  }

  /** Chooses the picker's model (or none), then gives the passages already added vectors in the background. */
  async use(): Promise<void> {
    const path = this.draft === '' ? null : this.draft;
    if (path !== null) this.preference.removeItem(EMBEDDING_DECLINED_KEY);
    this.choosing = true;
    this.error = null;
    try {
      this.apply(await this.client.call('documents.setEmbeddingModel', { path }));
    } catch (error) {
      this.error = describeError(error);
      return;
    } finally {
      this.choosing = false;
    }
    if (this.missing > 0) await this.index();
  }

  async turnOff(): Promise<void> {
    this.draft = '';
    this.preference.setItem(EMBEDDING_DECLINED_KEY, '1');
    await this.use();
  }

  /**
   * With no embedding model chosen, uses the first embedding model (bert, nomic-bert, …) in the
   * models folder, unless the user turned document search's model off before.
   */
  async adoptDefault(models: readonly LocalModel[]): Promise<void> {
    if (this.status === null || this.status.model !== null || !this.status.available || this.choosing) return;
    if (this.preference.getItem(EMBEDDING_DECLINED_KEY) !== null) return;
    const model = defaultEmbeddingModel(models);
    if (model === null) return;
    this.draft = model.path;
    await this.use();
  }

  /** Gives every passage without a vector one; progress arrives as events meanwhile. */
  async index(): Promise<void> {
    try {
      this.status = await this.client.call('documents.reindexVectors', {});
    } catch (error) {
      this.error = describeError(error);
    }
  }

  private apply(status: EmbeddingStatus): void {
    this.status = status;
    this.draft = status.model ?? '';
  }
}

const stores = new WeakMap<GlassboxClient, EmbeddingStore>();

/** One store per connection, made on first use. */
export function embeddingFor(client: GlassboxClient): EmbeddingStore {
  let store = stores.get(client);
  if (store === undefined) {
    store = new EmbeddingStore(client);
    stores.set(client, store);
  }
  return store;
}
