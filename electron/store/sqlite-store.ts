import type Database from 'better-sqlite3';
import { isGlassboxError } from '../contract/errors';
import type { Sampling } from '../contract/model';
import type { GeneratedToken } from '../contract/token';
import type {
  BackupInfo,
  ConversationDetail,
  ConversationSummary,
  ExportedFile,
  ImportResult,
  Message,
  Preset,
  SearchHit,
  StoreRecovery,
} from '../contract/conversation';
import { asideName, backupFolder, listBackupFiles, moveDatabase } from './backups';
import { restoreBackupFile, writeBackup } from './backup-restore';
import { ConversationSearch } from './conversation-search';
import { ConversationTransfer } from './conversation-transfer';
import { Conversations } from './conversations';
import { MEMORY_PATH, openDatabase } from './database';
import { integrityCheck } from './integrity';
import { MessageTree } from './message-tree';
import { PresetsAndSettings } from './presets-settings';
import { invalid } from './rows';
import type { BranchTurn, ConversationHeader, ConversationPage, FinishedMessage, NewMessage, Store } from './store';

/** Opens the store at `path` (a file, created with its folder if missing, or ':memory:'). */
export function openStore(path: string): SqliteStore {
  return new SqliteStore(path, openDatabase(path), null);
}

/**
 * Opens the store at `path`; a damaged database ('database-corrupt') is moved aside, with its WAL, to
 * `<name>.corrupt-<time>.sqlite` and a fresh one is started, with `store.recovery` saying where the
 * old one went so the UI can offer the latest backup. A database from a newer version
 * ('database-newer') is not touched: that error propagates.
 */
export function openStoreWithRecovery(path: string): SqliteStore {
  try {
    return openStore(path);
  } catch (error) {
    if (!isGlassboxError(error, 'database-corrupt') || path === MEMORY_PATH || path === '') throw error;
    const movedTo = asideName(path, 'corrupt', Date.now());
    moveDatabase(path, movedTo);
    return new SqliteStore(path, openDatabase(path), { movedTo, reason: error.message });
  }
}

/** The concerns of one connection; a restore replaces them all. */
interface Parts {
  db: Database.Database;
  conversations: Conversations;
  tree: MessageTree;
  search: ConversationSearch;
  transfer: ConversationTransfer;
  presets: PresetsAndSettings;
}

function partsFor(db: Database.Database, path: string): Parts {
  const conversations: Conversations = new Conversations(db, (id, leaf) => tree.branch(id, leaf));
  const tree: MessageTree = new MessageTree(db, (id) => conversations.require(id).current_leaf_id);
  return {
    db,
    conversations,
    tree,
    search: new ConversationSearch(db),
    transfer: new ConversationTransfer(db, conversations, tree, path === MEMORY_PATH || path === '' ? null : path),
    presets: new PresetsAndSettings(db),
  };
}

/**
 * The Store over one SQLite file: a façade over a module per concern (conversations.ts,
 * message-tree.ts, conversation-search.ts, conversation-transfer.ts, backup-restore.ts,
 * integrity.ts, presets-settings.ts), each preparing its own statements on the connection.
 */
export class SqliteStore implements Store {
  private parts!: Parts;
  private recoveryInfo: StoreRecovery | null;

  constructor(
    readonly path: string,
    db: Database.Database,
    recovery: StoreRecovery | null,
  ) {
    this.recoveryInfo = recovery;
    this.attach(db);
  }

  /**
   * The open connection, for features that keep their own tables in this database (documents).
   * Not part of Store: only the code that opens the store hands it on. Read it each time:
   * restoring a backup replaces it.
   */
  get database(): Database.Database {
    return this.parts.db;
  }

  get recovery(): StoreRecovery | null {
    return this.recoveryInfo;
  }

  private attach(db: Database.Database): void {
    this.parts = partsFor(db, this.path);
  }

  // ---- Conversations (conversations.ts) ----

  listConversations(page?: ConversationPage): ConversationSummary[] {
    return this.parts.conversations.list(page);
  }

  createConversation(title?: string): ConversationSummary {
    return this.parts.conversations.create(title);
  }

  getConversation(id: string): ConversationDetail {
    return this.parts.conversations.get(id);
  }

  getConversationHeader(id: string): ConversationHeader {
    return this.parts.conversations.header(id);
  }

  renameConversation(id: string, title: string): ConversationSummary {
    return this.parts.conversations.rename(id, title);
  }

  deleteConversation(id: string): boolean {
    return this.parts.conversations.delete(id);
  }

