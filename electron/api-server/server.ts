import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { z } from 'zod';
import type { EngineQueue } from '../app/engine-queue';
import { GlassboxError } from '../contract/errors';
import type { ModelFacts, ModelState } from '../contract/model';
import type { ApiRequestLog } from '../contract/api-server';
import { ApiError, fromServiceError, fromZod, invalidRequest } from './errors';
import { chatCompletionRequestSchema, completionRequestSchema } from './openai-schema';
import { matchesModel, modelId, prepareChat, prepareCompletion, type PreparedRequest } from './requests';
import { chatLogprob, legacyLogprobs, usageOf } from './responses';
import { runPrepared, type Piece, type RunHandle, type RunOutcome } from './run';

export interface ApiServerOptions {
  queue: EngineQueue;
  /** The model the app has loaded (ModelService.current, or the CLI's own). */
  modelState: () => ModelState;
  /** 127.0.0.1 unless the user explicitly chose otherwise; any other address needs apiKey. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  apiKey?: string | null;
  /** Hears every finished request (the API tab's list, the CLI's log). */
  onRequest?: (entry: ApiRequestLog) => void;
}

export interface ApiServer {
  /** What clients put in their base URL setting: http://HOST:PORT/v1. */
  readonly baseUrl: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const SYSTEM_FINGERPRINT = 'glassbox';
/** Tells the official clients not to retry an answer that will not change (they retry 5xx by default). */
const NO_RETRY = { 'x-should-retry': 'false' } as const;

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Per request: what the log line will say. */
interface Meta {
  promptTokens: number | null;
  completionTokens: number | null;
  client: string;
}

/**
 * The OpenAI-compatible API over the app's engine queue. Binds 127.0.0.1 by default and then only
 * answers requests addressed to a loopback name (no DNS rebinding); any other address requires an
 * API key. POST bodies must be JSON (or say nothing of their type), so a web page in the user's
 * browser cannot post to it without a CORS preflight, which it never grants.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? null;
  const loopback = isLoopbackHost(host);
  if (!loopback && apiKey === null) {
    throw new GlassboxError('invalid-argument', `Listening on ${host} lets other computers use the model, so it needs an API key. Set one, or listen on 127.0.0.1 only.`);
  }
  const keyDigest = apiKey === null ? null : digest(apiKey);
  let port = options.port ?? 0;
  let nextLogId = 1;
  const createdAt = Math.floor(Date.now() / 1000);
  const inFlight = new Set<RunHandle>();

  const server: Server = createServer((request, response) => {
    const started = performance.now();
    const at = Date.now();
    const meta: Meta = { promptTokens: null, completionTokens: null, client: request.socket.remoteAddress ?? 'unknown' };
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    response.on('close', () => {
      // A client that left before the end is logged as nginx does: 499.
      const status = response.writableFinished ? response.statusCode : 499;
      options.onRequest?.({
        id: nextLogId++,
        at,
        method: request.method ?? '?',
        path: path.slice(0, 200),
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        promptTokens: meta.promptTokens,
        completionTokens: meta.completionTokens,
        client: meta.client.slice(0, 240),
      });
    });
    handle(request, response, path, meta).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, fromServiceError(error));
      else if (!response.writableEnded) {
        writeEvent(response, fromServiceError(error).toBody());
        response.end();
      }
    });
  });
  server.requestTimeout = 0;

  async function handle(request: IncomingMessage, response: ServerResponse, path: string, meta: Meta): Promise<void> {
    if (loopback && !loopbackHostHeader(request.headers.host, port)) {
      throw new ApiError(421, 'This server only answers requests addressed to 127.0.0.1 or localhost.', 'invalid_request_error', 'misdirected_request');
    }
    const route = routeOf(request.method ?? 'GET', path);
    if (route === 'unknown') throw new ApiError(404, `Invalid URL (${request.method ?? '?'} ${path.slice(0, 200)})`, 'invalid_request_error', 'unknown_url');
    if (route === 'wrong-method') throw new ApiError(405, `${request.method ?? '?'} is not allowed on ${path.slice(0, 200)}.`, 'invalid_request_error', 'method_not_allowed');
    if (keyDigest !== null && !authorized(request.headers.authorization, keyDigest)) {
      throw new ApiError(401, 'Incorrect API key provided. Use the key set in Glassbox (API tab or --api-key) as a Bearer token.', 'invalid_request_error', 'invalid_api_key');
    }
    switch (route.name) {
      case 'models':
        return sendJson(response, 200, { object: 'list', data: modelList() });
      case 'model': {
        const facts = loadedFacts(false);
        if (!facts || !matchesModel(route.id, facts)) throw modelNotFound(route.id);
        return sendJson(response, 200, modelObject(facts));
      }
      case 'embeddings':
        await readBody(request);
        throw new ApiError(
          501,
          'Embeddings are not supported: the loaded model is a text generation model and Glassbox has no embedding model loaded.',
          'invalid_request_error',
          'not_supported',
          'model',
        );
      case 'chat': {
        const body = parse(chatCompletionRequestSchema, await readBody(request));
        const facts = requireModel(body.model);
        meta.client = clientName(meta.client, body.user);
        return serve(response, prepareChat(body, facts), facts, 'chat', meta);
      }
      case 'completions': {
        const body = parse(completionRequestSchema, await readBody(request));
        const facts = requireModel(body.model);
        meta.client = clientName(meta.client, body.user);
        return serve(response, prepareCompletion(body), facts, 'text', meta);
      }
    }
  }

  function loadedFacts(strict: boolean): ModelFacts | null {
    const state = options.modelState();
    if (state.status === 'loaded') return state.facts;
    if (strict && state.status === 'loading') {
      throw new ApiError(503, 'A model is loading in Glassbox. Try again in a moment.', 'server_error', 'model_loading', 'model', 2);
    }
    return null;
  }

  function requireModel(requested: string): ModelFacts {
    const facts = loadedFacts(true);
    if (!facts) throw new ApiError(404, 'No model is loaded in Glassbox. Load a GGUF model in the app first.', 'invalid_request_error', 'model_not_found', 'model');
    if (!matchesModel(requested, facts)) throw modelNotFound(requested);
    return facts;
  }

  function modelNotFound(requested: string): ApiError {
    const facts = loadedFacts(false);
    const hint = facts ? ` The loaded model is '${modelId(facts)}'.` : ' No model is loaded.';
    return new ApiError(404, `The model '${requested.slice(0, 200)}' does not exist.${hint}`, 'invalid_request_error', 'model_not_found', 'model');
  }

  function modelObject(facts: ModelFacts): Record<string, unknown> {
    return { id: modelId(facts), object: 'model', created: createdAt, owned_by: 'glassbox' };
  }

  function modelList(): Record<string, unknown>[] {
    const facts = loadedFacts(false);
    return facts ? [modelObject(facts)] : [];
  }

  /** Runs the request and answers it, streamed or whole; the client leaving stops the generation. */
  async function serve(response: ServerResponse, prepared: PreparedRequest, facts: ModelFacts, kind: 'chat' | 'text', meta: Meta): Promise<void> {
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(12).toString('hex')}`;
    const created = Math.floor(Date.now() / 1000);
    const model = modelId(facts);
    const object = kind === 'chat' ? (prepared.stream ? 'chat.completion.chunk' : 'chat.completion') : 'text_completion';
    const head = { id, object, created, model, system_fingerprint: SYSTEM_FINGERPRINT };
    const top = prepared.logprobs?.top ?? null;
    let textOffset = 0;

    const onPiece = prepared.stream
      ? (piece: Piece): void => {
          if (kind === 'chat') {
            writeEvent(response, {
              ...head,
              choices: [{ index: 0, delta: { content: piece.text }, logprobs: top === null ? null : { content: [chatLogprob(piece.text, piece.token, top)], refusal: null }, finish_reason: null }],
              ...(prepared.includeUsage ? { usage: null } : {}),
            });
          } else {
            writeEvent(response, {
              ...head,
              choices: [{ index: 0, text: piece.text, logprobs: top === null ? null : legacyLogprobs([piece], top, textOffset), finish_reason: null }],
              ...(prepared.includeUsage ? { usage: null } : {}),
            });
            textOffset += piece.text.length;
          }
        }
      : (): void => {};

    const run = runPrepared(options.queue, `api:${meta.client}`, prepared, onPiece);
    inFlight.add(run);
    response.on('close', () => {
      if (!response.writableFinished) run.abort();
    });
    // A client that left while its body was being read is already gone: 'close' will not come again.
    if (response.destroyed) run.abort();
    if (prepared.stream) {
      response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      // The role comes first, as OpenAI sends it; the client knows it is queued.
      if (kind === 'chat') {
        writeEvent(response, {
          ...head,
          choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
          ...(prepared.includeUsage ? { usage: null } : {}),
        });
      }
    }
    let outcome: RunOutcome;
    try {
      outcome = await run.outcome;
    } finally {
      inFlight.delete(run);
    }
    meta.promptTokens = outcome.promptTokens;
    meta.completionTokens = outcome.completionTokens;
    if (response.writableEnded || response.destroyed) return;
    const usage = usageOf(outcome.promptTokens, outcome.completionTokens);
    if (prepared.stream) {
      const last = kind === 'chat'
        ? { index: 0, delta: {}, logprobs: null, finish_reason: outcome.finishReason }
        : { index: 0, text: '', logprobs: null, finish_reason: outcome.finishReason };
      writeEvent(response, { ...head, choices: [last], ...(prepared.includeUsage ? { usage: null } : {}) });
      if (prepared.includeUsage) writeEvent(response, { ...head, choices: [], usage });
      response.end('data: [DONE]\n\n');
      return;
    }
    if (kind === 'chat') {
      return sendJson(response, 200, {
        ...head,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: outcome.text, refusal: null },
            logprobs: top === null ? null : { content: outcome.pieces.map((p) => chatLogprob(p.text, p.token, top)), refusal: null },
            finish_reason: outcome.finishReason,
          },
        ],
        usage,
      });
    }
    return sendJson(response, 200, {
      ...head,
      choices: [{ index: 0, text: outcome.text, logprobs: top === null ? null : legacyLogprobs(outcome.pieces, top, 0), finish_reason: outcome.finishReason }],
      usage,
    });
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://${urlHost(host)}:${port}/v1`,
    host,
    port,
    close: () =>
      new Promise<void>((resolvePromise) => {
        for (const run of inFlight) run.abort();
        server.closeAllConnections();
        server.close(() => resolvePromise());
      }),
  };
}

