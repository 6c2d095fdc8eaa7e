import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineQueue } from '../../../electron/services/engine-queue';
import { startApiServer, type ApiServer } from '../../../electron/api-server/server';
import type { GenerateRequest, GenerateResult } from '../../../electron/contract/engine-protocol';
import type { ModelFacts } from '../../../electron/contract/model';
import type { Engine, Generation, OnTokens } from '../../../electron/engine/engine';

/**
 * A scripted engine: the prompt lists the tokens to write, separated by '|'. A prompt starting
 * with 'hold' writes nothing until released, to keep the queue full.
 */
function scriptedEngine(): { engine: Engine; release: () => void } {
  let releaseHeld: () => void = () => {};
  const engine = {
    generate(request: GenerateRequest, onTokens: OnTokens): Generation {
      let stopped = false;
      const prompt = request.messages[0]?.content ?? '';
      const result = (async (): Promise<GenerateResult> => {
        if (prompt.startsWith('hold')) await new Promise<void>((resolve) => (releaseHeld = resolve));
        const pieces = prompt.startsWith('hold') ? [] : prompt.split('|');
        let n = 0;
        for (const text of pieces) {
          if (stopped || n >= request.sampling.maxTokens) break;
          onTokens({ first: n++, tokens: [{ id: n, text, p: 0.5, top: [{ id: n, text, p: 0.5 }, { id: 99, text: 'x', p: 0.25 }] }] });
          await new Promise((r) => setTimeout(r, 1));
        }
        const finishReason = stopped ? 'cancelled' : n >= request.sampling.maxTokens ? 'max-tokens' : 'eog';
        return { status: stopped ? 'stopped' : 'complete', finishReason, text: '', tokens: n, promptTokens: 3, evaluatedPromptTokens: 3, ttftMs: 1, tokensPerSecond: null, totalMs: 1 };
      })();
      return { result, stop: () => (stopped = true) };
    },
  } as unknown as Engine;
  return { engine, release: () => releaseHeld() };
}

const facts = { fileName: 'tiny.gguf', path: '/models/tiny.gguf', contextSize: 256 } as ModelFacts;
let server: ApiServer;
let queue: EngineQueue;
let client: OpenAI;
let release: () => void;

beforeAll(async () => {
  const scripted = scriptedEngine();
  release = scripted.release;
  queue = new EngineQueue(scripted.engine, { maxWaiting: 1 });
  server = await startApiServer({ queue, modelState: () => ({ status: 'loaded', facts }), port: 0 });
  client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'x', maxRetries: 0 });
});

afterAll(async () => {
  await server.close();
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 1));
}

const ask = (content: string, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) =>
  client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content }], ...extra });

describe('the API server over a scripted engine', () => {
  it('cuts the answer before a stop string split across tokens', async () => {
    const completion = await ask('Hello|, wor|ld|EN|D|more', { stop: ['END'], logprobs: true, top_logprobs: 1 });
    expect(completion.choices[0]?.message.content).toBe('Hello, world');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.choices[0]?.logprobs?.content?.map((c) => c.token)).toEqual(['Hello', ', wor', 'ld']);
    expect(completion.choices[0]?.logprobs?.content?.[0]?.logprob).toBeCloseTo(Math.log(0.5), 12);
    expect(completion.choices[0]?.logprobs?.content?.[0]?.top_logprobs).toHaveLength(1);
  });

  it('answers 503 with Retry-After when the queue is full', async () => {
    // Ordered by the queue's own state, not by a sleep: one running, one waiting, then one too many.
    const running = ask('hold');
    await until(() => queue.stats.running !== null);
    const waiting = ask('a|b');
    await until(() => queue.stats.waiting === 1);
    const refused = await ask('c').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(APIError);
    expect((refused as APIError).status).toBe(503);
    expect((refused as APIError).code).toBe('queue_full');
    expect((refused as APIError).headers?.get('retry-after')).toBe('1');
    release();
    await expect(running).resolves.toBeDefined();
    expect((await waiting).choices[0]?.message.content).toBe('ab');
  });

  it('refuses bodies that do not say they are JSON, and browser requests from other sites, before the queue', async () => {
    const body = JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'x|y' }] });
    const post = (headers: Record<string, string>) => fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', headers, body });
    const outcomes: string[] = [];
    const off = queue.onOutcome((o) => outcomes.push(o.source));
    const cases: [Record<string, string>, number, string][] = [
      [{}, 415, 'unsupported_media_type'],
      [{ 'Content-Type': 'text/plain' }, 415, 'unsupported_media_type'],
      [{ 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'cross-site' }, 403, 'origin_not_allowed'],
      [{ 'Content-Type': 'application/json', Origin: 'http://127.0.0.1:1234' }, 403, 'origin_not_allowed'],
    ];
    for (const [headers, status, code] of cases) {
      const response = await post(headers);
      expect(response.status, JSON.stringify(headers)).toBe(status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    off();
    expect(outcomes).toEqual([]);
    expect((await post({ 'Content-Type': 'application/json; charset=utf-8' })).status).toBe(200);
  });
});
