import type { z } from 'zod';
import { GlassboxError } from '../contract/errors';
import type { Alternative, GeneratedToken, SamplingPool } from '../contract/token';

/**
 * Tokens on disk: a JSON array with one compact tuple per token,
 *   [id, text, p, [[id, text, p], ...]]  or, for a reasoning model's thought and its markers,
 *   [id, text, p, [[id, text, p], ...], 't' | 'm']
 * and, for a token drawn from the sampler's pool (contract/token.ts samplingPoolSchema),
 *   [id, text, p, [[id, text, p], ...], 't' | 'm' | null, [size, afterTopK, afterTopP, kept, weight]]
 * instead of objects, which roughly halves the size (no repeated key names). Probabilities are
 * written with JSON.stringify's shortest round-trip form, so doubles come back bit-identical; lone
 * surrogates (half an emoji split across two tokens) are escaped by JSON, so they survive too.
 */
type EncodedAlternative = [number, string, number];
type EncodedPool = [number, number, number, number, number];
type EncodedToken =
  | [number, string, number, EncodedAlternative[]]
  | [number, string, number, EncodedAlternative[], SegmentCode]
  | [number, string, number, EncodedAlternative[], SegmentCode | null, EncodedPool];
type SegmentCode = 't' | 'm';
const SEGMENT_CODES = { thought: 't', marker: 'm' } as const satisfies Record<NonNullable<GeneratedToken['segment']>, SegmentCode>;
const SEGMENTS: Record<SegmentCode, NonNullable<GeneratedToken['segment']>> = { t: 'thought', m: 'marker' };

function checkProbability(p: number, where: string): void {
  // JSON has no NaN or Infinity; refuse them here rather than write a row that cannot be read.
  if (!Number.isFinite(p)) throw new GlassboxError('invalid-argument', `${where}: probability ${p} is not finite`);
}

export function encodeTokens(tokens: readonly GeneratedToken[]): string {
  const encoded: EncodedToken[] = tokens.map((token, index) => {
    checkProbability(token.p, `token ${index}`);
    const top = token.top.map((alt): EncodedAlternative => {
      checkProbability(alt.p, `token ${index} alternative`);
      return [alt.id, alt.text, alt.p];
    });
    const segment = token.segment === undefined ? null : SEGMENT_CODES[token.segment];
    if (token.pool !== undefined) {
      const { size, afterTopK, afterTopP, kept, weight } = token.pool;
      return [token.id, token.text, token.p, top, segment, [size, afterTopK, afterTopP, kept, weight]];
    }
    return segment === null ? [token.id, token.text, token.p, top] : [token.id, token.text, token.p, top, segment];
  });
  return JSON.stringify(encoded);
}

/** A database row that does not decode; names the row and column so the message is actionable. */
export function badRow(where: string, problem: string, cause?: unknown): GlassboxError {
  return new GlassboxError('database-corrupt', `${where} could not be read: ${problem}`, { cause });
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRow(where, 'not valid JSON', error);
  }
}

function isProbability(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= 1;
}

function decodeAlternative(value: unknown): Alternative | null {
  if (!Array.isArray(value) || value.length !== 3) return null;
  const [id, text, p] = value as unknown[];
  if (!Number.isInteger(id) || typeof text !== 'string' || !isProbability(p)) return null;
  return { id: id as number, text, p };
}

function decodePool(value: unknown): SamplingPool | null {
  if (!Array.isArray(value) || value.length !== 5) return null;
  const [size, afterTopK, afterTopP, kept, weight] = value as unknown[];
  const counts = [size, afterTopK, afterTopP, kept];
  if (!counts.every((n) => Number.isInteger(n) && (n as number) >= 1) || typeof weight !== 'number' || !(weight > 0)) return null;
  return { size: size as number, afterTopK: afterTopK as number, afterTopP: afterTopP as number, kept: kept as number, weight };
}

/**
 * Decodes and validates by hand rather than with zod: a long answer holds tens of thousands of
 * alternatives, and this runs on every conversation load.
 */
export function decodeTokens(text: string, where: string): GeneratedToken[] {
  const value = parseJson(text, where);
  if (!Array.isArray(value)) throw badRow(where, 'tokens are not an array');
  return value.map((item: unknown, index): GeneratedToken => {
    const problem = `token ${index} is malformed`;
    if (!Array.isArray(item) || item.length < 4 || item.length > 6) throw badRow(where, problem);
    const [id, tokenText, p, top, code, encodedPool] = item as unknown[];
    if (!Number.isInteger(id) || typeof tokenText !== 'string' || !isProbability(p) || !Array.isArray(top)) {
      throw badRow(where, problem);
    }
    if (code !== undefined && code !== null && code !== 't' && code !== 'm') throw badRow(where, problem);
    const pool = encodedPool === undefined ? undefined : decodePool(encodedPool);
    if (pool === null) throw badRow(where, `the sampling pool of token ${index} is malformed`);
    const alternatives = top.map((alt: unknown) => {
      const decoded = decodeAlternative(alt);
      if (decoded === null) throw badRow(where, `an alternative of token ${index} is malformed`);
      return decoded;
    });
    return {
      id: id as number,
      text: tokenText,
      p,
      top: alternatives,
      ...(code === undefined || code === null ? {} : { segment: SEGMENTS[code] }),
      ...(pool === undefined ? {} : { pool }),
    };
  });
}

/** Small JSON columns (stats, model, sampling, error): parsed and checked against the contract. */
export function decodeJson<T>(text: string | null, schema: z.ZodType<T>, where: string): T | null {
  if (text === null) return null;
  const result = schema.safeParse(parseJson(text, where));
  if (!result.success) throw badRow(where, result.error.issues[0]?.message ?? 'unexpected shape');
  return result.data;
}

export function encodeJson(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text columns hold UTF-8, which cannot encode a lone surrogate (half an emoji, as an answer stopped
 * between two tokens can end): SQLite would keep invalid bytes that read back as three U+FFFD. Text is
 * made well-formed before it is written, each lone surrogate becoming one U+FFFD, so what is read back
 * is always what a well-formed write would give. Token texts keep them exactly (JSON-escaped).
 */
export function wellFormed(text: string): string {
  return SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\ufffd') : text;
}
