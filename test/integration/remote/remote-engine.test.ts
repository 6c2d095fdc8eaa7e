import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING } from '../../../electron/contract/model';
import type { GenerateRequest } from '../../../electron/contract/engine-protocol';
import { isGlassboxError, type ErrorKind } from '../../../electron/contract/errors';
import type { GeneratedToken } from '../../../electron/contract/token';
import type { TokenBatch } from '../../../electron/contract/token-batch';
import { tokenId } from '../../../electron/remote/openai-chunks';
import { RemoteEngine } from '../../../electron/remote/remote-engine';
import { listRemoteModels } from '../../../electron/remote/remote-models';
import { KEY, startSelfSignedServer, startTestServer, TOKENS, type TestServer } from './test-server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

function engine(mode: string, options: { model?: string; key?: string | null; baseUrl?: string } = {}): RemoteEngine {
  return new RemoteEngine({
    id: `ep-${mode}`,
    name: mode,
    baseUrl: options.baseUrl ?? server.baseUrl(mode),
    model: options.model ?? 'good-model',
    contextLength: null,
    apiKey: () => options.key ?? null,
  });
}

const REQUEST: GenerateRequest = { messages: [{ role: 'user', content: 'Say hello' }], sampling: { ...DEFAULT_SAMPLING, seed: 1 }, topAlternatives: 10 };

/** Runs a generation, collecting its batches and (flattened, with their indexes) their tokens. */
async function run(e: RemoteEngine, request: GenerateRequest = REQUEST) {
  const batches: TokenBatch[] = [];
  const tokens: { index: number; token: GeneratedToken }[] = [];
  const generation = e.generate(request, (batch) => {
    batches.push(batch);
    batch.tokens.forEach((token, i) => tokens.push({ index: batch.first + i, token }));
  });
  return { batches, tokens, result: await generation.result };
}

async function expectKind(promise: Promise<unknown>, kind: ErrorKind): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isGlassboxError(error, kind), String(error)).toBe(true);
  return (error as Error).message;
}

