import type { EventPayload, GlassboxClient } from '../../../../electron/contract/api';
import type {
  GenerationStats,
  Message,
  MessageRole,
  MessageStatus,
  ModelIdentity,
} from '../../../../electron/contract/conversation';
import type { WireError } from '../../../../electron/contract/errors';
import type { GeneratedToken } from '../../../../electron/contract/token';
import { SvelteSet } from 'svelte/reactivity';
import { describeError } from '../errors';
import { StreamBuffer } from '../stream-buffer';

/** One message as the view shows it; an assistant message grows while it streams. */
export class ChatMessage {
  readonly id: string;
  readonly role: MessageRole;
  content = $state('');
  status = $state<MessageStatus>('complete');
  tokens = $state.raw<GeneratedToken[]>([]);
  stats = $state.raw<GenerationStats | null>(null);
  model = $state.raw<ModelIdentity | null>(null);
  error = $state.raw<WireError | null>(null);

  constructor(id: string, role: MessageRole) {
    this.id = id;
    this.role = role;
  }

  static from(message: Message): ChatMessage {
    const m = new ChatMessage(message.id, message.role);
    m.update(message);
    return m;
  }

  /** Takes the stored facts, but never shortens what has already streamed in. */
  update(message: Message): void {
    const tokens = message.tokens ?? [];
    if (message.status !== 'streaming' || tokens.length >= this.tokens.length) {
      this.tokens = tokens;
      this.content = message.content;
    }
    this.status = message.status;
    this.stats = message.stats;
    this.model = message.model;
    this.error = message.error;
  }
}

type TokenEvent = EventPayload<'chat.token'>;
type EndEvent = EventPayload<'chat.end'>;

/**
 * The open conversation's messages. Token events are buffered and applied at most once per
 * animation frame, so a fast model does not re-render Markdown for every token.
 */
export class ChatStore {
  conversationId = $state<string | null>(null);
  messages = $state.raw<ChatMessage[]>([]);
  loading = $state(false);
  /** Conversations with an answer being generated. */
  readonly generating = new SvelteSet<string>();

  private readonly pending = new StreamBuffer();
  private frame: number | null = null;
  private loadSeq = 0;

  constructor(
    private readonly client: GlassboxClient,
    private readonly report: (text: string) => void,
  ) {
    client.on('chat.token', (event) => this.onToken(event));
    client.on('chat.end', (event) => this.onEnd(event));
  }

  get isGenerating(): boolean {
    return this.conversationId !== null && this.generating.has(this.conversationId);
  }

  async open(conversationId: string | null): Promise<void> {
    const seq = ++this.loadSeq;
    this.conversationId = conversationId;
    this.pending.clear();
    if (conversationId === null) {
      this.messages = [];
      return;
    }
    this.loading = true;
    try {
      const detail = await this.client.call('conversations.get', { id: conversationId });
      if (seq !== this.loadSeq) return;
      this.messages = detail.messages.filter((m) => m.role !== 'system').map((m) => ChatMessage.from(m));
      const streaming = detail.messages.some((m) => m.status === 'streaming');
      this.setGenerating(conversationId, streaming);
    } catch (error) {
      if (seq === this.loadSeq) this.report(describeError(error));
    } finally {
      if (seq === this.loadSeq) this.loading = false;
    }
  }

  /** Re-reads the open conversation (after a reconnect, when events may have been missed). */
  async reload(): Promise<void> {
    await this.open(this.conversationId);
  }

  /** Sends a user message; resolves false (and reports why) when it could not be sent. */
  async send(conversationId: string, text: string): Promise<boolean> {
    const placeholder = new ChatMessage(`pending-${Date.now()}`, 'user');
    placeholder.content = text;
    if (this.conversationId === conversationId) this.messages = [...this.messages, placeholder];
    this.setGenerating(conversationId, true);
    try {
      const { userMessage, assistantMessage } = await this.client.call('chat.send', { conversationId, text });
      if (this.conversationId !== conversationId) return true;
      const user = ChatMessage.from(userMessage);
      const existing = this.messages.find((m) => m.id === assistantMessage.id);
      const assistant = existing ?? ChatMessage.from(assistantMessage);
      if (existing && existing.status === 'streaming') {
        existing.model = assistantMessage.model;
      }
      this.messages = [...this.messages.filter((m) => m !== placeholder && m !== existing), user, assistant];
      this.flush();
      return true;
    } catch (error) {
      this.messages = this.messages.filter((m) => m !== placeholder);
      this.setGenerating(conversationId, false);
      this.report(describeError(error));
      return false;
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

  private onToken(event: TokenEvent): void {
    if (event.conversationId !== this.conversationId) return;
    this.pending.addToken(event);
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
        message.content = tokens.map((t) => t.text).join('');
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
