import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QWEN3_ANSWER, writeReasoningModel } from '../fixtures/reasoning-model';
import { PROJECT_ROOT } from '../models';

// `glassbox serve` on the scripted Qwen3-template model (test/fixtures/reasoning-model.ts): the
// OpenAI client gets the answer as content, never the thinking or its <think> markers.
const dir = mkdtempSync(join(tmpdir(), 'glassbox-reasoning-api-'));
let model = '';
beforeAll(async () => {
  model = await writeReasoningModel(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the local API with a reasoning model', () => {
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
});
