import type { WireError } from '../contract/errors';
import type { Sampling } from '../contract/model';
import type { GeneratedToken } from '../contract/token';
import type {
  ConversationDetail,
  ConversationSummary,
  GenerationStats,
  Message,
  MessageRole,
  MessageStatus,
  ModelIdentity,
} from '../contract/conversation';

export interface NewMessage {
  conversationId: string;
  parentId: string | null;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model?: ModelIdentity | null;
  sampling?: Sampling | null;
}

export interface FinishedMessage {
  content: string;
  tokens: GeneratedToken[] | null;
  status: MessageStatus;
  stats: GenerationStats | null;
  error: WireError | null;
}

/**
 * The conversation store: everything the app keeps between runs. Synchronous because
 * better-sqlite3 is, and because a write that has returned must be on disk.
 */
export interface Store {
  readonly path: string;
  listConversations(): ConversationSummary[];
  createConversation(title?: string): ConversationSummary;
  /** The conversation with the messages on its current branch, root first. Throws not-found. */
  getConversation(id: string): ConversationDetail;
  renameConversation(id: string, title: string): ConversationSummary;
  /** Adds a message under parentId and makes it the conversation's current leaf. */
  appendMessage(input: NewMessage): Message;
  getMessage(id: string): Message;
  /** Saves a streaming answer's text and tokens so far; cheap enough to call several times a second. */
  saveProgress(messageId: string, content: string, tokens: GeneratedToken[]): void;
  finishMessage(messageId: string, result: FinishedMessage): Message;
  /** At start-up: answers left 'streaming' by a crash become 'interrupted'. Returns how many. */
  markUnfinishedAsInterrupted(): number;
  getSetting(key: string): string | null;
  setSetting(key: string, value: string): void;
  close(): void;
}
