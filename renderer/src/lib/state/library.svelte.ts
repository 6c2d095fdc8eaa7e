import type { GlassboxClient } from '../../../../electron/contract/api';
import type {
  CatalogueEntry,
  DownloadState,
  FitEstimate,
  LibraryState as Library,
  LoadSettings,
  LocalModel,
  MachineMemory,
} from '../../../../electron/contract/model-library';
import { DEFAULT_LOAD_SETTINGS } from '../../../../electron/contract/default-load-settings';
import { describeError } from '../errors';
import type { ModelStore } from './model.svelte';

/** Context sizes offered in the load settings (the model's trained context caps them). */
export const CONTEXT_CHOICES = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072] as const;

/**
 * The model library: the first-run catalogue, downloads (progress from 'models.download' events),
 * the models folder, and the load settings of the model chosen in the path field with their fit
 * estimate. Nothing here touches the network; only a download the user starts does, on the server.
 */
export class LibraryStore {
  catalogue = $state.raw<CatalogueEntry[]>([]);
  memory = $state.raw<MachineMemory | null>(null);
  library = $state.raw<Library | null>(null);
  downloads = $state.raw<Record<string, DownloadState>>({});
  /** Settings for the next load of `settingsPath`, and what they would need. */
  settings = $state<LoadSettings>({ ...DEFAULT_LOAD_SETTINGS });
  settingsPath = $state<string | null>(null);
  estimate = $state.raw<FitEstimate | null>(null);
  fitError = $state<string | null>(null);
  error = $state<string | null>(null);
  /** The folder field (applied with saveDir()). */
  dirDraft = $state('');

  private fitTimer: ReturnType<typeof setTimeout> | null = null;
  private fitRequest = 0;

  constructor(
    private readonly client: GlassboxClient,
    private readonly model: ModelStore,
  ) {
    client.on('models.download', (state) => {
      this.downloads = { ...this.downloads, [state.id]: state };
      if (state.status === 'done') void this.refresh();
    });
  }

  get models(): LocalModel[] {
    return this.library?.models ?? [];
  }

  get activeDownloads(): DownloadState[] {
    return Object.values(this.downloads).filter((d) => d.status === 'downloading' || d.status === 'verifying');
  }

  downloadFor(fileName: string): DownloadState | null {
    return this.downloads[fileName] ?? null;
  }

  async refresh(): Promise<void> {
    try {
      const [catalogue, library] = await Promise.all([this.client.call('models.catalogue', {}), this.client.call('models.library', {})]);
      this.catalogue = catalogue.entries;
      this.memory = catalogue.memory;
      this.library = library;
      if (!this.dirDraft) this.dirDraft = library.dir;
      for (const d of library.downloads) this.downloads = { ...this.downloads, [d.id]: d };
      this.error = null;
    } catch (error) {
      this.error = describeError(error);
    }
  }

  async download(model: string): Promise<void> {
    try {
      const state = await this.client.call('models.download', { model });
      this.downloads = { ...this.downloads, [state.id]: state };
      this.error = null;
    } catch (error) {
      this.error = describeError(error);
    }
  }

  async cancel(id: string): Promise<void> {
    try {
      await this.client.call('models.cancelDownload', { id });
    } catch (error) {
      this.error = describeError(error);
    }
  }

  async remove(path: string): Promise<void> {
    try {
      await this.client.call('models.delete', { path });
      await this.refresh();
    } catch (error) {
      this.error = describeError(error);
    }
  }

  async saveDir(): Promise<void> {
    try {
      this.library = await this.client.call('models.setDir', { dir: this.dirDraft.trim() });
      this.dirDraft = this.library.dir;
      const catalogue = await this.client.call('models.catalogue', {});
      this.catalogue = catalogue.entries;
      this.error = null;
    } catch (error) {
      this.error = describeError(error);
    }
  }

  /** Reads a model's remembered settings and their fit (when the path changes). */
  async choose(path: string): Promise<void> {
    const trimmed = path.trim();
    if (!trimmed || trimmed === this.settingsPath) return;
    this.settingsPath = trimmed;
    await this.runFit(trimmed, undefined);
  }

  /** The path field no longer names a .gguf file: no settings or estimate are shown for the previous one. */
  forget(): void {
    this.settingsPath = null;
    this.estimate = null;
    this.fitError = null;
    this.fitRequest++;
  }

  /** Settings changed in the form: re-estimate shortly after the last change. */
  changed(): void {
    if (this.fitTimer !== null) clearTimeout(this.fitTimer);
    const path = this.settingsPath;
    if (path === null) return;
    this.fitTimer = setTimeout(() => void this.runFit(path, $state.snapshot(this.settings)), 150);
  }

  private async runFit(path: string, settings: LoadSettings | undefined): Promise<void> {
    const request = ++this.fitRequest;
    try {
      const result = await this.client.call('models.fit', { path, ...(settings ? { settings } : {}) });
      if (request !== this.fitRequest) return;
      if (!settings) this.settings = { ...result.settings };
      this.estimate = result.estimate;
      this.memory = result.memory;
      this.fitError = null;
    } catch (error) {
      if (request !== this.fitRequest) return;
      this.estimate = null;
      this.fitError = describeError(error);
    }
  }

  /**
   * The one way the window loads a model (the panel's Load button, the library's, a dropped file):
   * with the Load settings form's values when they were read for that file, so what the form shows
   * is what is loaded and remembered.
   */
  async load(path: string): Promise<void> {
    const trimmed = path.trim();
    const settings = trimmed !== '' && trimmed === this.settingsPath ? $state.snapshot(this.settings) : undefined;
    this.model.path = trimmed;
    await this.model.load(trimmed, settings);
  }
}

const stores = new WeakMap<GlassboxClient, LibraryStore>();

/** One library store per connection, made on first use by any component that shows it. */
export function libraryFor(model: ModelStore): LibraryStore {
  let store = stores.get(model.client);
  if (store === undefined) {
    store = new LibraryStore(model.client, model);
    stores.set(model.client, store);
  }
  return store;
}
