import type { EventPayload, GlassboxClient } from '../../../../electron/contract/api';
import type { ConversationDetail, Message } from '../../../../electron/contract/conversation';
import type { Sampling } from '../../../../electron/contract/model';
import { DEFAULT_SAMPLING } from '../../../../electron/contract/default-sampling';
import { AnswerParts } from '../../../../electron/contract/answer-parts';
import { SvelteSet } from 'svelte/reactivity';
import { describeError } from '../errors';
import { StreamBuffer } from '../stream-buffer';

export { ChatMessage } from './chat-message.svelte';
import { ChatMessage } from './chat-message.svelte';

/** A new sibling's ids: the server's list, or (if it left the older ones out) theirs plus its own. */
function mergeSiblings(previous: readonly string[], returned: Message): string[] {
  if (previous.every((id) => returned.siblingIds.includes(id)) && returned.siblingIds.includes(returned.id)) {
    return returned.siblingIds;
  }
  const merged = [...previous];
  for (const id of [...returned.siblingIds, returned.id]) if (!merged.includes(id)) merged.push(id);
  return merged;
}

/** A request to bring a message into view (from search), with a sequence number so a repeat counts. */
export interface FocusRequest {
  messageId: string;
  seq: number;
}

type TokensEvent = EventPayload<'chat.tokens'>;
type EndEvent = EventPayload<'chat.end'>;

/**
 * The open conversation's messages. Token events are buffered and applied at most once per
 * animation frame, so a fast model does not re-render Markdown for every token.
 */
export class ChatStore {
  conversationId = $state<string | null>(null);
  messages = $state.raw<ChatMessage[]>([]);
  loading = $state(false);
  /** The open conversation's system prompt ('' for none) and sampling settings. */
  systemPrompt = $state('');
  sampling = $state.raw<Sampling>(DEFAULT_SAMPLING);
  /** Where the message list should scroll to (a search hit), once. */
  focus = $state.raw<FocusRequest | null>(null);
  /** Conversations with an answer being generated. */
  readonly generating = new SvelteSet<string>();
  /** Why the last prompt got no answer: shown by the composer (the user acts on it there), cleared by the next try. */
  notice = $state.raw<string | null>(null);

  private readonly pending = new StreamBuffer();
  /** Messages whose tokens are being fetched (loadTokens): one call each. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state
  private readonly tokenLoads = new Set<string>();
  private frame: number | null = null;
  private loadSeq = 0;
  private focusSeq = 0;

  constructor(
    private readonly client: GlassboxClient,
    private readonly report: (text: string) => void,
  ) {
    client.on('chat.tokens', (event) => this.onTokens(event));
    client.on('chat.end', (event) => this.onEnd(event));
  }

  get isGenerating(): boolean {
    return this.conversationId !== null && this.generating.has(this.conversationId);
  }

  async open(conversationId: string | null): Promise<void> {
    const seq = ++this.loadSeq;
    this.conversationId = conversationId;
    this.notice = null;
    this.pending.clear();
    if (conversationId === null) {
      this.messages = [];
      this.systemPrompt = '';
      this.sampling = DEFAULT_SAMPLING;
      return;
    }
    this.loading = true;
    try {
      const detail = await this.client.call('conversations.get', { id: conversationId });
      if (seq !== this.loadSeq) return;
      this.apply(detail);
    } catch (error) {
      if (seq === this.loadSeq) this.report(describeError(error));
    } finally {
      if (seq === this.loadSeq) this.loading = false;
    }
  }

  /** Shows a conversation as the server describes it (its current branch). */
  private apply(detail: ConversationDetail): void {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup, not state
    const known = new Map(this.messages.map((m) => [m.id, m]));
    this.messages = detail.messages
      .filter((m) => m.role !== 'system')
      .map((m) => {
        const existing = known.get(m.id);
        if (!existing) return ChatMessage.from(m);
        existing.update(m);
        return existing;
      });
    this.systemPrompt = detail.systemPrompt;
    this.sampling = detail.sampling;
    const streaming = detail.messages.some((m) => m.status === 'streaming');
    this.setGenerating(detail.id, streaming);
  }

