import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueOutcome } from '../../../electron/services/engine-queue';
import { createServices, type Services } from '../../../electron/services/services';
import { startApiServer, type ApiServer } from '../../../electron/api-server/server';
import type { EventPayload } from '../../../electron/contract/api';
import type { Sampling } from '../../../electron/contract/model';
import type { GeneratedToken } from '../../../electron/contract/token';
import { createInMemoryClient, type PortClient } from '../../../electron/contract/rpc';
import { EngineHost } from '../../../electron/engine/host';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import { STORIES_260K } from '../../models';

const MODEL = 'stories260K';
const KEY = 'test-key-0123456789abcdef';

let services: Services;
let dataDir = '';
let app: PortClient & { close(): void };
let server: ApiServer;
let keyed: ApiServer;
let openai: OpenAI;
const outcomes: QueueOutcome[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gb-api-'));
  services = createServices({ dataDir, mode: 'web', version: 'test', engine: new EngineHost(createNodeLauncher()) });
  app = createInMemoryClient(services.router, services.hub);
  await app.call('model.load', { path: STORIES_260K() });
  services.queue.onOutcome((o) => outcomes.push(o));
  const modelState = () => services.models.current;
  server = await startApiServer({ queue: services.queue, modelState, port: 0 });
  keyed = await startApiServer({ queue: services.queue, modelState, port: 0, apiKey: KEY });
  // No retries: a test must see the first answer, not a retried one.
  openai = new OpenAI({ baseURL: server.baseUrl, apiKey: 'not-needed', maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await keyed?.close();
  app?.close();
  await services?.dispose();
});

/** The app's own chat through its real client: sends a prompt, resolves with the end event. */
async function appChat(text: string, sampling: Partial<Sampling>): Promise<{ end: EventPayload<'chat.end'>; tokens: GeneratedToken[] }> {
  const conversation = await app.call('conversations.create', {});
  const tokens: GeneratedToken[] = [];
  const offToken = app.on('chat.tokens', (e) => {
    if (e.conversationId === conversation.id) tokens.push(...e.tokens);
  });
  const ended = new Promise<EventPayload<'chat.end'>>((resolve) => {
    const off = app.on('chat.end', (e) => {
      if (e.conversationId !== conversation.id) return;
      off();
      offToken();
      resolve(e);
    });
  });
  await app.call('chat.send', { conversationId: conversation.id, text, sampling });
  return { end: await ended, tokens };
}

/** One chat completion over a connection from `localAddress` (any of 127.0.0.0/8 reaches 127.0.0.1). */
function chatFrom(localAddress: string, body: Record<string, unknown>, onFirstByte: () => void = () => {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(`${server.baseUrl}/chat/completions`);
  const text = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Once upon a time' }], ...body });
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } },
      (response) => {
        onFirstByte();
        let data = '';
        response.on('data', (chunk: Buffer) => (data += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(data) as Record<string, unknown> }));
      },
    );
    request.on('error', reject);
    request.end(text);
  });
}

/** Resolves with the next generation the queue finishes (an event, not a clock). */
function nextOutcome(): Promise<QueueOutcome> {
  return new Promise((resolve) => {
    const off = services.queue.onOutcome((o) => {
      off();
      resolve(o);
    });
  });
}

/** Waits until the queue holds at least `n` waiting generations, checking after each queue change. */
async function waitingAtLeast(n: number): Promise<void> {
  while (services.queue.stats.waiting < n) await new Promise((r) => setTimeout(r, 5));
}

function expectOpenAiError(error: unknown, status: number): APIError {
  expect(error).toBeInstanceOf(APIError);
  const apiError = error as APIError;
  expect(apiError.status).toBe(status);
  const body = apiError.error as { message?: unknown; type?: unknown; param?: unknown; code?: unknown };
  expect(Object.keys(body).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof body.message).toBe('string');
  expect(typeof body.type).toBe('string');
  return apiError;
}

