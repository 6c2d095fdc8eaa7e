import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, STORIES_260K } from '../models';

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
});
