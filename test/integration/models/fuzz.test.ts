import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../electron/services/services';
import { GlassboxError } from '../../../electron/contract/errors';
import type { Engine } from '../../../electron/engine/engine';
import { EngineHost } from '../../../electron/engine/host';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import { kv, writeGguf, type WriterModel } from '../../fixtures/gguf-writer';
import { presetModel } from '../../fixtures/synthetic-models';
import { readGgufHeader } from '../../../electron/inspect/gguf-reader';
import { STORIES_260K } from '../../models';

// Runs the built engine worker (out/main/engine-worker.js): run `npx electron-vite build` first.

/**
 * Bad model files through the app's own load path (ModelService, then the engine process): every one
 * is refused with a clear message, the engine may die but the app does not, and a good model still
 * loads afterwards. Most are stopped by our header check before llama.cpp sees them.
 */

const ALLOWED_KINDS = new Set(['model-invalid', 'model-load-failed', 'engine-crashed', 'model-too-large']);

let dir = '';
let services: Services;
let good = '';
let goodBytes: Buffer;
let headerBytes = 0;
const engineLoads: string[] = [];

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** The engine, counting what reaches it. */
function counting(engine: Engine): Engine {
  return new Proxy(engine, {
    get(target, prop, receiver) {
      if (prop === 'load') {
        return (path: string, ...rest: Parameters<Engine['load']> extends [string, ...infer R] ? R : never) => {
          engineLoads.push(path);
          return target.load(path, ...rest);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-fuzz-'));
  // A real small model (the placeholder vocabulary of synthetic models makes llama.cpp abort on load).
  good = join(dir, 'good.gguf');
  goodBytes = readFileSync(STORIES_260K());
  writeFileSync(good, goodBytes);
  headerBytes = (await readGgufHeader(good)).dataOffset;
  const engine = counting(new EngineHost(createNodeLauncher({ stderr: 'pipe', onStderr: () => undefined })));
  services = createServices({ dataDir: join(dir, 'data'), mode: 'web', version: 'test', engine, loadOptions: { threads: 1 } });
});

afterAll(async () => {
  await services.dispose();
  await rm(dir, { recursive: true, force: true });
});

interface Variant {
  name: string;
  bytes: Buffer;
}

async function modelBytes(model: WriterModel): Promise<Buffer> {
  const path = join(dir, `tmp-${Math.random().toString(36).slice(2)}.gguf`);
  await writeGguf(path, model, { mode: 'data' });
  return readFileSync(path);
}

async function variants(): Promise<Variant[]> {
  const out: Variant[] = [];
  const random = xorshift(20260516);
  // Truncated at many offsets: densely through the header, then through the tensor data.
  for (let i = 0; i < 90; i++) {
    const at = Math.floor((headerBytes * i) / 90);
    out.push({ name: `truncated in header at ${at}`, bytes: goodBytes.subarray(0, at) });
  }
  for (let i = 1; i <= 30; i++) {
    const at = headerBytes + Math.floor(((goodBytes.length - headerBytes) * i) / 31);
    out.push({ name: `truncated in data at ${at}`, bytes: goodBytes.subarray(0, at) });
  }
  // Random files renamed .gguf, some with the right magic.
  for (const size of [0, 1, 3, 4, 7, 8, 24, 100, 1000, 4096, 65536, 300_000]) {
    const bytes = Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256)));
    out.push({ name: `random ${size} bytes`, bytes });
    if (size >= 8) out.push({ name: `random ${size} bytes after GGUF magic`, bytes: Buffer.concat([Buffer.from('GGUF'), bytes.subarray(4)]) });
  }
  // A header claiming 10,000 layers; a zero-length key; no architecture; no tensors.
  const base = presetModel('llama');
  const withMeta = (metadata: WriterModel['metadata']): WriterModel => ({ metadata, tensors: base.tensors });
  out.push({ name: '10,000 layers', bytes: await modelBytes(withMeta(base.metadata.map((m) => (m.key === 'llama.block_count' ? kv.u32(m.key, 10_000) : m)))) });
  out.push({ name: '3 layers declared, 2 present', bytes: await modelBytes(withMeta(base.metadata.map((m) => (m.key === 'llama.block_count' ? kv.u32(m.key, 3) : m)))) });
  out.push({ name: 'zero-length key', bytes: await modelBytes(withMeta([...base.metadata, kv.str('', 'empty')])) });
  out.push({ name: 'no architecture', bytes: await modelBytes(withMeta(base.metadata.filter((m) => m.key !== 'general.architecture'))) });
  out.push({ name: 'no tensors', bytes: await modelBytes({ metadata: base.metadata, tensors: [] }) });
  // Bytes flipped in the header (counts, lengths, types, shapes, strings).
  for (let i = 0; i < 70; i++) {
    const bytes = Buffer.from(goodBytes);
    const flips = 1 + Math.floor(random() * 3);
    for (let f = 0; f < flips; f++) {
      const at = Math.floor(random() * headerBytes);
      bytes[at] = Math.floor(random() * 256);
    }
    out.push({ name: `header bytes flipped #${i}`, bytes });
  }
  return out;
}

describe('bad model files are refused and the app keeps running', () => {
  it('refuses at least 200 damaged variants with clear messages; a good model loads afterwards', async () => {
    const all = await variants();
    expect(all.length).toBeGreaterThanOrEqual(200);
    const started = Date.now();
    const outcomes = new Map<string, number>();
    const unclear: string[] = [];
    let loaded = 0;
    for (const [i, v] of all.entries()) {
      const path = join(dir, `variant-${i}.gguf`);
      writeFileSync(path, v.bytes);
      try {
        await services.models.load(path);
        loaded += 1; // a flipped byte in a string or a weight can leave a loadable model
        outcomes.set('loaded', (outcomes.get('loaded') ?? 0) + 1);
      } catch (error) {
        if (!(error instanceof GlassboxError) || !ALLOWED_KINDS.has(error.kind) || error.message.length < 20) {
          unclear.push(`${v.name}: ${error instanceof GlassboxError ? `[${error.kind}] ` : ''}${String(error instanceof Error ? error.message : error)}`);
        }
        const kind = error instanceof GlassboxError ? error.kind : 'thrown';
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      }
      await rm(path, { force: true });
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `${all.length} variants in ${seconds.toFixed(1)} s: ${JSON.stringify(Object.fromEntries(outcomes))}; ${engineLoads.length} reached the engine`,
    );
    expect(unclear).toEqual([]);
    // The named cases are stopped by the header check, with their reason.
    for (const name of ['10,000 layers', 'zero-length key', 'no architecture', 'random 100 bytes', 'truncated in data at']) {
      const v = all.find((x) => x.name.startsWith(name));
      expect(v).toBeDefined();
    }
    expect(engineLoads.length).toBeLessThan(all.length / 2);
    expect(loaded).toBeLessThan(all.length / 4);

    const facts = await services.models.load(good);
    expect(facts).toMatchObject({ architecture: 'llama', layers: 5 });
    const tokens = await services.engine.tokenize('hello');
    expect(tokens.length).toBeGreaterThan(0);
  }, 120_000);

  it('says why for each named case', async () => {
    const base = presetModel('llama');
    const cases: [string, WriterModel | Buffer, RegExp][] = [
      ['layers', { metadata: base.metadata.map((m) => (m.key === 'llama.block_count' ? kv.u32(m.key, 10_000) : m)), tensors: base.tensors }, /claims 10,000 layers/],
      ['empty-key', { metadata: [...base.metadata, kv.str('', 'x')], tensors: base.tensors }, /metadata key with an empty name/],
      ['random', Buffer.from('this is not a model at all, just text renamed to .gguf'), /is not a GGUF model file/],
      ['truncated', goodBytes.subarray(0, goodBytes.length - 1000), /truncated/],
      ['cut-header', goodBytes.subarray(0, 200), /the file ends inside the GGUF header/],
    ];
    const before = engineLoads.length;
    for (const [name, model, message] of cases) {
      const path = join(dir, `${name}.gguf`);
      if (Buffer.isBuffer(model)) writeFileSync(path, model);
      else writeFileSync(path, await modelBytes(model));
      await expect(services.models.load(path)).rejects.toMatchObject({ kind: 'model-invalid', message: expect.stringMatching(message) as unknown });
    }
    expect(engineLoads.length).toBe(before); // none of them reached llama.cpp
    expect(services.models.current).toMatchObject({ status: 'loaded' }); // the good model is still loaded
  });
});
