import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEMMA3_270M, PROJECT_ROOT, SMOLLM2_135M } from '../../models';
import { TEMPLATE_MARKUP } from './session';

// The official openai client against `glassbox serve`, greedy: chat on SmolLM2-135M-Instruct, text
// completion on Gemma 3 270M (the base model, without a chat template: completion is its use).
interface Served {
  child: ChildProcess;
  client: OpenAI;
}

/** `glassbox serve` on a model, the way a user starts it; its first line is the base URL. */
async function serve(path: string): Promise<Served> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'glassbox.mjs'), 'serve', '--model', path, '--port', '0', '--threads', '1'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => [null])])) as [string | null];
  if (!first) throw new Error(`glassbox serve exited:\n${stderr}`);
  return { child, client: new OpenAI({ baseURL: first, apiKey: 'unused', maxRetries: 0 }) };
}

async function stop(served: Served | undefined): Promise<void> {
  if (!served || served.child.exitCode !== null) return;
  const exited = once(served.child, 'exit');
  served.child.kill('SIGTERM');
  await exited;
}

let smol: Served | undefined;
let gemma: Served | undefined;
let client: OpenAI;
const model = 'SmolLM2-135M-Instruct.Q4_1';
const messages = [
  { role: 'system' as const, content: 'You are a helpful assistant. Answer in one short sentence.' },
  { role: 'user' as const, content: 'What is the capital of France?' },
];

beforeAll(async () => {
  smol = await serve(SMOLLM2_135M());
  client = smol.client;
});

afterAll(async () => {
  await stop(smol);
  await stop(gemma);
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

describe('the openai client against glassbox serve, on Gemma 3 270M (base)', () => {
  it('completes text, streams the same text with logprobs, and stops at a stop sequence', async () => {
    gemma = await serve(GEMMA3_270M());
    const c = gemma.client;
    const gemmaModel = 'gemma-3-270m-q4_k_m';
    expect((await c.models.list()).data.map((m) => m.id)).toEqual([gemmaModel]);
    const prompt = 'The capital of France is';
    const whole = await c.completions.create({ model: gemmaModel, prompt, temperature: 0, max_tokens: 12 });
    const text = whole.choices[0]?.text ?? '';
    console.log(`--- Gemma 3 270M, /v1/completions ---\n${prompt}${text}`);
    expect(whole.choices[0]?.finish_reason).toBe('length');
    expect(whole.usage?.completion_tokens).toBe(12);
    // A stop sequence taken from the answer itself (its third word): the text ends just before it.
    const word = text.trim().split(/\s+/)[2] ?? '';
    expect(word.length).toBeGreaterThan(0);
    const stopped = await c.completions.create({ model: gemmaModel, prompt, temperature: 0, max_tokens: 12, stop: [` ${word}`] });
    expect(stopped.choices[0]?.finish_reason).toBe('stop');
    expect(stopped.choices[0]?.text).toBe(text.slice(0, text.indexOf(` ${word}`)));
    const stream = await c.completions.create({ model: gemmaModel, prompt, temperature: 0, max_tokens: 12, stream: true, logprobs: 3 });
    let streamed = '';
    const tokens: string[] = [];
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      streamed += choice?.text ?? '';
      tokens.push(...(choice?.logprobs?.tokens ?? []));
      for (const top of choice?.logprobs?.top_logprobs ?? []) expect(Object.keys(top)).toHaveLength(3);
    }
    expect(streamed).toBe(text);
    expect(tokens.join('')).toBe(text);
  });
});
