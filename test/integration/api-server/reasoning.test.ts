import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QWEN3_ANSWER, QWEN3_THOUGHT, writeReasoningModel } from '../../fixtures/reasoning-model';
import { PROJECT_ROOT } from '../../models';

// `glassbox serve` on the scripted Qwen3-template model (test/fixtures/reasoning-model.ts): the
// OpenAI client gets the answer as content, never the thinking or its <think> markers.
const dir = mkdtempSync(join(tmpdir(), 'glassbox-reasoning-api-'));
let model = '';
beforeAll(async () => {
  model = await writeReasoningModel(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the local API and the CLI with a reasoning model', () => {
  it('answers with the answer alone, streaming or not; the thought still counts as completion tokens', async () => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'glassbox.mjs'), 'serve', '--model', model, '--port', '0'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      const [first] = (await Promise.race([once(createInterface({ input: child.stdout }), 'line'), exited.then(() => [null])])) as [string | null];
      expect(first, stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const client = new OpenAI({ baseURL: first ?? '', apiKey: 'unused', maxRetries: 0 });
      const request = { model: 'tiny-qwen3-reasoning', messages: [{ role: 'user' as const, content: 'hi' }], temperature: 0 };
      const whole = await client.chat.completions.create(request);
      expect(whole.choices[0]?.message.content).toBe(QWEN3_ANSWER);
      expect(whole.choices[0]?.finish_reason).toBe('stop');
      expect(whole.usage?.completion_tokens).toBe(10);
      let streamed = '';
      for await (const chunk of await client.chat.completions.create({ ...request, stream: true })) streamed += chunk.choices[0]?.delta.content ?? '';
      expect(streamed).toBe(QWEN3_ANSWER);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('glassbox generate --json labels the thinking and its markers on each token line', () => {
    const run = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'glassbox.mjs'), 'generate', model, '--prompt', 'hi', '--temperature', '0', '--json'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text?: string; segment?: string; done?: boolean });
    const tokens = lines.filter((l) => l.done !== true);
    expect(tokens.map((t) => t.segment ?? 'answer')).toEqual(['marker', ...Array<string>(6).fill('thought'), 'marker', 'answer', 'answer']);
    expect(tokens.filter((t) => t.segment === 'thought').map((t) => t.text).join('')).toBe(QWEN3_THOUGHT);
    expect(tokens.filter((t) => t.segment === undefined).map((t) => t.text).join('')).toBe(QWEN3_ANSWER);
  });
});
