import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GgmlType } from '../../../electron/inspect/ggml-types';
import { downloadFile, partPath, resolveModelUri, type DownloadProgress } from '../../../electron/models/downloader';
import { listModels, pullModel } from '../../../electron/models/library';
import { writeGguf } from '../../fixtures/gguf-writer';
import { glassboxErrorOf } from '../../fixtures/glassbox-error-of';
import { startModelServer, type ModelServer } from '../../fixtures/model-server';
import { decoderModel, presetModel, PRESETS } from '../../fixtures/synthetic-models';

const URI = 'hf:test-user/tiny-GGUF/tiny-llama-F32.gguf';
let dir = '';
let fixture: Buffer;
let server: ModelServer;
let n = 0;

/** A fresh download folder per test. */
function folder(): string {
  n += 1;
  return join(dir, `dl-${n}`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-dl-'));
  // A real little model (random weights) with more layers, so the body is a few hundred KB.
  const path = join(dir, 'fixture.gguf');
  await writeGguf(path, decoderModel({ ...PRESETS.llama, layers: 8, embedding: 128, feedForward: 256 }), { mode: 'data' });
  fixture = readFileSync(path);
  server = await startModelServer();
  server.files.set('tiny-llama-F32.gguf', { bytes: fixture });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  server.behaviour = {};
  server.requests.length = 0;
});

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('model URIs', () => {
  it('resolves hf: URIs against the endpoint like node-llama-cpp', () => {
    expect(resolveModelUri('hf:bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf', 'https://huggingface.co')).toEqual({
      url: 'https://huggingface.co/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct-Q4_K_M.gguf',
      fileName: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    });
    expect(resolveModelUri('hf:u/r/sub/m é.gguf#dev'.replace(' ', '_'), 'http://127.0.0.1:9').url).toBe('http://127.0.0.1:9/u/r/resolve/dev/sub/m_%C3%A9.gguf');
    expect(() => resolveModelUri('hf:user/repo')).toThrow(/not a model address/);
  });
});

