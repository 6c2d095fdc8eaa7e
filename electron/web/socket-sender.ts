import type { EventPayload } from '../contract/api';
import type { WireFromServer } from '../contract/rpc';
import type { GeneratedToken } from '../contract/token';
import { splitBatch } from '../contract/token-batch';

/**
 * What web mode sends one browser tab, with back-pressure: a stalled or slow tab must not grow the
 * server's memory without bound (ws buffers whatever is sent to a socket that is not read).
 *
 * While the socket's unsent bytes are under HIGH_WATER, everything goes at once. Above it the
 * sender holds back: streamed token batches ('chat.tokens') are not kept at all, only, per answer,
 * the first index the tab missed; progress events are coalesced (only the latest of each kind and
 * subject is kept); other events and call results, which a tab waits for, are queued. Once the
 * socket has drained below LOW_WATER, the missed tokens are sent again from the answer itself
 * (`TokenReplay`: the chat service's tokens so far, or the saved message) as one 'chat.tokens'
 * batch per answer (split at MAX_BATCH_TOKENS), then the held events and results, in order. What is held is bounded by the answers
 * being written and the calls the tab made, never by the tokens streamed; a tab that still holds
 * back more than MAX_HELD_BYTES of results is disconnected (it reconnects and reloads).
 */

/** The part of ws's WebSocket this needs. */
export interface SocketLike {
  readonly bufferedAmount: number;
  readonly readyState: number;
  readonly OPEN: number;
  send(data: string): void;
  close(code: number, reason: string): void;
}

/** The tokens of an answer from index `from` on, as they are now; null when the answer is unknown. */
export type TokenReplay = (messageId: string, from: number) => GeneratedToken[] | null;

export interface SenderLimits {
  highWater: number;
  lowWater: number;
  maxHeldBytes: number;
  pollMs: number;
}

export const DEFAULT_LIMITS: SenderLimits = { highWater: 1 << 20, lowWater: 256 << 10, maxHeldBytes: 64 << 20, pollMs: 50 };

interface Missed {
  conversationId: string;
  from: number;
}

export class SocketSender {
  private stalled = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Per answer (message id) whose tokens were not sent: the first index missed. */
  private readonly missed = new Map<string, Missed>();
  /** Held events (latest per kind and subject) and results, in the order they came. */
  private readonly held = new Map<string, string>();
  private heldBytes = 0;
  private queued = 0;

  private replay: TokenReplay | null = null;

  constructor(
    private readonly ws: SocketLike,
    private readonly limits: SenderLimits = DEFAULT_LIMITS,
  ) {}

  /** Where missed tokens are read back from; without one (services still starting) tokens are held like other events. */
  useReplay(replay: TokenReplay): void {
    this.replay = replay;
  }

  /** Bytes held back right now (results and coalesced events; tokens are never held). */
  get heldBack(): number {
    return this.heldBytes;
  }

  send(message: WireFromServer): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (!this.stalled && this.ws.bufferedAmount < this.limits.highWater) {
      this.ws.send(JSON.stringify(message));
      return;
    }
    this.hold(message);
    if (!this.stalled) {
      this.stalled = true;
      this.timer = setInterval(() => this.drainIfRead(), this.limits.pollMs);
    }
  }

  /** Stops watching the socket (it closed). */
  dispose(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.missed.clear();
    this.held.clear();
    this.heldBytes = 0;
  }

  private hold(message: WireFromServer): void {
    if (message.type === 'event' && message.name === 'chat.tokens' && this.replay !== null) {
      const { conversationId, messageId, first } = message.payload as EventPayload<'chat.tokens'>;
      const seen = this.missed.get(messageId);
      if (seen === undefined || first < seen.from) this.missed.set(messageId, { conversationId, from: first });
      return;
    }
    const key = message.type === 'event' && COALESCED.has(message.name) ? `event:${message.name}:${subjectOf(message.payload)}` : `queued:${this.queued++}`;
    const text = JSON.stringify(message);
    const before = this.held.get(key);
    if (before !== undefined) this.heldBytes -= before.length;
    // Deleted first, so a newer state of the same subject takes its turn at the end.
    this.held.delete(key);
    this.held.set(key, text);
    this.heldBytes += text.length;
    if (this.heldBytes > this.limits.maxHeldBytes) {
      this.dispose();
      this.ws.close(1008, 'The page stopped reading; reload it');
    }
  }

  private drainIfRead(): void {
    if (this.ws.readyState !== this.ws.OPEN) return this.dispose();
    if (this.ws.bufferedAmount >= this.limits.lowWater) return;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.stalled = false;
    const missed = [...this.missed];
    this.missed.clear();
    for (const [messageId, { conversationId, from }] of missed) {
      const tokens = this.replay?.(messageId, from) ?? [];
      for (const batch of splitBatch({ first: from, tokens })) {
        const payload: EventPayload<'chat.tokens'> = { conversationId, messageId, first: batch.first, tokens: batch.tokens };
        this.ws.send(JSON.stringify({ type: 'event', name: 'chat.tokens', payload }));
      }
    }
    const held = [...this.held.values()];
    this.held.clear();
    this.heldBytes = 0;
    for (const text of held) this.ws.send(text);
  }
}

/** Events that each carry a whole state (a progress, the model's state): only the latest counts. */
const COALESCED: ReadonlySet<string> = new Set(['model.state', 'models.download', 'documents.progress', 'documents.embedding', 'trace.progress']);

/** What an event is about, so only states of the same thing replace each other. */
function subjectOf(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) return '';
  const { messageId, conversationId, id, jobId, documentId } = payload as Record<string, unknown>;
  return [messageId, conversationId, id, jobId, documentId].filter((v) => typeof v === 'string').join('/');
}