type Route =
  | { name: 'models' }
  | { name: 'model'; id: string }
  | { name: 'chat' }
  | { name: 'completions' }
  | { name: 'embeddings' }
  | 'unknown'
  | 'wrong-method';

function routeOf(method: string, path: string): Route {
  const p = path.replace(/\/+$/, '');
  const get = (route: Route): Route => (method === 'GET' || method === 'HEAD' ? route : 'wrong-method');
  const post = (route: Route): Route => (method === 'POST' ? route : 'wrong-method');
  if (p === '/v1/models') return get({ name: 'models' });
  if (p.startsWith('/v1/models/') && p.length > '/v1/models/'.length) {
    let id: string;
    try {
      id = decodeURIComponent(p.slice('/v1/models/'.length));
    } catch {
      return 'unknown';
    }
    return get({ name: 'model', id });
  }
  if (p === '/v1/chat/completions') return post({ name: 'chat' });
  if (p === '/v1/completions') return post({ name: 'completions' });
  if (p === '/v1/embeddings') return post({ name: 'embeddings' });
  return 'unknown';
}

function loopbackHostHeader(header: string | undefined, port: number): boolean {
  if (header === undefined) return false;
  return header === `127.0.0.1:${port}` || header === `localhost:${port}` || header === `[::1]:${port}`;
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function authorized(header: string | undefined, keyDigest: Buffer): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  return timingSafeEqual(digest(match[1].trim()), keyDigest);
}

