import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { LoadOptions } from '../contract/engine-protocol';
import { GlassboxError, toWireError } from '../contract/errors';
import type { ModelFacts, ModelState } from '../contract/model';
import type { EventHub } from '../contract/rpc';
import type { Engine } from '../engine/engine';
import type { Store } from '../store/store';
import { inspectGguf } from '../inspect/describe';
import type { ModelDescription } from '../contract/model-description';
import { DEFAULT_LOAD_SETTINGS, loadSettingsSchema, type FitEstimate, type LoadSettings, type MachineMemory } from '../contract/model-library';
import { estimateFit, shapeFromDescription } from '../models/fit';
import { machineMemory, type GpuReport } from '../models/memory';
import { precheckModel } from '../models/precheck';
import type { AnswerActivity } from './service-ports';

const LAST_MODEL_SETTING = 'model.lastPath';
/** Per-model load settings are remembered under this prefix plus the file's path. */
const SETTINGS_PREFIX = 'model.settings:';
/** Progress events are throttled: a renderer needs a smooth bar, not thousands of messages. */
const PROGRESS_STEP = 0.01;

/** Which model is loaded, and the load itself; the single source of the 'model.state' event. */
export class ModelService {
  private state: ModelState = { status: 'none' };
  private loading: Promise<ModelFacts> | null = null;
  private description: { key: string; value: ModelDescription } | null = null;
  /** The loaded model's fit estimate: what unloading it gives back to the next load. */
  private loadedEstimate: FitEstimate | null = null;
  /** The GPU as the engine last reported it (VRAM is only known after a load on a GPU backend). */
  private gpu: GpuReport | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly hub: EventHub,
    private readonly loadOptions: LoadOptions,
    private readonly answers: AnswerActivity,
    /** Memory for the fit check; tests pass a fixed machine. */
    private readonly memoryProbe: (releasableRam: number, gpu: GpuReport | null) => MachineMemory = machineMemory,
  ) {}

  /** Memory a new load may use: what is free now plus what unloading the current model gives back. */
  memory(): MachineMemory {
    const loaded = this.loadedEstimate;
    const gpu = this.gpu && loaded ? { ...this.gpu, modelVram: loaded.vramBytes } : this.gpu;
    return this.memoryProbe(loaded?.ramBytes ?? 0, gpu);
  }

  /** The remembered load settings of a model file (defaults where nothing was chosen). */
  settingsFor(path: string): LoadSettings {
    const base: LoadSettings = { ...DEFAULT_LOAD_SETTINGS, threads: this.loadOptions.threads, contextSize: this.loadOptions.contextSize };
    const raw = this.store.getSetting(SETTINGS_PREFIX + resolve(path));
    if (raw === null) return base;
    try {
      const parsed = loadSettingsSchema.partial().safeParse(JSON.parse(raw));
      return parsed.success ? { ...base, ...stripUndefined(parsed.data) } : base;
    } catch {
      return base;
    }
  }

  /**
   * Reads the header (refusing a corrupt file) and estimates the memory a load with these settings
   * needs, without loading anything.
   */
  async fit(requested: string, settings: Partial<LoadSettings> = {}): Promise<{ settings: LoadSettings; estimate: FitEstimate; description: ModelDescription }> {
    const path = resolve(requested);
    const chosen = { ...this.settingsFor(path), ...stripUndefined(settings) };
    const description = await precheckModel(path);
    const estimate = estimateFit(shapeFromDescription(description), chosen, this.memory());
    return { settings: chosen, estimate, description };
  }

  /** Unloads the model (the engine keeps running); the state becomes 'none'. */
  async unload(): Promise<boolean> {
    if (this.loading) throw new GlassboxError('busy', 'A model is loading. Wait for it to finish.');
    if (this.answers.isGenerating) throw new GlassboxError('busy', 'An answer is being written. Stop it before unloading the model.');
    if (this.state.status !== 'loaded') return false;
    await this.engine.unload();
    this.loadedEstimate = null;
    this.description = null;
    this.setState({ status: 'none' });
    return true;
  }

  get current(): ModelState {
    return this.state;
  }

  get facts(): ModelFacts | null {
    return this.state.status === 'loaded' ? this.state.facts : null;
  }

  /** The loaded model's description from its GGUF header; cached, since the file does not change while loaded. */
  async inspect(): Promise<ModelDescription> {
    const facts = this.facts;
    if (!facts) throw new GlassboxError('no-model', 'No model is loaded. Load a GGUF model to see its architecture.');
    const key = `${facts.path}#${facts.contextSize}`;
    if (this.description?.key !== key) {
      this.description = { key, value: await inspectGguf(facts.path, { contextLength: facts.contextSize }) };
    }
    return this.description.value;
  }

  lastPath(): string | null {
    return this.store.getSetting(LAST_MODEL_SETTING);
  }

  /**
   * Loads a model. Its header is read first with our own reader, so a corrupt or truncated file is
   * refused ('model-invalid') before llama.cpp sees it, and the memory it needs is estimated, so a
   * load that would exhaust memory is refused ('model-too-large') while the current model stays.
   * Settings given here are remembered for this file once it loads.
   */
  async load(requested: string, settings: Partial<LoadSettings> = {}): Promise<ModelFacts> {
    if (this.loading) throw new GlassboxError('busy', 'A model is already loading. Wait for it to finish.');
    if (this.answers.isGenerating) throw new GlassboxError('busy', 'An answer is being written. Stop it before loading another model.');
    const path = resolve(requested);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new GlassboxError('not-found', `No model file at ${path}. Check the path and try again.`);
    }
    const run = async (): Promise<ModelFacts> => {
      const { settings: chosen, estimate } = await this.fit(path, settings);
      if (estimate.verdict === 'too-large') throw new GlassboxError('model-too-large', `${basename(path)} ${lowerFirst(estimate.summary)}`);
      return this.runLoad(path, chosen, estimate);
    };
    this.loading = run();
    try {
      return await this.loading;
    } finally {
      this.loading = null;
    }
  }

  private async runLoad(path: string, settings: LoadSettings, estimate: FitEstimate): Promise<ModelFacts> {
    let lastSent = -1;
    this.setState({ status: 'loading', path, progress: 0 });
    this.loadedEstimate = null;
    const options: LoadOptions = {
      ...this.loadOptions,
      threads: settings.threads,
      contextSize: settings.contextSize,
      gpuLayers: settings.gpuLayers,
      batchSize: settings.batchSize,
      flashAttention: settings.flashAttention,
    };
    try {
      const facts = await this.engine.load(path, options, (progress) => {
        if (progress - lastSent >= PROGRESS_STEP || progress >= 1) {
          lastSent = progress;
          this.setState({ status: 'loading', path, progress: Math.min(1, Math.max(0, progress)) });
        }
      });
      this.store.setSetting(LAST_MODEL_SETTING, path);
      this.store.setSetting(SETTINGS_PREFIX + path, JSON.stringify(settings));
      this.loadedEstimate = estimate;
      if (facts.vram !== undefined && facts.gpu !== 'cpu') {
        this.gpu = { backend: facts.gpu, devices: facts.gpuDevices ?? [], totalVram: facts.vram.total, freeVram: facts.vram.free, modelVram: 0 };
      }
      this.setState({ status: 'loaded', facts });
      return facts;
    } catch (error) {
      const wire = toWireError(error);
      this.setState({ status: 'error', path, kind: wire.kind, message: wire.message });
      throw error;
    }
  }

  private setState(state: ModelState): void {
    this.state = state;
    this.hub.emit('model.state', state);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function lowerFirst(text: string): string {
  return text.length > 0 ? text[0]!.toLowerCase() + text.slice(1) : text;
}
