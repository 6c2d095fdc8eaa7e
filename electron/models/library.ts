import { mkdirSync } from 'node:fs';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { GlassboxError, toWireError } from '../contract/errors';
import type { EventHub } from '../contract/rpc';
import { describeModel } from '../inspect/describe';
import { readGgufHeader } from '../inspect/gguf-reader';
import type { Store } from '../store/store';
import { CATALOGUE, catalogueShape, type CatalogueModel } from './catalogue';
import type { CatalogueEntry, DownloadState, LibraryState, LoadSettings, LocalModel, MachineMemory } from '../contract/model-library';
import { DEFAULT_LOAD_SETTINGS } from '../contract/model-library';
import { downloadFile, partPath, resolveModelUri, type DownloadProgress } from './downloader';
import { estimateFit } from './fit';
import { modelPathInside } from './model-file-name';
import { headerProblem } from './precheck';

const DIR_SETTING = 'models.dir';

/** The .gguf files in a folder (and one level of sub-folders), each described from its header. */
export async function listModels(dir: string): Promise<LocalModel[]> {
  const files: string[] = [];
  const visit = async (folder: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory() && depth < 1) await visit(path, depth + 1);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.gguf')) files.push(path);
    }
  };
  await visit(dir, 0);
  const models = await Promise.all(files.map((path) => describeLocal(path)));
  return models.sort((a, b) => a.fileName.localeCompare(b.fileName));
}

export async function describeLocal(path: string): Promise<LocalModel> {
  const info = await stat(path);
  const base: LocalModel = {
    path,
    fileName: basename(path),
    sizeBytes: info.size,
    modifiedMs: info.mtimeMs,
    architecture: null,
    name: null,
    parameters: null,
    quantization: null,
    layers: null,
    trainedContext: null,
    problem: null,
  };
  try {
    const header = await readGgufHeader(path);
    const problem = headerProblem(header);
    if (problem !== null) return { ...base, problem };
    const d = describeModel(header);
    return {
      ...base,
      architecture: d.architecture,
      name: d.name,
      parameters: d.parameters,
      quantization: d.fileType ?? d.dominantType,
      layers: d.layers,
      trainedContext: d.contextLength,
    };
  } catch (error) {
    return { ...base, problem: toWireError(error).message };
  }
}

export interface PullOptions {
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  endpoint?: string;
  expectedSize?: number | null;
  sha256?: string | null;
}

/** Downloads a model URI into a folder, resuming a partial file, and checks the result's header. */
export async function pullModel(uri: string, dir: string, options: PullOptions = {}): Promise<{ path: string; bytes: number; seconds: number; resumedFrom: number; verified: boolean }> {
  const { url, fileName } = options.endpoint !== undefined ? resolveModelUri(uri, options.endpoint) : resolveModelUri(uri);
  mkdirSync(dir, { recursive: true });
  const dest = await modelPathInside(dir, fileName, uri);
  if (await exists(dest)) {
    // Already downloaded (a finished download is renamed into place only after it was checked).
    const local = await describeLocal(dest);
    if (local.problem === null) return { path: dest, bytes: local.sizeBytes, seconds: 0, resumedFrom: local.sizeBytes, verified: false };
  }
  const result = await downloadFile({
    url,
    dest,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    expectedSize: options.expectedSize ?? null,
    sha256: options.sha256 ?? null,
  });
  const local = await describeLocal(dest);
  if (local.problem !== null) {
    await rm(dest, { force: true });
    throw new GlassboxError('model-invalid', `The downloaded file is not a usable model and was deleted: ${local.problem}`);
  }
  return { path: dest, bytes: result.bytes, seconds: result.seconds, resumedFrom: result.resumedFrom, verified: result.verified };
}

export interface LibraryDeps {
  store: Store;
  hub: EventHub;
  dataDir: string;
  memory: () => MachineMemory;
  /** The path of the loaded model: it may not be deleted. */
  loadedPath: () => string | null;
  /** The Hugging Face endpoint; tests point it at a local server. */
  endpoint?: string;
}

/** The models folder, the first-run catalogue and downloads; emits 'models.download' as they progress. */
export class ModelLibrary {
  private readonly downloads = new Map<string, { state: DownloadState; abort: AbortController; done: Promise<void> }>();

  constructor(private readonly deps: LibraryDeps) {}

  get dir(): string {
    return this.deps.store.getSetting(DIR_SETTING) ?? join(this.deps.dataDir, 'models');
  }

  async setDir(dir: string): Promise<LibraryState> {
    if (!isAbsolute(dir)) throw new GlassboxError('invalid-argument', 'Choose the models folder by its full path, for example /home/me/models.');
    const path = resolve(dir);
    try {
      mkdirSync(path, { recursive: true });
    } catch (error) {
      throw new GlassboxError('invalid-argument', `Cannot use ${path} as the models folder: ${(error as Error).message}`, { cause: error });
    }
    this.deps.store.setSetting(DIR_SETTING, path);
    return this.state();
  }