describe('the OpenAI-compatible API, with the official client', () => {
  it('lists the loaded model', async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual([MODEL]);
    expect((await openai.models.retrieve(MODEL)).id).toBe(MODEL);
  });

  it('answers a chat without streaming, and the same answer streamed', async () => {
    const request = { model: MODEL, messages: [{ role: 'user' as const, content: 'Once upon a time' }], temperature: 0, max_tokens: 12 };
    const whole = await openai.chat.completions.create(request);
    const choice = whole.choices[0];
    expect(choice?.message.role).toBe('assistant');
    expect(choice?.message.content?.length).toBeGreaterThan(0);
    expect(choice?.finish_reason).toBe('length');
    expect(whole.usage).toMatchObject({ completion_tokens: 12 });
    expect(whole.usage?.prompt_tokens).toBeGreaterThan(0);

    const stream = await openai.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        text += c.delta.content ?? '';
        finish = c.finish_reason ?? finish;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(choice?.message.content);
    expect(finish).toBe('length');
    expect(usage).toEqual(whole.usage);
  });

  it('returns exact logprobs (whole vocabulary) for the same draw the app makes with top-K shares', async () => {
    const sampling = { temperature: 0.9, topK: 40, topP: 1, minP: 0, seed: 1234, maxTokens: 10 };
    const completion = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'The little dog' }],
      temperature: sampling.temperature,
      top_k: sampling.topK,
      seed: sampling.seed,
      max_tokens: sampling.maxTokens,
      logprobs: true,
      top_logprobs: 5,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const content = completion.choices[0]?.logprobs?.content ?? [];
    // Another prompt in between, so the app's run evaluates the prompt exactly as the API's did
    // (after BOS, as one batch) instead of reusing its KV cache: batched and one-by-one evaluation
    // differ in the last float bits (~1e-6), which is the engine's arithmetic, not the API's.
    await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'A cat' }], max_tokens: 1 });
    // The same request through the app's ChatService (its own probabilities, as the UI shows them).
    const { end, tokens } = await appChat('The little dog', sampling);
    expect(end.status).toBe('complete');
    expect(content.map((c) => c.token)).toEqual(tokens.map((t) => t.text));
    expect(completion.choices[0]?.message.content).toBe(end.content);
    expect(content.length).toBe(10);
    let smallestMass = 1;
    for (const [i, entry] of content.entries()) {
      const token = tokens[i];
      expect(token).toBeDefined();
      if (!token) continue;
      // The app streams shares of the top K; the API's exact values are the same numbers scaled by
      // the mass the top K hold (below 1): equal ratios, smaller values (contract/token.ts).
      const mass = Math.exp(entry.logprob) / token.p;
      expect(mass).toBeLessThanOrEqual(1 + 1e-9);
      smallestMass = Math.min(smallestMass, mass);
      expect(entry.bytes).toEqual([...Buffer.from(token.text, 'utf8')]);
      expect(entry.top_logprobs).toHaveLength(5);
      for (const [j, alternative] of entry.top_logprobs.entries()) {
        const expected = token.top[j];
        expect(alternative.token).toBe(expected?.text);
        expect(Math.abs(Math.exp(alternative.logprob) - (expected?.p ?? -1) * mass)).toBeLessThan(1e-6);
      }
    }
    // Somewhere the top K leave probability outside them, so exact and share differ.
    expect(smallestMass).toBeLessThan(1 - 1e-4);
  });

  it('completes a raw prompt on /v1/completions with legacy logprobs', async () => {
    const completion = await openai.completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 6, temperature: 0, logprobs: 3 });
    const choice = completion.choices[0];
    expect(choice?.text.length).toBeGreaterThan(0);
    expect(choice?.logprobs?.tokens?.join('')).toBe(choice?.text);
    expect(choice?.logprobs?.token_logprobs?.every((l) => l <= 0)).toBe(true);
    expect(Object.keys(choice?.logprobs?.top_logprobs?.[0] ?? {}).length).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBe(6);
  });

  it('stops at a stop string and leaves it out', async () => {
    const completion = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Once upon a time' }],
      temperature: 0,
      max_tokens: 60,
      stop: ['.'],
    });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.choices[0]?.message.content).not.toContain('.');
  });

  it('refuses a bad API key with 401 when a key is set', async () => {
    const wrong = new OpenAI({ baseURL: keyed.baseUrl, apiKey: 'wrong-key-0123456789', maxRetries: 0 });
    const error = expectOpenAiError(await wrong.models.list().catch((e: unknown) => e), 401);
    expect(error.code).toBe('invalid_api_key');
    const right = new OpenAI({ baseURL: keyed.baseUrl, apiKey: KEY, maxRetries: 0 });
    expect((await right.models.list()).data).toHaveLength(1);
  });

  it('answers a malformed body with 400 in OpenAI’s error shape', async () => {
    const badValue = await openai.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], temperature: 7 })
      .catch((e: unknown) => e);
    expect(expectOpenAiError(badValue, 400).param).toBe('temperature');
    const badShape = await openai.chat.completions.create({ model: MODEL, messages: 'hi' } as never).catch((e: unknown) => e);
    expect(expectOpenAiError(badShape, 400).type).toBe('invalid_request_error');
    const notJson = await openai.post('/chat/completions', { body: '{"model":', headers: { 'Content-Type': 'application/json' } }).catch((e: unknown) => e);
    expect(expectOpenAiError(notJson, 400).code).toBe('invalid_json');
  });

  it('answers an unknown model and route with 404, and embeddings with 501', async () => {
    const model = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(expectOpenAiError(model, 404).code).toBe('model_not_found');
    expectOpenAiError(await openai.get('/nothing-here').catch((e: unknown) => e), 404);
    const embeddings = await openai.embeddings.create({ model: MODEL, input: 'hello' }).catch((e: unknown) => e);
    expect(expectOpenAiError(embeddings, 501).code).toBe('not_supported');
  });

  it('stops the generation when the client disconnects mid-stream', async () => {
    const controller = new AbortController();
    const seen = outcomes.length;
    const stream = await openai.chat.completions.create(
      // Greedy decoding of this prompt writes 2000 tokens without an end-of-story token (checked).
      { model: MODEL, messages: [{ role: 'user', content: 'Once upon a time' }], temperature: 0, max_tokens: 2000, stream: true },
      { signal: controller.signal },
    );
    let chunks = 0;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) chunks++;
        if (chunks === 2) controller.abort();
      }
    } catch {
      // The client may end the iteration or throw an abort error: either way the connection is gone.
    }
    expect(controller.signal.aborted).toBe(true);
    const outcome = outcomes[seen] ?? (await nextOutcome());
    expect(outcome.source.startsWith('api:')).toBe(true);
    expect(outcome.status).toBe('stopped');
    expect(outcome.finishReason).toBe('cancelled');
    expect(outcome.tokens).toBeLessThan(2000);
    console.log(`[api disconnect] stopped after ${outcome?.tokens} of 2000 tokens, ${outcome?.stopToEndMs?.toFixed(1)} ms after the client left`);
  });
});