function clientName(address: string, user: string | null | undefined): string {
  return user ? `${address} (${user})` : address;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return firstLanAddress() ?? '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** The first non-internal IPv4 address, for showing where other computers reach the server. */
export function firstLanAddress(): string | null {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZod(parsed.error);
  return parsed.data;
}

/** Reads a JSON body (at most MAX_BODY_BYTES). A body that says it is not JSON is refused (see startApiServer). */
async function readBody(request: IncomingMessage): Promise<unknown> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== '' && type !== 'application/json') {
    throw new ApiError(415, `Send the body as JSON with Content-Type: application/json (got ${type.slice(0, 100)}).`, 'invalid_request_error', 'unsupported_media_type');
  }
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) throw new ApiError(413, `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB.`, 'invalid_request_error', 'body_too_large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB.`, 'invalid_request_error', 'body_too_large');
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim().length === 0) throw invalidRequest('The request has no body. Send a JSON object.', null, 'invalid_body');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidRequest('We could not parse the JSON body of your request. Send valid JSON.', null, 'invalid_json');
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

function sendError(response: ServerResponse, error: ApiError): void {
  const headers: Record<string, string> = error.retryAfter !== null ? { 'Retry-After': String(error.retryAfter) } : { ...NO_RETRY };
  sendJson(response, error.status, error.toBody(), headers);
}

function writeEvent(response: ServerResponse, body: unknown): void {
  if (!response.writableEnded && !response.destroyed) response.write(`data: ${JSON.stringify(body)}\n\n`);
}