  /**
   * Fetches the tokens a conversation's detail left out, for a message shown with probabilities
   * or pinned in the Token panel; once per message (the message keeps them while it is open).
   */
  async loadTokens(messageId: string): Promise<void> {
    const conversationId = this.conversationId;
    const message = this.messages.find((m) => m.id === messageId);
    if (conversationId === null || !message?.tokensOmitted || this.tokenLoads.has(messageId)) return;
    this.tokenLoads.add(messageId);
    try {
      const { tokens } = await this.client.call('messages.tokens', { conversationId, messageId });
      if (message.tokensOmitted) {
        message.tokens = tokens ?? [];
        message.tokensOmitted = false;
      }
    } catch (error) {
      this.report(describeError(error));
    } finally {
      this.tokenLoads.delete(messageId);
    }
  }

  /** Opens a conversation and scrolls to one of its messages, switching to its branch if needed. */
  async openAt(conversationId: string, messageId: string | null): Promise<void> {
    if (this.conversationId !== conversationId) await this.open(conversationId);
    if (this.conversationId !== conversationId || messageId === null) return;
    if (!this.messages.some((m) => m.id === messageId)) {
      try {
        const detail = await this.client.call('conversations.selectBranch', { conversationId, messageId });
        if (this.conversationId === conversationId) this.apply(detail);
      } catch (error) {
        this.report(describeError(error));
        return;
      }
    }
    this.focus = { messageId, seq: ++this.focusSeq };
  }

  /** Shows another version of a message (a sibling); the server remembers it as the branch shown. */
  async selectBranch(messageId: string): Promise<void> {
    const conversationId = this.conversationId;
    if (conversationId === null) return;
    try {
      const detail = await this.client.call('conversations.selectBranch', { conversationId, messageId });
      if (this.conversationId === conversationId) this.apply(detail);
    } catch (error) {
      this.report(describeError(error));
    }
  }

  /** Sends an edited prompt as a new version of a user message; resolves false if it could not. */
  async edit(messageId: string, text: string): Promise<boolean> {
    const conversationId = this.conversationId;
    const index = this.messages.findIndex((m) => m.id === messageId);
    const original = this.messages[index];
    if (conversationId === null || !original || original.role !== 'user') return false;
    this.notice = null;
    const before = this.messages;
    const placeholder = new ChatMessage(`pending-${Date.now()}`, 'user');
    placeholder.content = text;
    placeholder.parentId = original.parentId;
    placeholder.siblingIds = [...original.siblingIds, placeholder.id];
    this.messages = [...before.slice(0, index), placeholder];
    this.setGenerating(conversationId, true);
    try {
      const { userMessage, assistantMessage } = await this.client.call('chat.edit', { conversationId, messageId, text });
      if (this.conversationId !== conversationId) return true;
      const user = ChatMessage.from(userMessage);
      user.siblingIds = mergeSiblings(original.siblingIds, userMessage);
      this.messages = [...before.slice(0, index), user, this.adoptAnswer(assistantMessage)];
      this.flush();
      return true;
    } catch (error) {
      return this.notStarted(conversationId, before, error);
    }
  }

  /** Asks for another answer to the same prompt, as a new version of an assistant message. */
  async regenerate(messageId: string): Promise<boolean> {
    const conversationId = this.conversationId;
    const index = this.messages.findIndex((m) => m.id === messageId);
    const original = this.messages[index];
    if (conversationId === null || !original || original.role !== 'assistant') return false;
    this.notice = null;
    const before = this.messages;
    this.messages = before.slice(0, index);
    this.setGenerating(conversationId, true);
    try {
      const { assistantMessage } = await this.client.call('chat.regenerate', { conversationId, messageId });
      if (this.conversationId !== conversationId) return true;
      const answer = this.adoptAnswer(assistantMessage);
      answer.siblingIds = mergeSiblings(original.siblingIds, assistantMessage);
      this.messages = [...before.slice(0, index), answer];
      this.flush();
      return true;
    } catch (error) {
      return this.notStarted(conversationId, before, error);
    }
  }

  /** A prompt whose answer did not start: the open view goes back to `messages`, nothing is generating, and the user is told why. */
  private notStarted(conversationId: string, messages: ChatMessage[], error: unknown): false {
    if (this.conversationId === conversationId) {
      this.messages = messages;
      this.notice = describeError(error);
    } else {
      this.report(describeError(error));
    }
    this.setGenerating(conversationId, false);
    return false;
  }

