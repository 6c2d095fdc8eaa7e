import type { EventPayload } from '../../../electron/contract/api';
import type { GeneratedToken } from '../../../electron/contract/token';

type TokensEvent = EventPayload<'chat.tokens'>;
export type EndEvent = EventPayload<'chat.end'>;

/**
 * Streamed deltas waiting to be shown: token batches per message, and the final chat.end. Plain
 * (non-reactive) on purpose; the chat store drains it once per animation frame (rendering at most
 * once a frame, however many batches came).
 */
export class StreamBuffer {
  private readonly tokens = new Map<string, TokensEvent[]>();
  private readonly ends = new Map<string, EndEvent>();

  addTokens(event: TokensEvent): void {
    let list = this.tokens.get(event.messageId);
    if (!list) this.tokens.set(event.messageId, (list = []));
    list.push(event);
  }

  addEnd(event: EndEvent): void {
    this.ends.set(event.messageId, event);
  }

  clear(): void {
    this.tokens.clear();
    this.ends.clear();
  }

  /** Message ids with something waiting, token events first. */
  messageIds(): string[] {
    return [...new Set([...this.tokens.keys(), ...this.ends.keys()])];
  }

  /**
   * Appends the waiting tokens for a message to those it already has (indexes already present are
   * skipped, so a replay after a reload or a catch-up does no harm) and takes its end event, if any.
   */
  take(messageId: string, existing: readonly GeneratedToken[]): { tokens: GeneratedToken[] | null; end: EndEvent | null } {
    const events = this.tokens.get(messageId);
    this.tokens.delete(messageId);
    const end = this.ends.get(messageId) ?? null;
    this.ends.delete(messageId);
    if (!events) return { tokens: null, end };
    const tokens = [...existing];
    for (const event of events) {
      // A batch may overlap what the message has: only its tokens past the end are new.
      const known = tokens.length - event.first;
      if (known >= event.tokens.length) continue;
      tokens.push(...(known > 0 ? event.tokens.slice(known) : event.tokens));
    }
    return { tokens, end };
  }
}