describe('downloads from a local server', () => {
  it('downloads a model completely, verifies its sha256 and reports progress', async () => {
    const target = folder();
    const progress: DownloadProgress[] = [];
    const result = await pullModel(URI, target, { endpoint: server.endpoint, onProgress: (p) => progress.push(p) });
    expect(result.bytes).toBe(fixture.length);
    expect(result.verified).toBe(true);
    expect(sha(readFileSync(result.path))).toBe(sha(fixture));
    expect(existsSync(partPath(result.path))).toBe(false);
    expect(progress.at(-1)).toMatchObject({ receivedBytes: fixture.length, totalBytes: fixture.length, resumedFrom: 0 });
    const received = progress.map((p) => p.receivedBytes);
    expect([...received].sort((a, b) => a - b)).toEqual(received);
    const [model] = await listModels(target);
    expect(model).toMatchObject({ fileName: 'tiny-llama-F32.gguf', architecture: 'llama', layers: 8, quantization: 'F32', problem: null });
    expect(server.requests[0]?.url).toBe('/test-user/tiny-GGUF/resolve/main/tiny-llama-F32.gguf');
    // Pulling it again is answered from the folder, without a request.
    const again = await pullModel(URI, target, { endpoint: server.endpoint });
    expect(again).toMatchObject({ path: result.path, seconds: 0 });
    expect(server.requests.length).toBe(1);
  });

  it('resumes an interrupted download with a range request', async () => {
    const target = folder();
    const cut = Math.floor(fixture.length * 0.4);
    server.behaviour = { cutAfter: cut };
    const first = await glassboxErrorOf(pullModel(URI, target, { endpoint: server.endpoint }));
    expect(first.message).toMatch(/was interrupted after .* of .* MB .*Download it again to resume/);
    const dest = join(target, 'tiny-llama-F32.gguf');
    // What arrived before the connection died (the kernel may drop the last unread segment).
    const kept = statSync(partPath(dest)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(cut);
    expect(existsSync(dest)).toBe(false);

    const progress: DownloadProgress[] = [];
    const result = await pullModel(URI, target, { endpoint: server.endpoint, onProgress: (p) => progress.push(p) });
    expect(server.requests.at(-1)?.range).toBe(`bytes=${kept}-`);
    expect(result.resumedFrom).toBe(kept);
    expect(result.verified).toBe(true); // the hash covers the kept bytes too
    expect(progress[0]?.receivedBytes).toBe(kept);
    expect(sha(readFileSync(dest))).toBe(sha(fixture));
  });

  it('starts over when the server ignores the range', async () => {
    const target = folder();
    server.behaviour = { cutAfter: 1000 };
    await glassboxErrorOf(pullModel(URI, target, { endpoint: server.endpoint }));
    server.behaviour = { ignoreRange: true };
    const result = await pullModel(URI, target, { endpoint: server.endpoint });
    expect(result.resumedFrom).toBe(0);
    expect(sha(readFileSync(result.path))).toBe(sha(fixture));
  });

  it('detects a truncated file: a short upload fails the header check and is deleted', async () => {
    const target = folder();
    server.files.set('short.gguf', { bytes: fixture.subarray(0, Math.floor(fixture.length * 0.7)), sha256: null });
    const error = await glassboxErrorOf(pullModel('hf:test-user/tiny-GGUF/short.gguf', target, { endpoint: server.endpoint }));
    expect(error.kind).toBe('model-invalid');
    expect(error.message).toMatch(/truncated/);
    expect(existsSync(join(target, 'short.gguf'))).toBe(false);
  });

  it('detects a size mismatch against the expected size, and a wrong checksum', async () => {
    const target = folder();
    const sized = await glassboxErrorOf(pullModel(URI, target, { endpoint: server.endpoint, expectedSize: fixture.length + 1 }));
    expect(sized.message).toMatch(/offers \d+ bytes .* but \d+ were expected/);
    server.files.set('bad-sha.gguf', { bytes: fixture, sha256: 'ab'.repeat(32) });
    const bad = await glassboxErrorOf(pullModel('hf:test-user/tiny-GGUF/bad-sha.gguf', target, { endpoint: server.endpoint }));
    expect(bad).toMatchObject({ kind: 'model-invalid' });
    expect(bad.message).toMatch(/failed its checksum/);
    expect(existsSync(join(target, 'bad-sha.gguf'))).toBe(false);
    expect(existsSync(partPath(join(target, 'bad-sha.gguf')))).toBe(false);
  });

  it('reports 404 and 500 clearly', async () => {
    const missing = await glassboxErrorOf(pullModel('hf:test-user/tiny-GGUF/nope.gguf', folder(), { endpoint: server.endpoint }));
    expect(missing.kind).toBe('not-found');
    expect(missing.message).toMatch(/HTTP 404/);
    server.behaviour = { status: 500 };
    const broken = await glassboxErrorOf(pullModel(URI, folder(), { endpoint: server.endpoint }));
    expect(broken.message).toMatch(/had a problem \(HTTP 500\)\. Try again later/);
  });

  it('says the machine appears to be offline when nothing answers', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await glassboxErrorOf(pullModel(URI, folder(), { endpoint: `http://127.0.0.1:${port}` }));
    expect(error.message).toMatch(/^You appear to be offline: 127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED\)/);
  });

  it('cancels, keeping the partial file for a later resume', async () => {
    const target = folder();
    server.behaviour = { trickle: 4096 };
    const abort = new AbortController();
    const dest = join(target, 'tiny-llama-F32.gguf');
    const pending = pullModel(URI, target, {
      endpoint: server.endpoint,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.receivedBytes > 20_000) abort.abort();
      },
    });
    const error = await glassboxErrorOf(pending);
    expect(error.kind).toBe('cancelled');
    expect(statSync(partPath(dest)).size).toBeGreaterThan(0);
    server.behaviour = {};
    const result = await pullModel(URI, target, { endpoint: server.endpoint });
    expect(result.resumedFrom).toBeGreaterThan(0);
    expect(sha(readFileSync(dest))).toBe(sha(fixture));
  });

  it('downloads 64 MB on loopback, verified (speed logged, not asserted)', async () => {
    // ~64 MB of mostly-zero tensor data: written sparse, served from memory.
    const big = join(dir, 'big.gguf');
    await writeGguf(big, presetModel('llama', { weightType: GgmlType.F32, fill: 'zeros' }), { mode: 'sparse' });
    const header = readFileSync(big);
    const bytes = Buffer.concat([header, Buffer.alloc(64 << 20)]);
    server.files.set('big.bin', { bytes });
    const dest = join(folder(), 'big.bin');
    mkdirSync(join(dest, '..'), { recursive: true });
    const result = await downloadFile({ url: `${server.endpoint}/u/r/resolve/main/big.bin`, dest });
    const mbPerSecond = bytes.length / 1e6 / result.seconds;
    console.log(`loopback download: ${(bytes.length / 1e6).toFixed(1)} MB in ${result.seconds.toFixed(2)} s = ${mbPerSecond.toFixed(0)} MB/s (sha256 verified: ${result.verified})`);
    expect(result.verified).toBe(true);
    expect(result.bytes).toBe(bytes.length);
  });
});
