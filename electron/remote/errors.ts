import { GlassboxError } from '../contract/errors';

/**
 * HTTP and network failures of a remote OpenAI-compatible endpoint → typed errors the UI can act
 * on. Messages say what happened and what the user can do, in one or two sentences, and name the
 * host (never the API key).
 */

/** Node's codes for "nobody answered there". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** OpenSSL / Node codes for a certificate or handshake that failed. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

export function errorCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}

/** A failure before any HTTP answer: refused, unknown host, TLS, reset. */
export function networkError(error: unknown, host: string): GlassboxError {
  if (error instanceof GlassboxError) return error;
  const code = errorCode(error) ?? '';
  const detail = error instanceof Error ? error.message : String(error);
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /certificate|ssl|tls/i.test(detail)) {
    return new GlassboxError(
      'remote-tls',
      `The secure connection to ${host} failed (${code || detail}). Its certificate is not trusted (self-signed or for another name); use a trusted certificate or http:// on a private network.`,
      { cause: error },
    );
  }
  if (UNREACHABLE_CODES.has(code)) {
    return new GlassboxError(
      'remote-unreachable',
      `Could not reach ${host} (${code}). Check that the server is running and the address is right.`,
      { cause: error },
    );
  }
  return new GlassboxError('remote-unreachable', `Could not talk to ${host}: ${detail}`, { cause: error });
}

/** The server's own error message from an OpenAI-style body ({error: {message}}), when it sent one. */
export function serverMessage(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const error = (parsed as { error?: unknown }).error;
      if (typeof error === 'string') return error.slice(0, 300);
      if (typeof error === 'object' && error !== null) {
        const message = (error as { message?: unknown }).message;
        if (typeof message === 'string') return message.slice(0, 300);
      }
      const message = (parsed as { message?: unknown }).message;
      if (typeof message === 'string') return message.slice(0, 300);
    }
  } catch {
    // not JSON: fall through to the text itself
  }
  const text = body.trim();
  return text.length > 0 ? text.slice(0, 300) : null;
}

/**
 * Retry-After in milliseconds: delay-seconds or an HTTP date; null when absent or unreadable.
 * `now` is for tests.
 */
export function retryAfterMs(header: string | string[] | undefined, now: number = Date.now()): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** An HTTP error status → a typed error. `what` names the request ("the model list", "model X"). */
export function httpError(status: number, body: string, host: string, what: string, retryMs: number | null = null): GlassboxError {
  const said = serverMessage(body);
  const suffix = said === null ? '' : ` The server said: ${said}`;
  if (status === 401 || status === 403) {
    return new GlassboxError(
      'remote-auth',
      `${host} refused the request (${status} ${status === 401 ? 'unauthorized' : 'forbidden'}). Check the endpoint's API key in Settings → Engines.${suffix}`,
    );
  }
  if (status === 404) {
    return new GlassboxError('remote-not-found', `${host} has no ${what} (404). Check the model name and the base URL (it usually ends in /v1).${suffix}`);
  }
  if (status === 429) {
    const wait = retryMs === null ? '' : ` It asks to wait ${Math.ceil(retryMs / 1000)} s.`;
    return new GlassboxError('remote-rate-limited', `${host} is rate-limiting requests (429).${wait} Try again later.${suffix}`);
  }
  return new GlassboxError('remote-failed', `${host} answered ${status} for ${what}.${suffix}`);
}
