import type { GlassboxClient } from '../../../../electron/contract/api';
import { describeError } from '../errors';
import { carriedSummary, contextUse, largerContext, turnCount, type ContextUse } from '../context-use';
import type { ChatStore } from './chat.svelte';
import type { ConversationsStore } from './conversations.svelte';
import { CONTEXT_CHOICES, libraryFor } from './library.svelte';
import type { ModelStore } from './model.svelte';

/** What the window does for it: open a conversation (the app's select). */
export interface ContextWindowHost {
  select(id: string): Promise<void>;
  report(text: string): void;
}

/**
 * How full the open conversation's context is, and the three ways on when it is full: a new chat
 * that carries a summary, dropping the oldest turns (the server leaves them out of every later
 * prompt), or reloading the model with a larger context.
 */
export class ContextWindowState {
  /** The oldest turns the engine leaves out of the open conversation. */
  dropped = $state(0);
  busy = $state(false);
  private seq = 0;

  constructor(
    private readonly client: GlassboxClient,
    private readonly chat: ChatStore,
    private readonly model: ModelStore,
    private readonly conversations: ConversationsStore,
    private readonly host: ContextWindowHost,
  ) {}

  get use(): ContextUse | null {
    const size = this.model.facts?.contextSize;
    return size === undefined ? null : contextUse(this.chat.messages, size);
  }

  /** How many turns "drop the oldest turns" would leave out: half of them, at least one, never the last. */
  get toDrop(): { from: number; to: number } | null {
    const turns = turnCount(this.chat.messages);
    const more = Math.min(turns - 1 - this.dropped, Math.max(1, Math.floor((turns - this.dropped) / 2)));
    return more < 1 ? null : { from: this.dropped + 1, to: this.dropped + more };
  }

  get larger(): number | null {
    const facts = this.model.facts;
    return facts ? largerContext(facts.contextSize, CONTEXT_CHOICES, facts.trainedContextLength) : null;
  }

  /** Reads the open conversation's dropped turns (when it changes). */
  async show(conversationId: string | null): Promise<void> {
    const seq = ++this.seq;
    this.dropped = 0;
    if (conversationId === null) return;
    try {
      const { turns } = await this.client.call('conversations.droppedTurns', { id: conversationId });
      if (seq === this.seq) this.dropped = turns;
    } catch (error) {
      this.host.report(describeError(error));
    }
  }

  async dropOldest(): Promise<void> {
    const id = this.chat.conversationId;
    const drop = this.toDrop;
    if (id === null || drop === null) return;
    await this.run(async () => {
      this.dropped = (await this.client.call('conversations.setDroppedTurns', { id, turns: drop.to })).turns;
      await this.answerAgain();
    });
  }

  async keepAll(): Promise<void> {
    const id = this.chat.conversationId;
    if (id === null) return;
    await this.run(async () => {
      this.dropped = (await this.client.call('conversations.setDroppedTurns', { id, turns: 0 })).turns;
    });
  }

  async newChatWithSummary(): Promise<void> {
    const size = this.model.facts?.contextSize ?? 2048;
    const title = this.conversations.selected?.title ?? '';
    // About a quarter of the new context, in characters (roughly four a token).
    const summary = carriedSummary(title, this.chat.messages, size);
    await this.run(async () => {
      const conversation = await this.conversations.create();
      await this.host.select(conversation.id);
      await this.chat.setSystemPrompt(summary);
    });
  }

  async reloadLarger(): Promise<void> {
    const facts = this.model.facts;
    const size = this.larger;
    if (!facts || size === null) return;
    await this.run(async () => {
      const library = libraryFor(this.model);
      await library.choose(facts.path);
      library.settings.contextSize = size;
      await library.load(facts.path);
      if (this.model.loaded) await this.answerAgain();
    });
  }

  /** The prompt that did not fit gets its answer now that it does. */
  private async answerAgain(): Promise<void> {
    const last = this.chat.messages.at(-1);
    if (last?.role === 'assistant' && last.error?.kind === 'context-full') await this.chat.regenerate(last.id);
  }

  private async run(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await work();
    } catch (error) {
      this.host.report(describeError(error));
    } finally {
      this.busy = false;
    }
  }
}