describe('under load', () => {
  it('serves 20 concurrent streaming clients with rotating `user`s, and the app’s chat still answers next', async () => {
    // The app has had its turn before (as it has in real use), so a client that looked new each
    // time it changed its `user` field would be served before it.
    await appChat('Once upon a time', { temperature: 0, maxTokens: 2 });
    const CLIENTS = 20;
    const TOKENS = 16;
    let done = 0;
    const started = performance.now();
    const latencies: number[] = [];
    const firstChunk: number[] = [];
    const requests = Array.from({ length: CLIENTS }, async (_, i) => {
      const begin = performance.now();
      const stream = await openai.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: `Once upon a time there was a ${['cat', 'dog', 'bird', 'fish'][i % 4]}` }],
        temperature: 0.8,
        seed: i,
        user: `user-${i}`,
        max_tokens: TOKENS,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let pieces = 0;
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        for (const c of chunk.choices) {
          if (c.delta.content) {
            if (pieces === 0) firstChunk.push(performance.now() - begin);
            pieces++;
            text += c.delta.content;
          }
          finish = c.finish_reason ?? finish;
        }
        usage = chunk.usage ?? usage;
      }
      latencies.push(performance.now() - begin);
      done++;
      return { text, pieces, finish, usage };
    });

    // Once the queue holds a backlog, the user sends a prompt in the app.
    await waitingAtLeast(5);
    // Fairness is per connection, so the twenty `user`s are one client.
    expect(Object.keys(services.queue.stats.bySource)).toEqual(['api:127.0.0.1']);
    const doneAtSend = done;
    const chat = await appChat('Once upon a time', { temperature: 0, maxTokens: 8 });
    const doneAtAppEnd = done;

    const results = await Promise.all(requests);
    const seconds = (performance.now() - started) / 1000;
    for (const r of results) {
      expect(r.finish === 'length' || r.finish === 'stop').toBe(true);
      expect(r.usage?.completion_tokens).toBeGreaterThan(0);
      expect(r.pieces).toBeLessThanOrEqual(TOKENS);
      if (r.finish === 'length') expect(r.usage?.completion_tokens).toBe(TOKENS);
    }
    // The app's prompt waited for the answer being written and at most one more, not for the backlog.
    expect(chat.end.status).toBe('complete');
    expect(chat.end.content.length).toBeGreaterThan(0);
    expect(doneAtAppEnd - doneAtSend).toBeLessThanOrEqual(2);
    expect(doneAtAppEnd).toBeLessThan(CLIENTS);

    const tokens = results.reduce((sum, r) => sum + (r.usage?.completion_tokens ?? 0), 0);
    const sorted = [...latencies].sort((a, b) => a - b);
    const pct = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    console.log(
      `[api load] ${CLIENTS} streaming clients × ${TOKENS} tokens in ${seconds.toFixed(2)} s: ` +
        `${(CLIENTS / seconds).toFixed(2)} requests/s, latency p50 ${pct(0.5).toFixed(0)} ms, p95 ${pct(0.95).toFixed(0)} ms, ` +
        `first chunk p50 ${[...firstChunk].sort((a, b) => a - b)[Math.floor(firstChunk.length / 2)]?.toFixed(0)} ms, ` +
        `${(tokens / seconds).toFixed(1)} tokens/s aggregate; app chat answered after ${doneAtAppEnd - doneAtSend} API answer(s) ended`,
    );
  });
});