  /** The streaming answer the view may already show (tokens can beat the call's reply), filled in. */
  private adoptAnswer(assistantMessage: Message): ChatMessage {
    const existing = this.messages.find((m) => m.id === assistantMessage.id);
    if (!existing) return ChatMessage.from(assistantMessage);
    existing.model = assistantMessage.model;
    existing.sampling = assistantMessage.sampling;
    existing.parentId = assistantMessage.parentId;
    existing.siblingIds = assistantMessage.siblingIds.length > 0 ? assistantMessage.siblingIds : [assistantMessage.id];
    return existing;
  }

  async setSystemPrompt(text: string): Promise<boolean> {
    const conversationId = this.conversationId;
    if (conversationId === null) return false;
    try {
      const detail = await this.client.call('conversations.setSystemPrompt', { id: conversationId, systemPrompt: text });
      if (this.conversationId === conversationId) this.systemPrompt = detail.systemPrompt;
      return true;
    } catch (error) {
      this.report(describeError(error));
      return false;
    }
  }

  /** Re-reads the open conversation (after a reconnect, when events may have been missed). */
  async reload(): Promise<void> {
    await this.open(this.conversationId);
  }

  /** Sends a user message; resolves false (and reports why) when it could not be sent. */
  async send(conversationId: string, text: string): Promise<boolean> {
    this.notice = null;
    const placeholder = new ChatMessage(`pending-${Date.now()}`, 'user');
    placeholder.content = text;
    if (this.conversationId === conversationId) this.messages = [...this.messages, placeholder];
    this.setGenerating(conversationId, true);
    try {
      const { userMessage, assistantMessage } = await this.client.call('chat.send', { conversationId, text });
      if (this.conversationId !== conversationId) return true;
      const user = ChatMessage.from(userMessage);
      const assistant = this.adoptAnswer(assistantMessage);
      this.messages = [...this.messages.filter((m) => m !== placeholder && m !== assistant), user, assistant];
      this.flush();
      return true;
    } catch (error) {
      return this.notStarted(conversationId, this.messages.filter((m) => m !== placeholder), error);
    }
  }

  async stop(): Promise<void> {
    const conversationId = this.conversationId;
    if (conversationId === null) return;
    try {
      await this.client.call('chat.stop', { conversationId });
    } catch (error) {
      this.report(describeError(error));
    }
  }

  private onTokens(event: TokensEvent): void {
    if (event.conversationId !== this.conversationId) return;
    this.pending.addTokens(event);
    this.schedule();
  }

  private onEnd(event: EndEvent): void {
    this.setGenerating(event.conversationId, false);
    if (event.conversationId !== this.conversationId) return;
    this.pending.addEnd(event);
    this.schedule();
  }

  private schedule(): void {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.flush();
    });
  }

  /** Applies buffered deltas to messages the view knows; others wait for chat.send's answer. */
  private flush(): void {
    for (const messageId of this.pending.messageIds()) {
      const message = this.findOrAdopt(messageId);
      if (!message) continue;
      const { tokens, end } = this.pending.take(messageId, message.tokens);
      if (tokens) {
        message.tokens = tokens;
        const parts = new AnswerParts(tokens);
        message.content = parts.content;
        message.thought = parts.thought;
      }
      if (end) {
        message.status = end.status;
        message.content = end.content;
        message.stats = end.stats;
        message.error = end.error;
      }
    }
  }

  /**
   * Tokens can arrive before chat.send answers. Once the user's message is on screen they are
   * shown in a provisional assistant message that chat.send's answer then fills in.
   */
  private findOrAdopt(messageId: string): ChatMessage | null {
    const found = this.messages.find((m) => m.id === messageId);
    if (found) return found;
    const last = this.messages.at(-1);
    if (!last || last.role !== 'user') return null;
    const provisional = new ChatMessage(messageId, 'assistant');
    provisional.status = 'streaming';
    this.messages = [...this.messages, provisional];
    return provisional;
  }

  private setGenerating(conversationId: string, on: boolean): void {
    if (on) this.generating.add(conversationId);
    else this.generating.delete(conversationId);
  }
}
