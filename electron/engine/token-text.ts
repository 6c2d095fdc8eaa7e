/**
 * Turns generated tokens into text one token at a time, so that the pieces concatenate to the text
 * of all tokens. Two traps: a UTF-8 character can be split across byte tokens (decoding one alone
 * gives U+FFFD), and SentencePiece drops or keeps a leading space depending on what came before —
 * so each piece is decoded with the previous tokens as context.
 */

/** The model's detokenizer: text of `tokens` as a continuation of `previous`. */
export type Detokenize = (tokens: readonly number[], previous: readonly number[]) => string;

/** A character is at most 4 UTF-8 bytes, so at most 4 byte tokens can be waiting for each other. */
const MAX_PENDING = 4;
/** Enough preceding tokens for the detokenizer's space heuristics. */
const CONTEXT_TOKENS = 8;

export class TokenTextDecoder {
  private readonly decoded: number[] = [];
  private pending: number[] = [];

  constructor(
    private readonly detokenize: Detokenize,
    /** Tokens before the answer (the prompt's tail), so the first piece is decoded in context. */
    context: readonly number[] = [],
  ) {
    this.decoded.push(...context.slice(-CONTEXT_TOKENS));
  }

  /** The text this token completes; '' while it is an unfinished part of a multi-byte character. */
  push(token: number): string {
    this.pending.push(token);
    const text = this.detokenize(this.pending, this.decoded.slice(-CONTEXT_TOKENS));
    if (text.endsWith('\uFFFD') && this.pending.length < MAX_PENDING) return '';
    return this.commit(text);
  }

  /** Whatever is still pending (an incomplete character at the very end), as the detokenizer renders it. */
  flush(): string {
    if (this.pending.length === 0) return '';
    return this.commit(this.detokenize(this.pending, this.decoded.slice(-CONTEXT_TOKENS)));
  }

  private commit(text: string): string {
    this.decoded.push(...this.pending);
    if (this.decoded.length > CONTEXT_TOKENS * 4) this.decoded.splice(0, this.decoded.length - CONTEXT_TOKENS);
    this.pending = [];
    return text;
  }
}
