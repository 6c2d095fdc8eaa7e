import type { GenerationStats, Message, MessageRole, MessageStatus, ModelIdentity } from '../../../../electron/contract/conversation';
import type { WireError } from '../../../../electron/contract/errors';
import type { Source } from '../../../../electron/contract/documents';
import type { Sampling } from '../../../../electron/contract/model';
import type { GeneratedToken } from '../../../../electron/contract/token';

/** One message as the view shows it; an assistant message grows while it streams. */
export class ChatMessage {
  readonly id: string;
  readonly role: MessageRole;
  parentId = $state<string | null>(null);
  /** This message and its siblings, oldest first (more than one: the ‹ 2/3 › switcher). */
  siblingIds = $state.raw<string[]>([]);
  content = $state('');
  /** A reasoning model's thinking before the answer ('' for none): the Thinking block. */
  thought = $state('');
  status = $state<MessageStatus>('complete');
  tokens = $state.raw<GeneratedToken[]>([]);
  /** The stored tokens were left out of the conversation's detail: ChatStore.loadTokens fetches them when shown. */
  tokensOmitted = $state(false);
  stats = $state.raw<GenerationStats | null>(null);
  model = $state.raw<ModelIdentity | null>(null);
  sampling = $state.raw<Sampling | null>(null);
  error = $state.raw<WireError | null>(null);
  /** Document passages the answer was given, cited as [n] (documents). */
  sources = $state.raw<Source[]>([]);

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
    if (message.tokensOmitted === true) {
      // Tokens already here (streamed, or fetched) are the stored ones: a finished answer's do not change.
      this.tokensOmitted = this.tokens.length === 0;
      this.content = message.content;
      this.thought = message.thought ?? '';
    } else if (message.status !== 'streaming' || tokens.length >= this.tokens.length) {
      this.tokensOmitted = false;
      this.tokens = tokens;
      this.content = message.content;
      this.thought = message.thought ?? '';
    }
    this.status = message.status;
    this.stats = message.stats;
    this.model = message.model;
    this.sampling = message.sampling;
    this.error = message.error;
    this.sources = message.sources ?? [];
    this.parentId = message.parentId;
    this.siblingIds = message.siblingIds.length > 0 ? message.siblingIds : [message.id];
  }

  /** 1-based position among its siblings, and how many there are. */
  get version(): { index: number; count: number } {
    const index = this.siblingIds.indexOf(this.id);
    return { index: index + 1, count: this.siblingIds.length };
  }
}
