import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChatService } from '../../../electron/services/chat-service';
import { ModelService } from '../../../electron/services/model-service';
import type { AnswerActivity, LoadedModel } from '../../../electron/services/service-ports';
import { DEFAULT_LOAD_OPTIONS } from '../../../electron/contract/engine-protocol';
import { EventHub } from '../../../electron/contract/rpc';
import { EngineHost } from '../../../electron/engine/host';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import { openStore } from '../../../electron/store/sqlite-store';
import type { SqliteStore } from '../../../electron/store/sqlite-store';
import { STORIES_260K } from '../../models';
import { tempDir } from '../store/helpers';

// ModelService and ChatService meet through service-ports.ts: each is built here without the
// other, its port a plain object. The engine is the real one, never started by these refusals.

describe('services built alone through their ports', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: SqliteStore;
  let engine: EngineHost;

  beforeEach(() => {
    dir = tempDir();
    store = openStore(`${dir.dir}/glassbox.sqlite`);
    engine = new EngineHost(createNodeLauncher());
  });

  afterEach(async () => {
    await engine.dispose();
    store.close();
    dir.cleanup();
  });

  it('ModelService refuses to load or unload while its AnswerActivity says an answer is being written', async () => {
    const models = new ModelService(engine, store, new EventHub(), DEFAULT_LOAD_OPTIONS, { isGenerating: true });
    await expect(models.load(STORIES_260K())).rejects.toMatchObject({ kind: 'busy' });
    await expect(models.unload()).rejects.toMatchObject({ kind: 'busy' });
    expect(engine.pid).toBeNull();
  });

  it('ModelService reads the port on every call, not once', async () => {
    const answers: { isGenerating: boolean } & AnswerActivity = { isGenerating: true };
    const models = new ModelService(engine, store, new EventHub(), DEFAULT_LOAD_OPTIONS, answers);
    await expect(models.unload()).rejects.toMatchObject({ kind: 'busy' });
    answers.isGenerating = false;
    await expect(models.unload()).resolves.toBe(false);
  });

  it('ChatService asks its LoadedModel which model is loaded', async () => {
    const model: LoadedModel = { facts: null };
    const chat = new ChatService(engine, store, new EventHub(), model);
    await expect(chat.tokenize('Once upon a time')).rejects.toMatchObject({ kind: 'no-model' });
    expect(chat.isGenerating).toBe(false);
    expect(engine.pid).toBeNull();
  });
});
