import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, SMOLLM2_135M } from '../models';
import { TEMPLATE_MARKUP } from './real-models/session';

// The official openai client against `glassbox serve` with SmolLM2-135M-Instruct, greedy.
let child: ChildProcess;
let stderr = '';
let client: OpenAI;
const model = 'SmolLM2-135M-Instruct.Q4_1';
const messages = [
  { role: 'system' as const, content: 'You are a helpful assistant. Answer in one short sentence.' },
  { role: 'user' as const, content: 'What is the capital of France?' },
];

beforeAll(async () => {
  child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'glassbox.mjs'), 'serve', '--model', SMOLLM2_135M(), '--port', '0', '--threads', '1'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => [null])])) as [string | null];
  if (!first) throw new Error(`glassbox serve exited:\n${stderr}`);
  client = new OpenAI({ baseURL: first, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
});

describe('the openai client against glassbox serve, on SmolLM2', () => {
  it('lists the model and answers a chat that ends on the end of turn', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([model]);
    const reply = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 100 });
    const choice = reply.choices[0];
    expect(choice?.finish_reason).toBe('stop');
    expect(choice?.message.content).toContain('Paris');
    expect(choice?.message.content).not.toMatch(TEMPLATE_MARKUP);
    expect(reply.usage?.completion_tokens).toBeLessThan(100);
    expect(reply.usage?.prompt_tokens).toBeGreaterThan(10);
  });

  it('streams the same answer, with logprobs whose greedy choice is the top alternative', async () => {
    const whole = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 100 });
    const stream = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 100, stream: true, logprobs: true, top_logprobs: 5 });
    let text = '';
    let finish: string | null = null;
    const logprobs: OpenAI.Chat.Completions.ChatCompletionTokenLogprob[] = [];
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? '';
      logprobs.push(...(choice?.logprobs?.content ?? []));
      finish = choice?.finish_reason ?? finish;
    }
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(finish).toBe('stop');
    expect(logprobs.map((l) => l.token).join('')).toBe(text);
    for (const l of logprobs) {
      expect(l.logprob).toBeLessThanOrEqual(0);
      expect(l.top_logprobs.length).toBe(5);
      expect(l.top_logprobs[0]?.token).toBe(l.token);
      expect(l.top_logprobs[0]?.logprob).toBeCloseTo(l.logprob, 10);
      const shares = l.top_logprobs.reduce((sum, t) => sum + Math.exp(t.logprob), 0);
      expect(shares).toBeLessThanOrEqual(1 + 1e-9);
    }
  });

  it('stops before a stop sequence, and says "length" at the token limit', async () => {
    const whole = (await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 100 })).choices[0]?.message.content ?? '';
    const stopped = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 100, stop: ['Paris'] });
    expect(stopped.choices[0]?.finish_reason).toBe('stop');
    expect(stopped.choices[0]?.message.content).toBe(whole.slice(0, whole.indexOf('Paris')));
    const cut = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 3 });
    expect(cut.choices[0]?.finish_reason).toBe('length');
    expect(cut.usage?.completion_tokens).toBe(3);
    expect(whole.startsWith(cut.choices[0]?.message.content ?? '\u0000')).toBe(true);
  });
});