describe('fairness between clients', () => {
  it('gives a second client (another address) its turn before the first client’s backlog', async () => {
    const finished: string[] = [];
    const first = Array.from({ length: 6 }, (_, i) =>
      chatFrom('127.0.0.2', { max_tokens: 24, temperature: 0.8, seed: i }).then((r) => {
        finished.push(`a${i}`);
        return r;
      }),
    );
    await waitingAtLeast(4);
    const second = chatFrom('127.0.0.3', { max_tokens: 4, temperature: 0 }).then((r) => {
      finished.push('b');
      return r;
    });
    expect(Object.keys(services.queue.stats.bySource)).toContain('api:127.0.0.2');
    const results = await Promise.all([...first, second]);
    for (const r of results) expect(r.status).toBe(200);
    // b waited for the answer being written (and at most the one that started as it arrived), not for a's backlog.
    expect(finished.indexOf('b')).toBeLessThanOrEqual(2);
  });
});

describe('a queued request and a model switch', () => {
  it('fails, in OpenAI’s format, a request whose model was replaced before its turn', async () => {
    const other = join(dataDir, 'stories260K-copy.gguf');
    copyFileSync(STORIES_260K(), other);
    const pid = services.engine.pid;
    expect(pid).not.toBeNull();
    // A long answer runs; the engine process is paused during it, so what follows is ordered by events alone.
    const running = chatFrom('127.0.0.4', { max_tokens: 2000, temperature: 0 });
    await nextStart();
    process.kill(pid ?? 0, 'SIGSTOP');
    try {
      const queued = chatFrom('127.0.0.5', { max_tokens: 4, temperature: 0 });
      await waitingAtLeast(1);
      const switching = app.call('model.load', { path: other });
      while (services.models.current.status !== 'loading') await new Promise((r) => setTimeout(r, 5));
      process.kill(pid ?? 0, 'SIGCONT');
      const refused = await queued;
      expect(refused.status).toBe(404);
      const error = (refused.json as { error: { message: string; type: string; param: string | null; code: string | null } }).error;
      expect(error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', param: 'model' });
      expect(error.message).toContain(`'${MODEL}' this request was accepted for`);
      expect((await running).status).toBe(200);
      await switching;
      expect((await openai.models.list()).data.map((m) => m.id)).toEqual(['stories260K-copy']);
    } finally {
      process.kill(pid ?? 0, 'SIGCONT');
      await app.call('model.load', { path: STORIES_260K() });
    }
  });
});

/** Resolves when the queue starts running something (its stats say so). */
async function nextStart(): Promise<void> {
  while (services.queue.stats.running === null) await new Promise((r) => setTimeout(r, 1));
}
