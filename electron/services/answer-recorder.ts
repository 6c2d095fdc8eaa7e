import { AnswerParts } from '../contract/answer-parts';
import type { GenerationStats, MessageStatus } from '../contract/conversation';
import { toWireError, type WireError } from '../contract/errors';
import type { EventHub } from '../contract/rpc';
import type { GeneratedToken } from '../contract/token';
import { splitBatch, type TokenBatch } from '../contract/token-batch';
import type { Store } from '../store/store';

/**
 * A streaming answer is written to SQLite at most this often, so that a crash of the engine or of
 * the whole app loses at most this much of it, without a write per token.
 */
export const SAVE_INTERVAL_MS = 200;

export interface AnswerIds {
  conversationId: string;
  messageId: string;
}

/**
 * One answer as it is written: its tokens so far (a branch's kept prefix first), the answer's and a
 * reasoning model's thought's text rebuilt from exactly those tokens (so text and probabilities never
 * disagree), each batch the engine sent passed to clients as one delta (a 'chat.tokens' event),
 * progress saved every SAVE_INTERVAL_MS, and the final save with its chat.end event. The chat
 * service decides when an answer starts and ends; this only records it.
 */
export class AnswerRecorder {
  private readonly tokens: GeneratedToken[];
  private readonly parts: AnswerParts;
  private readonly ids: AnswerIds;
  private lastSave: number;

  constructor(
    private readonly store: Store,
    private readonly hub: EventHub,
    ids: AnswerIds,
    prefix: readonly GeneratedToken[],
    private readonly now: () => number,
    private readonly log: (message: string) => void,
  ) {
    // Copied: the caller's object may carry more (the chat service's active answer), and the ids
    // are spread into every event sent to clients.
    this.ids = { conversationId: ids.conversationId, messageId: ids.messageId };
    this.tokens = [...prefix];
    this.parts = new AnswerParts(prefix);
    this.lastSave = now();
  }

  get content(): string {
    return this.parts.content;
  }

  /** The tokens recorded from index `from` on (a branch's prefix counts from 0, as streamed indexes do). */
  tokensFrom(from: number): GeneratedToken[] {
    return this.tokens.slice(from);
  }

  /** Saves the prefix alone, before generation starts (a branch shows its kept text at once). */
  saveNow(): void {
    this.store.saveProgress(this.ids.messageId, this.parts.content, this.tokens, this.parts.thought);
    this.lastSave = this.now();
  }

  /**
   * Records one streamed batch and sends it on as one event (split only past MAX_BATCH_TOKENS, which
   * the engine's own batches never reach). False when the answer can no longer be saved (its
   * conversation was deleted meanwhile): the caller stops the generation, nothing crashes.
   */
  push(batch: TokenBatch): boolean {
    for (const token of batch.tokens) {
      this.tokens.push(token);
      this.parts.push(token);
    }
    for (const part of splitBatch(batch)) this.hub.emit('chat.tokens', { ...this.ids, first: part.first, tokens: part.tokens });
    if (this.now() - this.lastSave < SAVE_INTERVAL_MS) return true;
    try {
      this.saveNow();
      return true;
    } catch (error) {
      this.log(`Could not save the answer being written: ${toWireError(error).message}`);
      return false;
    }
  }

  /** The final state, saved; chat.end is sent whatever the save's outcome (a failed save still throws). */
  finish(status: MessageStatus, stats: GenerationStats | null, error: WireError | null): void {
    const { conversationId, messageId } = this.ids;
    const content = this.parts.content;
    try {
      this.store.finishMessage(messageId, { content, thought: this.parts.thought, tokens: this.tokens, status, stats, error });
    } finally {
      this.hub.emit('chat.end', { conversationId, messageId, status, content, stats, error });
    }
  }
}