  async state(): Promise<LibraryState> {
    return { dir: this.dir, models: await listModels(this.dir), downloads: [...this.downloads.values()].map((d) => d.state) };
  }

  async catalogue(settings: LoadSettings = DEFAULT_LOAD_SETTINGS): Promise<{ memory: MachineMemory; entries: CatalogueEntry[] }> {
    const memory = this.deps.memory();
    const entries = await Promise.all(
      CATALOGUE.map(async (model): Promise<CatalogueEntry> => {
        const path = join(this.dir, model.fileName);
        const complete = await exists(path);
        const partial = complete ? 0 : await sizeOrZero(partPath(path));
        return {
          id: model.id,
          name: model.name,
          uri: model.uri,
          fileName: model.fileName,
          sizeBytes: model.sizeBytes,
          sizeExact: model.sizeExact,
          sha256: model.sha256,
          parameters: model.parameters,
          quantization: model.quantization,
          licence: model.licence,
          description: model.description,
          recommended: model.recommended,
          trainedContext: model.shape.trainedContext ?? 0,
          localPath: complete ? path : null,
          partialBytes: partial,
          fit: estimateFit(catalogueShape(model), settings, memory, true),
        };
      }),
    );
    return { memory, entries };
  }

  /** Starts a download (a catalogue id or a model URI) and returns at once; progress comes as events. */
  download(idOrUri: string): DownloadState {
    const model: CatalogueModel | undefined = CATALOGUE.find((m) => m.id === idOrUri || m.uri === idOrUri);
    const uri = model?.uri ?? idOrUri;
    const { fileName } = resolveModelUri(uri, this.deps.endpoint ?? 'https://invalid.example');
    const running = this.downloads.get(fileName);
    if (running && (running.state.status === 'downloading' || running.state.status === 'verifying')) return running.state;
    const abort = new AbortController();
    const state: DownloadState = {
      id: fileName,
      uri,
      fileName,
      status: 'downloading',
      receivedBytes: 0,
      totalBytes: model && model.sizeExact ? model.sizeBytes : null,
      bytesPerSecond: 0,
      secondsLeft: null,
      resumedFrom: 0,
      path: null,
      error: null,
    };
    const entry = { state, abort, done: Promise.resolve() };
    const update = (patch: Partial<DownloadState>): void => {
      entry.state = { ...entry.state, ...patch };
      this.deps.hub.emit('models.download', entry.state);
    };
    this.downloads.set(fileName, entry);
    entry.done = pullModel(uri, this.dir, {
      signal: abort.signal,
      ...(this.deps.endpoint !== undefined ? { endpoint: this.deps.endpoint } : {}),
      expectedSize: model?.sizeExact ? model.sizeBytes : null,
      sha256: model?.sha256 ?? null,
      onProgress: (p) => {
        update({ ...p, status: p.totalBytes !== null && p.receivedBytes >= p.totalBytes ? 'verifying' : 'downloading' });
      },
    }).then(
      (result) => update({ status: 'done', path: result.path, receivedBytes: result.bytes, totalBytes: result.bytes, secondsLeft: 0 }),
      (error: unknown) => {
        const wire = toWireError(error);
        update({ status: wire.kind === 'cancelled' ? 'cancelled' : 'error', error: wire.message, bytesPerSecond: 0, secondsLeft: null });
      },
    );
    this.deps.hub.emit('models.download', state);
    return state;
  }

  cancel(id: string): boolean {
    const entry = this.downloads.get(id);
    if (!entry || (entry.state.status !== 'downloading' && entry.state.status !== 'verifying')) return false;
    entry.abort.abort();
    return true;
  }

  /** Resolves when every running download has ended (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.downloads.values()].map((d) => d.done));
  }

  cancelAll(): void {
    for (const id of this.downloads.keys()) this.cancel(id);
  }

  /** Deletes a model file (and its partial download) from the models folder. */
  async delete(path: string): Promise<boolean> {
    const target = resolve(path);
    const rel = relative(this.dir, target);
    if (rel.startsWith('..') || isAbsolute(rel) || !target.toLowerCase().endsWith('.gguf')) {
      throw new GlassboxError('invalid-argument', `Only .gguf files in the models folder (${this.dir}) can be deleted from here.`);
    }
    if (this.deps.loadedPath() === target) throw new GlassboxError('busy', `${basename(target)} is loaded. Unload it before deleting it.`);
    if (this.downloads.get(basename(target))?.state.status === 'downloading') this.cancel(basename(target));
    const existed = await exists(target);
    await rm(target, { force: true });
    await rm(partPath(target), { force: true });
    if (dirname(target) !== this.dir) {
      // A sub-folder the download made, now empty, can go too; a non-empty one stays.
      await rmdir(dirname(target)).catch(() => undefined);
    }
    return existed;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function sizeOrZero(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
