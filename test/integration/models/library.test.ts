import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../electron/contract/api';
import { createServices, type Services } from '../../../electron/services/services';
import { createInMemoryClient } from '../../../electron/contract/rpc';
import { ModelService } from '../../../electron/services/model-service';
import { DEFAULT_LOAD_OPTIONS } from '../../../electron/contract/engine-protocol';
import { EngineHost } from '../../../electron/engine/host';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import { startModelServer, type ModelServer } from '../../fixtures/model-server';
import { PROJECT_ROOT, STORIES_260K } from '../../models';

// Runs the built CLI and engine worker (out/main): run `npx electron-vite build` first.

const BIN = join(PROJECT_ROOT, 'bin', 'glassbox.mjs');
let dir = '';
let server: ModelServer;

function glassbox(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Asynchronous: the model server answers from this process's event loop.
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-lib-'));
  server = await startModelServer();
  server.files.set('stories260K.gguf', { bytes: readFileSync(STORIES_260K()) });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('glassbox models', () => {
  it('pulls from the endpoint in GLASSBOX_HF_ENDPOINT and lists the folder as JSON', async () => {
    const models = join(dir, 'cli-models');
    const env = { GLASSBOX_HF_ENDPOINT: server.endpoint };
    const pulled = await glassbox(env, 'models', 'pull', 'hf:karpathy/tinyllamas-GGUF/stories260K.gguf', '--dir', models);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout.trim()).toBe(join(models, 'stories260K.gguf'));
    const listed = await glassbox(env, 'models', 'list', '--json', '--dir', models);
    expect(listed.code, listed.stderr).toBe(0);
    const parsed = JSON.parse(listed.stdout) as { dir: string; models: { fileName: string; architecture: string; layers: number; problem: string | null }[] };
    expect(parsed.dir).toBe(models);
    expect(parsed.models).toEqual([expect.objectContaining({ fileName: 'stories260K.gguf', architecture: 'llama', layers: 5, problem: null })]);
    const missing = await glassbox(env, 'models', 'pull', 'hf:u/r/missing.gguf', '--dir', models);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/\[not-found\].*HTTP 404/);
  });
});

describe('the library through the app contract', () => {
  let services: Services;
  let client: ReturnType<typeof createInMemoryClient>;

  beforeAll(() => {
    services = createServices({
      dataDir: join(dir, 'app'),
      mode: 'web',
      version: 'test',
      engine: new EngineHost(createNodeLauncher({ stderr: 'pipe', onStderr: () => undefined })),
      loadOptions: { threads: 1 },
      hfEndpoint: server.endpoint,
    });
    client = createInMemoryClient(services.router, services.hub);
  });
  afterAll(() => services.dispose());

  it('shows the catalogue offline, with fit and licence, and no request made', async () => {
    const before = server.requests.length;
    const { entries, memory } = await client.call('models.catalogue', {});
    expect(server.requests.length).toBe(before);
    expect(memory.totalRam).toBeGreaterThan(0);
    expect(entries.map((e) => e.id)).toEqual([
      'llama-3.2-1b-instruct',
      'llama-3.2-3b-instruct',
      'qwen2.5-1.5b-instruct',
      'qwen2.5-0.5b-instruct',
      'smollm2-1.7b-instruct',
      'phi-3.5-mini-instruct',
      'gemma-2-2b-it',
    ]);
    expect(entries[0]).toMatchObject({ recommended: true, quantization: 'Q4_K_M', licence: 'Llama 3.2 Community License', sizeExact: false, localPath: null });
    expect(entries[0]?.fit.approximate).toBe(true);
    expect(['gpu', 'partial', 'cpu', 'too-large']).toContain(entries[0]?.fit.verdict);
  });

  it('downloads with progress events, lists, fits, loads with remembered settings, unloads and deletes', async () => {
    const events: EventPayload<'models.download'>[] = [];
    const off = client.on('models.download', (e) => events.push(e));
    const started = await client.call('models.download', { model: 'hf:karpathy/tinyllamas-GGUF/stories260K.gguf' });
    expect(started).toMatchObject({ id: 'stories260K.gguf', status: 'downloading' });
    await services.library.settled();
    off();
    const last = events.at(-1);
    expect(last).toMatchObject({ status: 'done', receivedBytes: readFileSync(STORIES_260K()).length });
    const path = last?.path ?? '';
    expect(existsSync(path)).toBe(true);

    const library = await client.call('models.library', {});
    expect(library.dir).toBe(join(dir, 'app', 'models'));
    expect(library.models).toEqual([expect.objectContaining({ path, architecture: 'llama', layers: 5, trainedContext: 2048 })]);

    const fit = await client.call('models.fit', { path, settings: { contextSize: 1024 } });
    expect(fit.settings).toMatchObject({ contextSize: 1024, gpuLayers: 'auto', threads: 1, flashAttention: 'auto' });
    expect(fit.estimate).toMatchObject({ verdict: 'cpu', contextSize: 1024, kvBytesPerToken: 5 * 4 * (8 + 8) * 2, approximate: false });

    const facts = await client.call('model.load', { path, settings: { contextSize: 1024, batchSize: 128 } });
    expect(facts).toMatchObject({ contextSize: 1024, batchSize: 128, flashAttention: 'auto', totalLayers: 6 });
    // Remembered for this file: a later fit without settings starts from them.
    expect((await client.call('models.fit', { path })).settings).toMatchObject({ contextSize: 1024, batchSize: 128 });

    await expect(client.call('models.delete', { path })).rejects.toMatchObject({ kind: 'busy' });
    expect(await client.call('model.unload', {})).toEqual({ unloaded: true });
    expect(await client.call('model.state', {})).toEqual({ status: 'none' });
    expect(await client.call('models.delete', { path })).toEqual({ deleted: true });
    expect(existsSync(path)).toBe(false);
    await expect(client.call('models.delete', { path: '/etc/passwd' })).rejects.toMatchObject({ kind: 'invalid-argument' });
  });

  it('refuses a load that cannot fit, keeping what was loaded', async () => {
    const path = STORIES_260K();
    await client.call('model.load', { path, settings: { contextSize: 2048 } });
    // The same engine and store, on a machine with 64 MB free: 65,536 tokens of context cannot fit.
    const small = new ModelService(services.engine, services.store, services.hub, { ...DEFAULT_LOAD_OPTIONS, threads: 1 }, { isGenerating: false }, () => ({
      totalRam: 64 * 2 ** 20,
      availableRam: 64 * 2 ** 20,
      gpu: null,
    }));
    const error = await small.load(path, { contextSize: 65536 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: 'model-too-large' });
    expect((error as Error).message).toMatch(/^stories260K\.gguf does not fit: needs about [\d.]+ [GM]B of memory, 64 MB is available\./);
    expect((await client.call('model.state', {})).status).toBe('loaded');
    expect(services.engine.pid).not.toBeNull();
  });
});
