import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LoadOptions } from '../contract/engine-protocol';
import { GlassboxError, toWireError } from '../contract/errors';
import type { ModelFacts, ModelState } from '../contract/model';
import type { EventHub } from '../contract/rpc';
import type { Engine } from '../engine/engine';
import type { Store } from '../store/store';
import { inspectGguf } from '../inspect/describe';
import type { ModelDescription } from '../inspect/description';

const LAST_MODEL_SETTING = 'model.lastPath';
/** Progress events are throttled: a renderer needs a smooth bar, not thousands of messages. */
const PROGRESS_STEP = 0.01;

/** Which model is loaded, and the load itself; the single source of the 'model.state' event. */
export class ModelService {
  private state: ModelState = { status: 'none' };
  private loading: Promise<ModelFacts> | null = null;
  private description: { key: string; value: ModelDescription } | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly hub: EventHub,
    private readonly loadOptions: LoadOptions,
    private readonly isBusy: () => boolean,
  ) {}

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

  async load(requested: string): Promise<ModelFacts> {
    if (this.loading) throw new GlassboxError('busy', 'A model is already loading. Wait for it to finish.');
    if (this.isBusy()) throw new GlassboxError('busy', 'An answer is being written. Stop it before loading another model.');
    const path = resolve(requested);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new GlassboxError('not-found', `No model file at ${path}. Check the path and try again.`);
    }
    this.loading = this.runLoad(path);
    try {
      return await this.loading;
    } finally {
      this.loading = null;
    }
  }

  private async runLoad(path: string): Promise<ModelFacts> {
    let lastSent = -1;
    this.setState({ status: 'loading', path, progress: 0 });
    try {
      const facts = await this.engine.load(path, this.loadOptions, (progress) => {
        if (progress - lastSent >= PROGRESS_STEP || progress >= 1) {
          lastSent = progress;
          this.setState({ status: 'loading', path, progress: Math.min(1, Math.max(0, progress)) });
        }
      });
      this.store.setSetting(LAST_MODEL_SETTING, path);
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
