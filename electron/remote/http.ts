import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { GlassboxError } from '../contract/errors';
import { httpError, networkError, retryAfterMs } from './errors';

/**
 * The remote engine's only way out: one request to the endpoint the user configured, over
 * node:http(s) (no proxy, no redirects followed, certificates verified). Every URL is built from
 * the endpoint's base URL, so nothing reaches a host the user did not name.
 */
export interface HttpTarget {
  baseUrl: string;
  apiKey: string | null;
}

export interface HttpReply {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

/** Connecting and the server's first byte; a streaming answer may then take as long as it needs. */
const CONNECT_TIMEOUT_MS = 15_000;
/** The longest Retry-After honoured with one automatic retry. */
export const MAX_RETRY_WAIT_MS = 10_000;

export function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}

/** A base URL as stored: http(s) only, no credentials, query or fragment, no trailing slash. */
export function normalizeBaseUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new GlassboxError('invalid-argument', `'${input.slice(0, 200)}' is not a URL. Enter the server's base URL, e.g. http://127.0.0.1:8080/v1.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GlassboxError('invalid-argument', `Only http:// and https:// endpoints are supported, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new GlassboxError('invalid-argument', 'Put the API key in its own field, not in the URL.');
  }
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/** `${base}/${path}`; `path` starting with '/' is taken from the server root (llama-server's /apply-template). */
export function endpointUrl(baseUrl: string, path: string): URL {
  if (path.startsWith('/')) {
    const root = baseUrl.replace(/\/v1$/, '');
    return new URL(`${root}${path}`);
  }
  return new URL(`${baseUrl}/${path}`);
}

export function send(target: HttpTarget, method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<HttpReply> {
  const url = endpointUrl(target.baseUrl, path);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { Accept: 'application/json, text/event-stream' };
  if (payload !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  if (target.apiKey !== null && target.apiKey !== '') headers.Authorization = `Bearer ${target.apiKey}`;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<HttpReply>((resolve, reject) => {
    const req = request(url, { method, headers, ...(signal ? { signal } : {}) }, (response) => {
      clearTimeout(timer);
      resolve({ status: response.statusCode ?? 0, headers: response.headers, body: response });
    });
    const timer = setTimeout(() => {
      req.destroy(Object.assign(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' }));
    }, CONNECT_TIMEOUT_MS);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(isAbort(error) ? error : networkError(error, url.host));
    });
    req.end(payload);
  });
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR');
}

export async function readText(body: IncomingMessage, limit = 4 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      body.destroy();
      break;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A request that must succeed (2xx): a 429 whose Retry-After is at most MAX_RETRY_WAIT_MS is retried
 * once after that delay; any other error status becomes a typed error (its body read for the message).
 */
export async function sendOk(
  target: HttpTarget,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  what: string,
  signal?: AbortSignal,
  maxRetryWaitMs: number = MAX_RETRY_WAIT_MS,
): Promise<HttpReply> {
  const host = hostOf(target.baseUrl);
  for (let attempt = 0; ; attempt++) {
    const reply = await send(target, method, path, body, signal);
    if (reply.status >= 200 && reply.status < 300) return reply;
    const text = await readText(reply.body, 64 * 1024).catch(() => '');
    const wait = retryAfterMs(reply.headers['retry-after']);
    if (reply.status === 429 && attempt === 0 && wait !== null && wait <= maxRetryWaitMs) {
      await sleep(wait, signal);
      continue;
    }
    throw httpError(reply.status, text, host, what, wait);
  }
}

export async function getJson(target: HttpTarget, path: string, what: string, signal?: AbortSignal): Promise<unknown> {
  const reply = await sendOk(target, 'GET', path, undefined, what, signal);
  const text = await readText(reply.body);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GlassboxError('remote-failed', `${hostOf(target.baseUrl)} did not answer ${what} with JSON. Is this an OpenAI-compatible endpoint (base URL ending in /v1)?`);
  }
}