describe('the remote engine against a misbehaving OpenAI-compatible server', () => {
  it('lists models with the context length the server exposes', async () => {
    expect(await listRemoteModels({ baseUrl: server.baseUrl('ok'), apiKey: null })).toEqual([
      { id: 'good-model', contextLength: 2048 },
      { id: 'other', contextLength: null },
    ]);
  });

  it('streams tokens with p = exp(logprob), alternatives sorted, and asks for logprobs', async () => {
    const { tokens, result } = await run(engine('ok'));
    expect(tokens.map((t) => t.index)).toEqual([0, 1, 2]);
    tokens.forEach(({ token }, i) => {
      const sent = TOKENS[i]!;
      expect(token.text).toBe(sent.token);
      expect(token.id).toBe(tokenId(sent.token));
      expect(token.p).toBeCloseTo(Math.exp(sent.logprob), 12);
      const ps = token.top.map((a) => a.p);
      expect(ps).toEqual([...ps].sort((a, b) => b - a));
      expect(token.top.map((a) => a.text).sort()).toEqual(sent.top.map((a) => a.token).sort());
    });
    // OpenAI-style logprobs are the whole-vocabulary log-softmax: labelled exact, not as shares.
    expect(result).toMatchObject({ status: 'complete', finishReason: 'eog', text: 'Hello world!', tokens: 3, promptTokens: 7, probabilities: 'exact', meaning: 'whole-vocabulary' });
    const sent = server.requests.at(-1)!.body!;
    expect(sent).toMatchObject({ model: 'good-model', stream: true, logprobs: true, top_logprobs: 10, seed: 1 });
  });

  it('hands on what one read of the stream held as one batch, in order and without gaps', async () => {
    // 'slow' writes one event every 50 ms: each read holds one token, each goes on alone at once.
    let stop = (): void => {};
    const seen: TokenBatch[] = [];
    const generation = engine('slow').generate(REQUEST, (batch) => {
      seen.push(batch);
      if (seen.length === 3) stop();
    });
    stop = () => generation.stop();
    await generation.result;
    expect(seen.map((b) => [b.first, b.tokens.length])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
    // 'ok' writes the whole answer at once (how many reads that takes is the kernel's business).
    const { batches } = await run(engine('ok'));
    let next = 0;
    for (const batch of batches) {
      expect(batch.first).toBe(next);
      next += batch.tokens.length;
    }
    expect(next).toBe(3);
  });

  it('caps top_logprobs at 20', async () => {
    await run(engine('ok'), { ...REQUEST, topAlternatives: 50 });
    expect(server.requests.at(-1)!.body!.top_logprobs).toBe(20);
  });

  it('says so when the server ignores logprobs, and still streams the text', async () => {
    const { tokens, result } = await run(engine('nologprobs'));
    expect(result.probabilities).toBe('none');
    expect(result.text).toBe('Hello world!');
    expect(tokens.every(({ token }) => token.p === 1 && token.top.length === 0)).toBe(true);
  });

  it('accepts a whole JSON answer to a stream request, as one batch', async () => {
    const { batches, tokens, result } = await run(engine('json'));
    expect(tokens).toHaveLength(3);
    expect(batches.map((b) => [b.first, b.tokens.length])).toEqual([[0, 3]]);
    expect(result).toMatchObject({ status: 'complete', text: 'Hello world!', probabilities: 'exact' });
  });

  it('reports a stream cut mid-answer after the tokens that arrived', async () => {
    const tokens: GeneratedToken[] = [];
    const generation = engine('cut').generate(REQUEST, (batch) => tokens.push(...batch.tokens));
    const message = await expectKind(generation.result, 'remote-stream-cut');
    expect(message).toMatch(/closed in the middle/);
    expect(tokens.map((t) => t.text).join('')).toBe('Hello world');
  });

  it('stops when asked, keeping what arrived', async () => {
    let generationStop = (): void => {};
    const tokens: GeneratedToken[] = [];
    const generation = engine('slow').generate(REQUEST, (batch) => {
      tokens.push(...batch.tokens);
      if (tokens.length >= 2) generationStop();
    });
    generationStop = () => generation.stop();
    const result = await generation.result;
    expect(result).toMatchObject({ status: 'stopped', finishReason: 'cancelled' });
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    expect(tokens.length).toBeLessThan(20);
  });

  it('retries once after a short Retry-After, and gives up on a long one', async () => {
    const started = Date.now();
    const { result } = await run(engine('r429'));
    expect(result.status).toBe('complete');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(server.requests.filter((r) => r.mode === 'r429' && r.path === '/v1/chat/completions')).toHaveLength(2);

    const message = await expectKind(run(engine('r429long')), 'remote-rate-limited');
    expect(message).toMatch(/60 s/);
    expect(server.requests.filter((r) => r.mode === 'r429long')).toHaveLength(1);
  });

  it('maps 401, 403 and an unknown model to typed errors', async () => {
    expect(await expectKind(run(engine('auth')), 'remote-auth')).toMatch(/API key/);
    const { result } = await run(engine('auth', { key: KEY }));
    expect(result.status).toBe('complete');
    expect(server.requests.at(-1)!.authorization).toBe(`Bearer ${KEY}`);
    await expectKind(run(engine('forbidden')), 'remote-auth');
    expect(await expectKind(run(engine('ok', { model: 'missing' })), 'remote-not-found')).toMatch(/missing/);
    await expectKind(engine('ok', { model: 'missing' }).load('', { threads: null, gpu: 'auto', contextSize: null }), 'remote-not-found');
  });

  it('reports an unreachable host and an untrusted certificate', async () => {
    const closed = await startTestServer();
    const url = closed.baseUrl('ok');
    await closed.close();
    expect(await expectKind(run(engine('ok', { baseUrl: url })), 'remote-unreachable')).toMatch(/127\.0\.0\.1/);

    const tls = await startSelfSignedServer();
    try {
      expect(await expectKind(listRemoteModels({ baseUrl: tls.baseUrl('ok'), apiKey: null }), 'remote-tls')).toMatch(/certificate/);
      expect(tls.requests).toHaveLength(0);
    } finally {
      await tls.close();
    }
  });

  it('branches through /apply-template and /v1/completions, or says it cannot', async () => {
    const prefix = { prefixTokens: [tokenId('Hello'), tokenId(' there')], prefixText: 'Hello there' };
    const { tokens, result } = await run(engine('ok'), { ...REQUEST, ...prefix });
    expect(tokens.map((t) => [t.index, t.token.text])).toEqual([[2, ' and'], [3, ' then']]);
    expect(tokens[0]!.token.top.map((a) => a.text)).toEqual([' and', ' or']);
    expect(result).toMatchObject({ text: 'Hello there and then', prefixText: 'Hello there', tokens: 2, finishReason: 'max-tokens' });
    const completion = server.requests.at(-1)!;
    expect(completion.path).toBe('/v1/completions');
    expect(completion.body!.prompt).toBe('user: Say hello\nassistant: Hello there');

    expect(await expectKind(run(engine('noapply'), { ...REQUEST, ...prefix }), 'remote-unsupported')).toMatch(/chosen token/);
  });

  it('refuses tokenize and score with a clear message', async () => {
    expect(await expectKind(engine('ok').tokenize('hi'), 'remote-unsupported')).toMatch(/local engine/);
    await expectKind(engine('ok').score(REQUEST.messages, 10), 'remote-unsupported');
  });
});