  restoreConversation(id: string): ConversationSummary {
    return this.parts.conversations.restore(id);
  }

  purgeDeleted(olderThanMs: number): number {
    return this.parts.conversations.purgeDeleted(olderThanMs);
  }

  setPinned(id: string, pinned: boolean): ConversationSummary {
    return this.parts.conversations.setPinned(id, pinned);
  }

  setSystemPrompt(id: string, systemPrompt: string): ConversationDetail {
    return this.parts.conversations.setSystemPrompt(id, systemPrompt);
  }

  setSampling(id: string, sampling: Partial<Sampling>): ConversationDetail {
    return this.parts.conversations.setSampling(id, sampling);
  }

  setEngine(id: string, engine: string): ConversationDetail {
    return this.parts.conversations.setEngine(id, engine);
  }

  // ---- The message tree (message-tree.ts) ----

  selectBranch(conversationId: string, messageId: string): ConversationDetail {
    const { db, tree, conversations } = this.parts;
    return db.transaction(() => {
      tree.selectBranch(conversationId, messageId);
      return conversations.detail(conversations.require(conversationId));
    })();
  }

  pathTo(messageId: string): Message[] {
    return this.parts.tree.pathTo(messageId);
  }

  branchTurns(messageId: string): BranchTurn[] {
    return this.parts.tree.branchTurns(messageId);
  }

  appendMessage(input: NewMessage): Message {
    return this.parts.tree.append(input);
  }

  getMessage(id: string): Message {
    return this.parts.tree.getMessage(id);
  }

  messageTokens(conversationId: string, messageId: string): GeneratedToken[] | null {
    return this.parts.tree.tokens(conversationId, messageId);
  }

  saveProgress(messageId: string, content: string, tokens: GeneratedToken[], thought?: string): void {
    this.parts.tree.saveProgress(messageId, content, tokens, thought);
  }

  finishMessage(messageId: string, result: FinishedMessage): Message {
    return this.parts.tree.finish(messageId, result);
  }

  markUnfinishedAsInterrupted(): number {
    return this.parts.tree.markUnfinishedAsInterrupted();
  }

  // ---- Search (conversation-search.ts) ----

  search(query: string, limit: number): SearchHit[] {
    return this.parts.search.search(query, limit);
  }

  // ---- Export and import (conversation-transfer.ts) ----

  exportConversation(id: string, format: 'markdown' | 'json'): ExportedFile {
    return this.parts.transfer.exportConversation(id, format);
  }

  useSources(attach: (messages: Message[]) => Message[]): void {
    this.parts.transfer.useSources(attach);
  }

  exportAll(): ExportedFile {
    return this.parts.transfer.exportAll();
  }

  exportAllTo(path: string): { conversations: number; bytes: number } {
    return this.parts.transfer.exportAllTo(path);
  }

  importConversation(json: string): ConversationSummary {
    return this.parts.transfer.importConversation(json);
  }

  importFile(bytes: Uint8Array): ImportResult {
    return this.parts.transfer.importFile(bytes);
  }

  // ---- Backups (backup-restore.ts) and integrity (integrity.ts) ----

  backup(): BackupInfo {
    return writeBackup(this.parts.db, this.requireFile('back up'));
  }

  listBackups(): BackupInfo[] {
    if (this.path === MEMORY_PATH || this.path === '') return [];
    return listBackupFiles(backupFolder(this.path));
  }

  /** The connection is reopened inside this object, so everything holding the store keeps working. */
  restoreBackup(fileName: string): void {
    restoreBackupFile(
      this.requireFile('restore into'),
      fileName,
      () => this.parts.db.close(),
      (db) => this.attach(db),
    );
    this.recoveryInfo = null;
  }

  integrityCheck(): string[] {
    return integrityCheck(this.parts.db);
  }

  // ---- Presets and settings (presets-settings.ts) ----

  listPresets(): Preset[] {
    return this.parts.presets.listPresets();
  }

  savePreset(preset: { id?: string | undefined; name: string; text: string }): Preset {
    return this.parts.presets.savePreset(preset);
  }

  deletePreset(id: string): boolean {
    return this.parts.presets.deletePreset(id);
  }

  getSetting(key: string): string | null {
    return this.parts.presets.getSetting(key);
  }

  setSetting(key: string, value: string): void {
    this.parts.presets.setSetting(key, value);
  }

  close(): void {
    if (this.parts.db.open) this.parts.db.close();
  }

  private requireFile(action: string): string {
    if (this.path === MEMORY_PATH || this.path === '') throw invalid(`An in-memory store has no file to ${action}`);
    return this.path;
  }
}
