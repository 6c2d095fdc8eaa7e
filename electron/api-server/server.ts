import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import type { z } from 'zod';
import type { EngineQueue } from '../services/engine-queue';
import type { ApiRequestLog } from '../contract/api-server';
import { GlassboxError } from '../contract/errors';
import type { ModelFacts, ModelState } from '../contract/model';
import { closeNow, listenOn } from '../net/http-listen';
import { authorized, browserRefusal, connectionIdentity, corsHeaders, isLoopbackHost, keyDigest, loopbackHostHeader, normalizeOrigin } from './access';
import { answerCompletion } from './completion-response';
import { ApiError, fromServiceError, fromZod } from './errors';
import { readJsonBody, sendError, sendJson, writeEvent } from './http';
import { chatCompletionRequestSchema, completionRequestSchema } from './openai-schema';
import { LoadedModel } from './loaded-model';
import { prepareChat, prepareCompletion, type PreparedRequest } from './requests';
import { routeOf } from './routes';
import type { RunHandle } from './run';

export interface ApiServerOptions {
  queue: EngineQueue;
  /** The model the app has loaded (ModelService.current, or the CLI's own). */
  modelState: () => ModelState;
  /** 127.0.0.1 unless the user explicitly chose otherwise; any other address needs apiKey. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  apiKey?: string | null;
  /** Web origins (http://host:port) whose pages may call the API; every other page is refused. */
  allowedOrigins?: readonly string[];
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

/** Per request: what the log line will say. */
interface Meta {
  promptTokens: number | null;
  completionTokens: number | null;
  client: string;
}

/**
 * The OpenAI-compatible API over the app's engine queue. Binds 127.0.0.1 by default and then only
 * answers requests addressed to a loopback name (no DNS rebinding); any other address requires an
 * API key. Requests from web pages are refused unless their origin was allowed, and POST bodies
 * must say they are JSON (see access.ts and http.ts for why).
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? null;
  const loopback = isLoopbackHost(host);
  if (!loopback && apiKey === null) {
    throw new GlassboxError('invalid-argument', `Listening on ${host} lets other computers use the model, so it needs an API key. Set one, or listen on 127.0.0.1 only.`);
  }
  const digest = apiKey === null ? null : keyDigest(apiKey);
  const allowedOrigins = new Set((options.allowedOrigins ?? []).map((o) => normalizeOrigin(o)).filter((o): o is string => o !== null));
  let port = options.port ?? 0;
  let nextLogId = 1;
  const model = new LoadedModel(options.modelState);
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
    const refusal = browserRefusal(request.headers, allowedOrigins);
    if (refusal) throw refusal;
    if (request.headers.origin !== undefined) {
      // Past browserRefusal, an Origin is one the user allowed: let its page read the answer.
      for (const [name, value] of Object.entries(corsHeaders(normalizeOrigin(request.headers.origin) ?? ''))) response.setHeader(name, value);
      if (request.method === 'OPTIONS') {
        response.writeHead(204).end();
        return;
      }
    }
    const route = routeOf(request.method ?? 'GET', path);
    if (route === 'unknown') throw new ApiError(404, `Invalid URL (${request.method ?? '?'} ${path.slice(0, 200)})`, 'invalid_request_error', 'unknown_url');
    if (route === 'wrong-method') throw new ApiError(405, `${request.method ?? '?'} is not allowed on ${path.slice(0, 200)}.`, 'invalid_request_error', 'method_not_allowed');
    if (digest !== null && !authorized(request.headers.authorization, digest)) {
      throw new ApiError(401, 'Incorrect API key provided. Use the key set in Glassbox (API tab or --api-key) as a Bearer token.', 'invalid_request_error', 'invalid_api_key');
    }
    switch (route.name) {
      case 'models':
        return sendJson(response, 200, { object: 'list', data: model.list() });
      case 'model':
        return sendJson(response, 200, model.find(route.id));
      case 'embeddings':
        await readJsonBody(request);
        throw new ApiError(
          501,
          'Embeddings are not supported: the loaded model is a text generation model and Glassbox has no embedding model loaded.',
          'invalid_request_error',
          'not_supported',
          'model',
        );
      case 'chat': {
        const body = parse(chatCompletionRequestSchema, await readJsonBody(request));
        const facts = model.require(body.model);
        return complete(request, response, meta, body.user, prepareChat(body, facts), facts, 'chat');
      }
      case 'completions': {
        const body = parse(completionRequestSchema, await readJsonBody(request));
        const facts = model.require(body.model);
        return complete(request, response, meta, body.user, prepareCompletion(body), facts, 'text');
      }
    }
  }

  async function complete(
    request: IncomingMessage,
    response: ServerResponse,
    meta: Meta,
    user: string | null | undefined,
    prepared: PreparedRequest,
    facts: ModelFacts,
    kind: 'chat' | 'text',
  ): Promise<void> {
    // The `user` field is shown in the log, but the queue's fairness rests on the connection alone.
    if (user) meta.client = `${meta.client} (${user})`;
    const tokens = await answerCompletion(response, {
      queue: options.queue,
      source: `api:${connectionIdentity(request.socket.remoteAddress)}`,
      prepared,
      facts,
      kind,
      beforeStart: () => model.requireStill(facts),
      inFlight,
    });
    meta.promptTokens = tokens.promptTokens;
    meta.completionTokens = tokens.completionTokens;
  }

  port = await listenOn(server, port, host);
  return {
    baseUrl: `http://${urlHost(host)}:${port}/v1`,
    host,
    port,
    close: () => {
      for (const run of inFlight) run.abort();
      return closeNow(server);
    },
  };
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
