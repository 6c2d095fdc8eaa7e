import type { GlassboxClient } from '../../../../electron/contract/api';
import type { ModelFacts, ModelState } from '../../../../electron/contract/model';
import type { LoadSettings } from '../../../../electron/contract/model-library';
import { describeError, describeErrorKind } from '../errors';
import { PLAIN_TEXT_TEMPLATE } from '../../../../electron/contract/chat-template';

const LAST_PATH_KEY = 'glassbox.modelPath';

/** The engine's model: what is loaded, loading progress, and loading by path. */
export class ModelStore {
  state = $state.raw<ModelState>({ status: 'none' });
  /** The path in the text field. */
  path = $state('');
  /** A load failure, in words for the user; cleared when a new load starts. */
  loadError = $state<string | null>(null);
  /** Set while our own model.load call is in flight (the state event may lag behind). */
  requested = $state(false);
  /** The file loadError is about: once the path field names another, that error is stale and not shown. */
  private errorPath = $state<string | null>(null);

  constructor(readonly client: GlassboxClient) {
    this.path = localStorage.getItem(LAST_PATH_KEY) ?? '';
    client.on('model.state', (state) => this.apply(state));
  }

  get facts(): ModelFacts | null {
    return this.state.status === 'loaded' ? this.state.facts : null;
  }

  /** A model without a chat template continues text instead of answering turns ("Continue the text" mode). */
  get continuesText(): boolean {
    return this.facts?.chatTemplate === PLAIN_TEXT_TEMPLATE;
  }

  /** The load error for the file in the path field, or null (an error about another file is stale). */
  get shownError(): string | null {
    return this.loadError !== null && (this.errorPath === null || this.errorPath === this.path.trim()) ? this.loadError : null;
  }

  get loaded(): boolean {
    return this.state.status === 'loaded';
  }

  get loading(): boolean {
    return this.state.status === 'loading' || this.requested;
  }

  /** Loading progress 0–100, or null when not loading. */
  get progress(): number | null {
    if (this.state.status === 'loading') return Math.round(this.state.progress * 100);
    return this.requested ? 0 : null;
  }

  async refresh(): Promise<void> {
    try {
      this.apply(await this.client.call('model.state', {}));
    } catch (error) {
      this.loadError = describeError(error);
    }
  }

  /** Loads a model; `settings` (context size, GPU layers, ...) are remembered for that file by the server. */
  async load(path = this.path, settings?: Partial<LoadSettings>): Promise<void> {
    const trimmed = path.trim();
    if (!trimmed) {
      this.loadError = 'Type the full path of a .gguf file first, for example /home/me/models/model.gguf.';
      return;
    }
    this.path = trimmed;
    this.loadError = null;
    this.requested = true;
    try {
      const facts = await this.client.call('model.load', { path: trimmed, ...(settings ? { settings } : {}) });
      localStorage.setItem(LAST_PATH_KEY, trimmed);
      this.state = { status: 'loaded', facts };
    } catch (error) {
      this.loadError = describeError(error);
      this.errorPath = trimmed;
    } finally {
      this.requested = false;
    }
  }

  /** Unloads the model, freeing its memory; the engine stays ready. */
  async unload(): Promise<void> {
    try {
      await this.client.call('model.unload', {});
      this.state = { status: 'none' };
    } catch (error) {
      this.loadError = describeError(error);
    }
  }

  private apply(state: ModelState): void {
    this.state = state;
    if (state.status === 'loaded') {
      this.loadError = null;
      if (!this.path) this.path = state.facts.path;
    }
    if (state.status === 'error') {
      this.loadError = describeErrorKind(state.kind, state.message);
      this.errorPath = state.path;
    }
  }
}
