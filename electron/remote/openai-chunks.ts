import { GlassboxError } from '../contract/errors';
import type { Alternative, GeneratedToken } from '../contract/token';

/**
 * What an OpenAI-compatible server streams, turned into our tokens: a chunk of
 * /v1/chat/completions (`delta` + `logprobs.content`) or of the legacy /v1/completions (`text` +
 * `logprobs.tokens`). It all comes from the network, so each field's type is checked before use.
 */

/** A stable 31-bit id for a token text (FNV-1a over its UTF-16 code units). */
export function tokenId(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 1;
}

export function probabilityOf(logprob: unknown): number {
  if (typeof logprob !== 'number' || Number.isNaN(logprob)) return 0;
  const p = Math.exp(logprob);
  return p > 1 ? 1 : p < 0 ? 0 : p;
}

/** Alternatives from `[{token, logprob}]` (chat) or `{token: logprob}` (legacy completions), sorted, one per text. */
export function alternativesOf(top: unknown, limit: number): Alternative[] {
  const pairs: [string, unknown][] = [];
  if (Array.isArray(top)) {
    for (const entry of top as unknown[]) {
      if (typeof entry === 'object' && entry !== null && typeof (entry as { token?: unknown }).token === 'string') {
        pairs.push([(entry as { token: string }).token, (entry as { logprob?: unknown }).logprob]);
      }
    }
  } else if (typeof top === 'object' && top !== null) {
    pairs.push(...Object.entries(top as Record<string, unknown>));
  }
  const byText = new Map<string, Alternative>();
  for (const [text, logprob] of pairs) {
    const p = probabilityOf(logprob);
    const seen = byText.get(text);
    if (!seen || seen.p < p) byText.set(text, { id: tokenId(text), text, p });
  }
  return [...byText.values()].sort((a, b) => b.p - a.p).slice(0, limit);
}

export function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

export function positiveInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

/** What has arrived of one answer so far. */
export interface StreamState {
  index: number;
  text: string;
  count: number;
  missing: boolean;
  firstAt: number | null;
  lastAt: number | null;
  finish: string | null;
  done: boolean;
  promptTokens: number | null;
  completionTokens: number | null;
}

export interface ChunkReader {
  /** The server's host, for error messages. */
  host: string;
  /** Alternatives kept per token. */
  top: number;
  /** True for /v1/completions chunks (branching), false for chat chunks. */
  legacy: boolean;
  emit: (token: GeneratedToken) => void;
}

/** Applies one chunk (a stream event's JSON, or a whole non-streamed answer) to `state`. */
export function readChunk(chunk: unknown, state: StreamState, reader: ChunkReader): void {
  const { emit, top, legacy } = reader;
  const body = record(chunk);
  if (!body) return;
  const error = body.error;
  if (error !== undefined && error !== null) {
    const message = typeof error === 'string' ? error : (record(error)?.message ?? JSON.stringify(error));
    throw new GlassboxError('remote-failed', `${reader.host} reported an error mid-answer: ${String(message).slice(0, 300)}`);
  }
  const usage = record(body.usage);
  if (usage) {
    state.promptTokens = positiveInt(usage.prompt_tokens) ?? state.promptTokens;
    state.completionTokens = positiveInt(usage.completion_tokens) ?? state.completionTokens;
  }
  const choices = Array.isArray(body.choices) ? (body.choices as unknown[]) : [];
  const choice = record(choices[0]);
  if (!choice) return;
  const message = record(choice.delta) ?? record(choice.message);
  const text = legacy ? choice.text : message?.content;
  const logprobs = record(choice.logprobs);
  let emitted = 0;
  if (legacy && logprobs && Array.isArray(logprobs.tokens)) {
    const tokens = logprobs.tokens as unknown[];
    const values = Array.isArray(logprobs.token_logprobs) ? (logprobs.token_logprobs as unknown[]) : [];
    const tops = Array.isArray(logprobs.top_logprobs) ? (logprobs.top_logprobs as unknown[]) : [];
    tokens.forEach((token, i) => {
      if (typeof token !== 'string') return;
      emit({ id: tokenId(token), text: token, p: probabilityOf(values[i]), top: alternativesOf(tops[i], top) });
      emitted++;
    });
  } else if (!legacy && logprobs && Array.isArray(logprobs.content)) {
    for (const entry of logprobs.content as unknown[]) {
      const item = record(entry);
      if (!item || typeof item.token !== 'string') continue;
      emit({ id: tokenId(item.token), text: item.token, p: probabilityOf(item.logprob), top: alternativesOf(item.top_logprobs, top) });
      emitted++;
    }
  }
  if (emitted === 0 && typeof text === 'string' && text.length > 0) {
    // No logprobs for this piece: the text still streams, with placeholders (see remote-engine.ts).
    state.missing = true;
    emit({ id: tokenId(text), text, p: 1, top: [] });
  }
  if (typeof choice.finish_reason === 'string') state.finish = choice.finish_reason;
}
