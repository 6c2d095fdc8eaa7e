import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, invalidRequest } from './errors';

/** The HTTP plumbing of the API: JSON bodies in, JSON and server-sent events out. */

export const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** Tells the official clients not to retry an answer that will not change (they retry 5xx by default). */
const NO_RETRY = { 'x-should-retry': 'false' } as const;

/**
 * Reads a JSON body (at most MAX_BODY_BYTES). The Content-Type must say application/json: a web
 * page can send a body without a type (a Blob) or as text/plain with no CORS preflight, and the
 * JSON type is what makes the browser ask first.
 */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json') {
    const got = type === '' ? 'none' : type.slice(0, 100);
    throw new ApiError(415, `Send the body as JSON with Content-Type: application/json (got ${got}).`, 'invalid_request_error', 'unsupported_media_type');
  }
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
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

function tooLarge(): ApiError {
  return new ApiError(413, `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB.`, 'invalid_request_error', 'body_too_large');
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

export function sendError(response: ServerResponse, error: ApiError): void {
  const headers: Record<string, string> = error.retryAfter !== null ? { 'Retry-After': String(error.retryAfter) } : { ...NO_RETRY };
  sendJson(response, error.status, error.toBody(), headers);
}

export function writeEvent(response: ServerResponse, body: unknown): void {
  if (!response.writableEnded && !response.destroyed) response.write(`data: ${JSON.stringify(body)}\n\n`);
}
