import type { WireError } from '../contract/errors';
import type { Sampling } from '../contract/model';
import type { GeneratedToken } from '../contract/token';
import type {
  ExportedFile,
  ImportResult,
  Preset,
  SearchHit,
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

export type { BackupInfo, StoreRecovery } from '../contract/conversation';
import type { BackupInfo, StoreRecovery } from '../contract/conversation';

/** One page of the conversation list (keyset paging: stable while conversations are added). */
export interface ConversationPage {
  /** At most this many; all when absent. */
  limit?: number | undefined;
  /** The id of the last conversation of the previous page: the page starts after it. */
  after?: string | undefined;
}

export interface FinishedMessage {
  content: string;
  /** A reasoning model's thought, apart from the answer (absent or null: none). */
  thought?: string | null | undefined;
  tokens: GeneratedToken[] | null;
  status: MessageStatus;
  stats: GenerationStats | null;
  error: WireError | null;
}

/** A conversation's own fields: everything but its messages (Store.getConversationHeader). */
export type ConversationHeader = Omit<ConversationDetail, 'messages'>;

/** One message of a branch as a prompt needs it (Store.branchTurns). */
export interface BranchTurn {
  id: string;
  role: MessageRole;
  content: string;
  thought: string | null;
}

/**
 * The conversation store: everything the app keeps between runs. Synchronous because
 * better-sqlite3 is, and because a write that has returned must be on disk.
 */
export interface Store {
  readonly path: string;
  /** Conversations not deleted: pinned first, then by last activity (newest first). */
  listConversations(page?: ConversationPage): ConversationSummary[];
  createConversation(title?: string): ConversationSummary;
  /** The conversation with the messages on its current branch, root first. Throws not-found. */
  getConversation(id: string): ConversationDetail;
  /** The same without its messages: cheap whatever their tokens. Throws not-found. */
  getConversationHeader(id: string): ConversationHeader;
  renameConversation(id: string, title: string): ConversationSummary;
  /** Soft delete: hidden from list and search, restorable until purged. */
  deleteConversation(id: string): boolean;
  restoreConversation(id: string): ConversationSummary;
  /** Removes for good what was deleted more than `olderThanMs` ago. Returns how many. */
  purgeDeleted(olderThanMs: number): number;
  setPinned(id: string, pinned: boolean): ConversationSummary;
  setSystemPrompt(id: string, systemPrompt: string): ConversationDetail;
  setSampling(id: string, sampling: Partial<Sampling>): ConversationDetail;
  /** Which engine answers this conversation: 'local' or a remote endpoint's id (contract/remote.ts). */
  setEngine(id: string, engine: string): ConversationDetail;
  /** Makes the branch through messageId current: its last-visited descendant leaf becomes the current leaf. */
  selectBranch(conversationId: string, messageId: string): ConversationDetail;
  /** The messages from the root down to messageId (inclusive): the history a regenerate or edit starts from. */
  pathTo(messageId: string): Message[];
  /** The same branch as pathTo, only what a prompt is built from (no tokens decoded, no siblings): cheap on a long answer history. */
  branchTurns(messageId: string): BranchTurn[];
  /** Full-text search (FTS5) over titles and message text, best first. */
  search(query: string, limit: number): SearchHit[];
  exportConversation(id: string, format: 'markdown' | 'json'): ExportedFile;
  /** Exports then carry each answer's cited passages (set once by the services, from the documents). */
  useSources(attach: (messages: Message[]) => Message[]): void;
  /** Every conversation as a zip of JSON and Markdown files (built on disk, then read back for the browser). */
  exportAll(): ExportedFile;
  /** Streams every conversation into a zip at `path` (fflate, deflated), one conversation in memory at a time. */
  exportAllTo(path: string): { conversations: number; bytes: number };
  /** Imports a conversation exported as JSON (tree, stats and token probabilities kept) under new ids, always as a new copy. */
  importConversation(json: string): ConversationSummary;
  /**
   * What "Import…" reads: a JSON export or an "Export all" zip, all or nothing. Conversations already
   * here (the same one, or one imported from the same origin before) are reported, not added again.
   */
  importFile(bytes: Uint8Array): ImportResult;
  /** Writes a consistent copy (VACUUM INTO, atomically renamed) to the backups folder, keeping the last few. */
  backup(): BackupInfo;
  listBackups(): BackupInfo[];
  /** Replaces the current database with a backup (the current one is kept aside first). */
  restoreBackup(fileName: string): void;
  /** Set when the database was found corrupt at start-up and moved aside; the UI offers a backup. */
  readonly recovery: StoreRecovery | null;
  /** Full PRAGMA integrity_check, meant to run in the background after start-up; returns problems found. */
  integrityCheck(): string[];
  listPresets(): Preset[];
  savePreset(preset: { id?: string | undefined; name: string; text: string }): Preset;
  deletePreset(id: string): boolean;
  /** Adds a message under parentId and makes it the conversation's current leaf. */
  appendMessage(input: NewMessage): Message;
  getMessage(id: string): Message;
  /** A message's tokens (null: none): what getConversation leaves out (Message.tokensOmitted). Throws not-found. */
  messageTokens(conversationId: string, messageId: string): GeneratedToken[] | null;
  /** Saves a streaming answer's text and tokens so far; cheap enough to call several times a second. */
  saveProgress(messageId: string, content: string, tokens: GeneratedToken[], thought?: string): void;
  finishMessage(messageId: string, result: FinishedMessage): Message;
  /** At start-up: answers left 'streaming' by a crash become 'interrupted'. Returns how many. */
  markUnfinishedAsInterrupted(): number;
  getSetting(key: string): string | null;
  setSetting(key: string, value: string): void;
  close(): void;
}
