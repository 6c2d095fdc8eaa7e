import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small OpenAI-compatible server that misbehaves on purpose, for the remote engine's tests. The
 * first path segment picks the behaviour: http://127.0.0.1:PORT/<mode>/v1.
 *   ok          streams 'Hello', ' world', '!' with logprobs (alternatives sent unsorted)
 *   nologprobs  streams the same text and ignores logprobs
 *   cut         sends two tokens, then destroys the socket
 *   slow        one token every 50 ms, 200 of them (for stop)
 *   r429        first chat request: 429 with Retry-After: 1, then as ok
 *   r429long    always 429 with Retry-After: 60
 *   auth        401 without "Authorization: Bearer secret-key-1234"
 *   forbidden   403
 *   json        answers a stream request with one JSON body
 *   noapply     like ok, without /apply-template
 * /<mode>/apply-template renders messages as "role: content\n" lines; /<mode>/v1/completions
 * streams legacy logprobs (' and', ' then').
 */
export const TOKENS = [
  { token: 'Hello', logprob: -0.1, top: [{ token: 'Hi', logprob: -2.5 }, { token: 'Hello', logprob: -0.1 }] },
  { token: ' world', logprob: -0.5, top: [{ token: ' there', logprob: -1.2 }, { token: ' world', logprob: -0.5 }] },
  { token: '!', logprob: -1, top: [{ token: '.', logprob: -0.7 }, { token: '!', logprob: -1 }] },
];
export const MODELS = [{ id: 'good-model', object: 'model', meta: { n_ctx_train: 2048 } }, { id: 'other', object: 'model' }];
export const KEY = 'secret-key-1234';

export interface Recorded {
  mode: string;
  path: string;
  body: Record<string, unknown> | null;
  authorization: string | undefined;
}

export interface TestServer {
  baseUrl(mode: string): string;
  readonly requests: Recorded[];
  readonly port: number;
  close(): Promise<void>;
}

function chunk(response: ServerResponse, body: unknown): void {
  response.write(`data: ${JSON.stringify(body)}\n\n`);
}

function fail(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }));
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | null> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  return text === '' ? null : (JSON.parse(text) as Record<string, unknown>);
}

function handler(requests: Recorded[]) {
  const seen429 = new Set<string>();
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = request.url ?? '/';
    const [, mode = '', ...rest] = url.split('/');
    const path = `/${rest.join('/')}`;
    const body = request.method === 'POST' ? await readJson(request) : null;
    requests.push({ mode, path, body, authorization: request.headers.authorization });
    if (mode === 'auth' && request.headers.authorization !== `Bearer ${KEY}`) return fail(response, 401, 'Invalid API key');
    if (mode === 'forbidden') return fail(response, 403, 'Not allowed');
    if (path === '/v1/models') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      return void response.end(JSON.stringify({ object: 'list', data: MODELS }));
    }
    if (path === '/apply-template' && mode !== 'noapply') {
      const messages = (body?.messages ?? []) as { role: string; content: string }[];
      response.writeHead(200, { 'Content-Type': 'application/json' });
      return void response.end(JSON.stringify({ prompt: messages.map((m) => `${m.role}: ${m.content}\n`).join('') + 'assistant: ' }));
    }
    const chat = path === '/v1/chat/completions';
    const legacy = path === '/v1/completions';
    if (!chat && !legacy) return fail(response, 404, `Unknown path ${path}`);
    if (!MODELS.some((m) => m.id === body?.model)) return fail(response, 404, `The model '${String(body?.model)}' does not exist`);
    if (mode === 'r429long') return fail(response, 429, 'Slow down', { 'Retry-After': '60' });
    if (mode === 'r429' && !seen429.has(mode)) {
      seen429.add(mode);
      return fail(response, 429, 'Slow down', { 'Retry-After': '1' });
    }
    const head = { id: 'x', object: chat ? 'chat.completion.chunk' : 'text_completion', created: 0, model: body?.model };
    if (legacy) {
      response.writeHead(200, { 'Content-Type': 'text/event-stream' });
      for (const [text, logprob] of [[' and', -0.2], [' then', -0.3]] as const) {
        chunk(response, {
          ...head,
          choices: [{ index: 0, text, logprobs: { tokens: [text], token_logprobs: [logprob], top_logprobs: [{ ' or': -1.9, [text]: logprob }], text_offset: [0] }, finish_reason: null }],
        });
      }
      chunk(response, { ...head, choices: [{ index: 0, text: '', logprobs: null, finish_reason: 'length' }] });
      return void response.end('data: [DONE]\n\n');
    }
    const wantLogprobs = body?.logprobs === true && mode !== 'nologprobs';
    const entry = (t: (typeof TOKENS)[number]) => ({
      token: t.token,
      logprob: t.logprob,
      bytes: [...Buffer.from(t.token)],
      top_logprobs: t.top.map((a) => ({ ...a, bytes: [] })),
    });
    if (mode === 'json') {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      return void response.end(
        JSON.stringify({
          ...head,
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: TOKENS.map((t) => t.token).join('') }, logprobs: { content: TOKENS.map(entry) }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
        }),
      );
    }
    response.writeHead(200, { 'Content-Type': 'text/event-stream' });
    chunk(response, { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
    const send = (t: (typeof TOKENS)[number]): void =>
      chunk(response, { ...head, choices: [{ index: 0, delta: { content: t.token }, logprobs: wantLogprobs ? { content: [entry(t)] } : null, finish_reason: null }] });
    if (mode === 'slow') {
      for (let i = 0; i < 200 && !response.destroyed; i++) {
        send(TOKENS[i % TOKENS.length]!);
        await new Promise((r) => setTimeout(r, 50));
      }
      return void response.end();
    }
    if (mode === 'cut') {
      send(TOKENS[0]!);
      send(TOKENS[1]!);
      await new Promise((r) => setTimeout(r, 30));
      return void request.socket.destroy();
    }
    for (const t of TOKENS) send(t);
    chunk(response, { ...head, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] });
    chunk(response, { ...head, choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } });
    response.end('data: [DONE]\n\n');
  };
}

async function listen(server: Server, requests: Recorded[], scheme: string): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    baseUrl: (mode) => `${scheme}://127.0.0.1:${port}/${mode}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function startTestServer(): Promise<TestServer> {
  const requests: Recorded[] = [];
  const handle = handler(requests);
  return listen(createServer((q, r) => void handle(q, r)), requests, 'http');
}

/** The same server over https with a self-signed certificate made here with openssl. */
export function startSelfSignedServer(): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gb-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  const requests: Recorded[] = [];
  const handle = handler(requests);
  return listen(createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (q, r) => void handle(q, r)), requests, 'https');
}
