import type { EventPayload } from '../../../electron/contract/api';
import type { GeneratedToken } from '../../../electron/contract/token';

type TokenEvent = EventPayload<'chat.token'>;
export type EndEvent = EventPayload<'chat.end'>;

/**
 * Streamed deltas waiting to be shown: token events per message, and the final chat.end. Plain
 * (non-reactive) on purpose; the chat store drains it once per animation frame.
 */
export class StreamBuffer {
  private readonly tokens = new Map<string, TokenEvent[]>();
  private readonly ends = new Map<string, EndEvent>();

  addToken(event: TokenEvent): void {
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
   * Appends the waiting tokens for a message to those it already has (an index already present is
   * skipped, so a replay after a reload does no harm) and takes its end event, if any.
   */
  take(messageId: string, existing: readonly GeneratedToken[]): { tokens: GeneratedToken[] | null; end: EndEvent | null } {
    const events = this.tokens.get(messageId);
    this.tokens.delete(messageId);
    const end = this.ends.get(messageId) ?? null;
    this.ends.delete(messageId);
    if (!events) return { tokens: null, end };
    const tokens = [...existing];
    for (const event of events) {
      if (event.index < tokens.length) continue;
      tokens.push(event.token);
    }
    return { tokens, end };
  }
}
