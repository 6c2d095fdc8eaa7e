import type { GeneratedToken } from '../contract/token';

/**
 * Logprobs from the engine's probabilities (contract/token.ts): `logprob = ln(p)`, where p is the
 * model's next-token probability at temperature 1 over the whole vocabulary (requests.ts asks the
 * engine for exact probabilities whenever logprobs are requested) — measured before the request's
 * temperature, top_p and min_p reshape the draw, as OpenAI and llama-server's n_probs mean it.
 */

/** What OpenAI writes for a token whose probability underflows to 0 (ln 0 is not a JSON number). */
export const LOGPROB_FLOOR = -9999;

export function logprobOf(p: number): number {
  return p > 0 ? Math.log(p) : LOGPROB_FLOOR;
}

/** UTF-8 bytes of the token's text (a token ending inside a character has an empty text; the next one carries the whole character). */
export function utf8Bytes(text: string): number[] {
  return [...Buffer.from(text, 'utf8')];
}

export interface TopLogprob {
  token: string;
  logprob: number;
  bytes: number[];
}

export interface ChatLogprob extends TopLogprob {
  top_logprobs: TopLogprob[];
}

/** One token of chat.completion(.chunk).choices[].logprobs.content. `text` is what was sent (cut before a stop string). */
export function chatLogprob(text: string, token: GeneratedToken, top: number): ChatLogprob {
  return {
    token: text,
    logprob: logprobOf(token.p),
    bytes: utf8Bytes(text),
    top_logprobs: token.top.slice(0, top).map((a) => ({ token: a.text, logprob: logprobOf(a.p), bytes: utf8Bytes(a.text) })),
  };
}

/** The legacy completions' logprobs object for a run of tokens starting at character `offset`. */
export interface LegacyLogprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Record<string, number>[];
  text_offset: number[];
}

export function legacyLogprobs(pieces: readonly { text: string; token: GeneratedToken }[], top: number, offset: number): LegacyLogprobs {
  const result: LegacyLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let at = offset;
  for (const { text, token } of pieces) {
    result.tokens.push(text);
    result.token_logprobs.push(logprobOf(token.p));
    const alternatives: Record<string, number> = {};
    // Two alternatives can share a text (a byte token and a whole one); the more probable one is kept.
    for (const a of token.top.slice(0, top)) if (!(a.text in alternatives)) alternatives[a.text] = logprobOf(a.p);
    result.top_logprobs.push(alternatives);
    result.text_offset.push(at);
    at += text.length;
  }
  return result;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usageOf(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}
