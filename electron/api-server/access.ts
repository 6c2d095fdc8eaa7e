import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIPv6 } from 'node:net';
import { ApiError } from './errors';

/**
 * Who may use the API, and as whom. Every check here reads only what the connection itself
 * proves (its address, its Host, its key, the browser's own Origin and Sec-Fetch-Site headers),
 * never a field of the request body the client writes as it likes.
 */

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** On a loopback listener the Host header must name loopback too, or a DNS-rebound page could reach us. */
export function loopbackHostHeader(header: string | undefined, port: number): boolean {
  if (header === undefined) return false;
  return header === `127.0.0.1:${port}` || header === `localhost:${port}` || header === `[::1]:${port}`;
}

/** A key is compared through its digest, in constant time, so neither its length nor its bytes leak. */
export function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function authorized(header: string | undefined, digest: Buffer): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  return timingSafeEqual(keyDigest(match[1].trim()), digest);
}

/** `http://Host:port` as browsers write Origin, or null for anything else (including "null"). */
export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

/**
 * Refuses what a web page in the user's browser sends, unless the user allowed that page's
 * origin: browsers add Origin to every cross-origin fetch and form post, and Sec-Fetch-Site to
 * every request they make (only "none" when the user typed the address). A page may not read our
 * answers without CORS, but it could still queue generations, so it is refused before that.
 */
export function browserRefusal(headers: IncomingHttpHeaders, allowedOrigins: ReadonlySet<string>): ApiError | null {
  const origin = headers.origin;
  if (origin !== undefined) {
    const normalized = normalizeOrigin(origin);
    if (normalized !== null && allowedOrigins.has(normalized)) return null;
    return new ApiError(
      403,
      `Requests from web pages (${origin.slice(0, 100)}) are refused. Allow this origin in Glassbox (--allow-origin) if you trust it.`,
      'invalid_request_error',
      'origin_not_allowed',
    );
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'none' && site !== 'same-origin') {
    return new ApiError(403, `Requests a browser makes for another site (Sec-Fetch-Site: ${site.slice(0, 40)}) are refused.`, 'invalid_request_error', 'origin_not_allowed');
  }
  return null;
}

/** What an allowed origin's page needs to read our answers and to send JSON with a key. */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type',
    'Access-Control-Max-Age': '600',
    Vary: 'Origin',
  };
}

/**
 * The queue's notion of "one client": the peer's address, as the socket knows it. An IPv6 host
 * picks new addresses within its /64 at will, so the /64 counts as one client; IPv4-mapped
 * addresses count as their IPv4 form.
 */
export function connectionIdentity(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined || remoteAddress === '') return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remoteAddress);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(remoteAddress) || remoteAddress === '::1') return remoteAddress;
  return `${expandIPv6(remoteAddress).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]?.split('::') ?? [''];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = Array.from({ length: Math.max(0, 8 - left.length - right.length) }, () => '0');
  return [...left, ...zeros, ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}
