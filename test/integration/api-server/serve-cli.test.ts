import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, STORIES_260K } from '../../models';

const BIN = join(PROJECT_ROOT, 'bin', 'glassbox.mjs');

describe('glassbox serve', () => {
  it('prints its base URL first, answers GET /v1/models, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--model', STORIES_260K(), '--port', '0'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      const lines = createInterface({ input: child.stdout });
      const [first] = (await Promise.race([once(lines, 'line'), exited.then(() => [null])])) as [string | null];
      expect(first, stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);

      const client = new OpenAI({ baseURL: first ?? '', apiKey: 'unused', maxRetries: 0 });
      const models = await client.models.list();
      expect(models.data.map((m) => m.id)).toEqual(['stories260K']);

      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/GET \/v1\/models 200/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses to listen beyond this computer without an API key', () => {
    const run = spawnSync(process.execPath, [BIN, 'serve', '--model', STORIES_260K(), '--host', '0.0.0.0'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--api-key/);
  });

  it('answers the CORS preflight of an origin allowed with --allow-origin, refuses other pages, and refuses a malformed origin', async () => {
    const bad = spawnSync(process.execPath, [BIN, 'serve', '--model', STORIES_260K(), '--allow-origin', 'file:///x'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--allow-origin/);

    const child = spawn(process.execPath, [BIN, 'serve', '--model', STORIES_260K(), '--port', '0', '--allow-origin', 'http://localhost:3000'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');
    try {
      const [first] = (await Promise.race([once(createInterface({ input: child.stdout }), 'line'), exited.then(() => [null])])) as [string | null];
      const url = `${first ?? ''}/chat/completions`;
      const preflight = { method: 'OPTIONS', headers: { 'Access-Control-Request-Method': 'POST' } };
      const allowed = await fetch(url, { ...preflight, headers: { ...preflight.headers, Origin: 'http://localhost:3000' } });
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
      const other = await fetch(url, { ...preflight, headers: { ...preflight.headers, Origin: 'http://localhost:3001' } });
      expect(other.status).toBe(403);
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
