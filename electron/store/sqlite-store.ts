import { randomUUID } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { GlassboxError, isGlassboxError, wireErrorSchema } from '../contract/errors';
import { DEFAULT_SAMPLING, samplingSchema, type Sampling } from '../contract/model';
import type { GeneratedToken } from '../contract/token';
import {
  generationStatsSchema,
  messageRoleSchema,
  messageStatusSchema,
  modelIdentitySchema,
  type BackupInfo,
  type ConversationDetail,
  type ConversationSummary,
  type ExportedFile,
  type Message,
  type Preset,
  type SearchHit,
  type StoreRecovery,
} from '../contract/conversation';
import {
  asideName,
  BACKUPS_KEPT,
  backupFolder,
  backupName,
  backupPath,
  listBackupFiles,
  moveDatabase,
  pruneBackups,
} from './backups';
import { badRow, decodeJson, decodeTokens, encodeJson, encodeTokens, wellFormed } from './codec';
import { MEMORY_PATH, openDatabase } from './database';
import { parseQuery, snippet } from './search-terms';
import type { ConversationPage, FinishedMessage, NewMessage, Store } from './store';
import { parentsFirst, parseJsonDocument, safeFileName, toJsonDocument, toMarkdown, type ConversationExport } from './transfer';
import { createZip, type ZipEntry } from './zip';
import { LOCAL_ENGINE } from '../contract/remote';

export const DEFAULT_TITLE = 'New chat';

interface ConversationRow {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
  current_leaf_id: string | null;
  pinned: number;
  system_prompt: string;
  sampling: string | null;
  deleted_at: number | null;
  /** NULL: the local engine; else a remote endpoint's id (migration 004). */
  engine: string | null;
}

interface MessageRow {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  role: string;
  content: string;
  status: string;
  created_at: number;
  tokens: string | null;
  stats: string | null;
  model: string | null;
  sampling: string | null;
  error: string | null;
}

/**
 * A message row as an array, in MESSAGE_COLUMNS order: bulk reads use better-sqlite3's raw mode,
 * which skips building a keyed object per row inside the addon (half the cost of a 1,000-message read).
 */
type RawMessageRow = [
  string,
  string,
  string | null,
  string,
  string,
  string,
  number,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
];

function fromRaw(r: RawMessageRow): MessageRow {
  return {
    id: r[0],
    conversation_id: r[1],
    parent_id: r[2],
    role: r[3],
    content: r[4],
    status: r[5],
    created_at: r[6],
    tokens: r[7],
    stats: r[8],
    model: r[9],
    sampling: r[10],
    error: r[11],
  };
}

/** [id, parent_id] */
type SiblingRow = [string, string | null];

interface MessageHitRow {
  id: string;
  conversation_id: string;
  role: string;
  content: string;
  title: string;
  updated_at: number;
  score: number;
}

interface TitleHitRow {
  id: string;
  title: string;
  updated_at: number;
  score: number;
}

const CONVERSATION_COLUMNS =
  'id, title, created_at, updated_at, current_leaf_id, pinned, system_prompt, sampling, deleted_at, engine';
const MESSAGE_COLUMNS =
  'id, conversation_id, parent_id, role, content, status, created_at, tokens, stats, model, sampling, error';
/** Guards recursive walks against a cycle written by hand (the app cannot create one). */
const MAX_DEPTH = 100000;
/** Children of a message, the sibling switcher's order: oldest first. */
const SIBLING_ORDER = 'created_at, rowid';
const LIST_ORDER = 'ORDER BY pinned DESC, updated_at DESC, rowid DESC';

/** Opens the store at `path` (a file, created with its folder if missing, or ':memory:'). */
export function openStore(path: string): Store {
  return new SqliteStore(path, openDatabase(path), null);
}

/**
 * Opens the store at `path`; a damaged database ('database-corrupt') is moved aside, with its WAL, to
 * `<name>.corrupt-<time>.sqlite` and a fresh one is started, with `store.recovery` saying where the
 * old one went so the UI can offer the latest backup. A database from a newer version
 * ('database-newer') is not touched: that error propagates.
 */
export function openStoreWithRecovery(path: string): Store {
  try {
    return openStore(path);
  } catch (error) {
    if (!isGlassboxError(error, 'database-corrupt') || path === MEMORY_PATH || path === '') throw error;
    const movedTo = asideName(path, 'corrupt', Date.now());
    moveDatabase(path, movedTo);
    return new SqliteStore(path, openDatabase(path), { movedTo, reason: error.message });
  }
}

const branchSql = (start: string) => `
  WITH RECURSIVE path(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM messages WHERE id = ${start}
    UNION ALL
    SELECT m.id, m.parent_id, path.depth + 1 FROM messages m JOIN path ON m.id = path.parent_id
    WHERE path.depth < ${MAX_DEPTH}
  )`;

/** Every statement is prepared once, here; the hot path (saveProgress) only binds and steps. */
function prepareStatements(db: Database.Database) {
  return {
    listConversations: db.prepare<[number], ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE deleted_at IS NULL ${LIST_ORDER} LIMIT ?`,
    ),
    listConversationsAfter: db.prepare<[string, number], ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations
       WHERE deleted_at IS NULL
         AND (pinned, updated_at, rowid) < (SELECT pinned, updated_at, rowid FROM conversations WHERE id = ?)
       ${LIST_ORDER} LIMIT ?`,
    ),
    conversationExists: db.prepare<[string], number>('SELECT 1 FROM conversations WHERE id = ?').pluck(),
    getConversation: db.prepare<[string], ConversationRow>(`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = ?`),
    insertConversation: db.prepare<[string, string, number, number]>(
      'INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)',
    ),
    importConversation: db.prepare<[string, string, number, number, number, string, string | null]>(
      `INSERT INTO conversations (id, title, created_at, updated_at, pinned, system_prompt, sampling)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    renameConversation: db.prepare<[string, string]>('UPDATE conversations SET title = ? WHERE id = ? AND deleted_at IS NULL'),
    softDelete: db.prepare<[number, string]>('UPDATE conversations SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL'),
    undelete: db.prepare<[string]>('UPDATE conversations SET deleted_at = NULL WHERE id = ?'),
    purge: db.prepare<[number]>('DELETE FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at <= ?'),
    setPinned: db.prepare<[number, string]>('UPDATE conversations SET pinned = ? WHERE id = ? AND deleted_at IS NULL'),
    setSystemPrompt: db.prepare<[string, string]>(
      'UPDATE conversations SET system_prompt = ? WHERE id = ? AND deleted_at IS NULL',
    ),
    setSampling: db.prepare<[string | null, string]>('UPDATE conversations SET sampling = ? WHERE id = ?'),
    setEngine: db.prepare<[string | null, string]>('UPDATE conversations SET engine = ? WHERE id = ? AND deleted_at IS NULL'),
    setLeaf: db.prepare<[string, number, string]>(
      'UPDATE conversations SET current_leaf_id = ?, updated_at = ? WHERE id = ?',
    ),
    /** Switching branches is not activity: the list order stays. */
    setLeafOnly: db.prepare<[string, string]>('UPDATE conversations SET current_leaf_id = ? WHERE id = ?'),
    nextVisit: db.prepare<[string], number>(
      'UPDATE conversations SET visit_seq = visit_seq + 1 WHERE id = ? RETURNING visit_seq',
    ).pluck(),
    touchConversation: db.prepare<[number, string]>('UPDATE conversations SET updated_at = ? WHERE id = ?'),
    // Walks parent_id from a message up to the root; depth orders the result root first.
    branch: db
      .prepare<[string], RawMessageRow>(
        `${branchSql('?')}
      SELECT ${MESSAGE_COLUMNS.split(', ').map((c) => `m.${c}`).join(', ')}
      FROM path JOIN messages m ON m.id = path.id ORDER BY path.depth DESC`,
      )
      .raw(),
    /** Marks every message from messageId up to the root as visited at `seq`. */
    stampPath: db.prepare<[number, string]>(`UPDATE messages SET visit_seq = ? WHERE id IN (${branchSql('?')} SELECT id FROM path)`),
    /** From messageId down: at each level the child visited last (the newest when none was), to a leaf. */
    descend: db.prepare<[string], string>(`
      WITH RECURSIVE down(id, depth) AS (
        SELECT ?, 0
        UNION ALL
        SELECT (SELECT c.id FROM messages c WHERE c.parent_id = down.id
                ORDER BY c.visit_seq DESC, c.created_at DESC, c.rowid DESC LIMIT 1), down.depth + 1
        FROM down WHERE down.id IS NOT NULL AND down.depth < ${MAX_DEPTH}
      )
      SELECT id FROM down WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1`).pluck(),
    /** The children of the given parents (a JSON array) plus the conversation's roots: siblings for a whole branch. */
    siblingsOfBranch: db
      .prepare<[string, string], SiblingRow>(
        `SELECT id, parent_id FROM (
          SELECT id, parent_id, created_at, rowid AS r FROM messages WHERE parent_id IN (SELECT value FROM json_each(?))
          UNION ALL
          SELECT id, parent_id, created_at, rowid AS r FROM messages WHERE conversation_id = ? AND parent_id IS NULL
        ) ORDER BY created_at, r`,
      )
      .raw(),
    children: db.prepare<[string], string>(`SELECT id FROM messages WHERE parent_id = ? ORDER BY ${SIBLING_ORDER}`).pluck(),
    roots: db.prepare<[string], string>(
      `SELECT id FROM messages WHERE conversation_id = ? AND parent_id IS NULL ORDER BY ${SIBLING_ORDER}`,
    ).pluck(),
    /** A whole tree in insertion order, which puts parents before children. */
    tree: db
      .prepare<[string], RawMessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY rowid`)
      .raw(),
    getMessage: db.prepare<[string], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`),
    messageConversation: db.prepare<[string], { conversation_id: string }>(
      'SELECT conversation_id FROM messages WHERE id = ?',
    ),
    insertMessage: db.prepare<
      [string, string, string | null, string, string, string, number, string | null, string | null, number]
    >(`INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at, model, sampling, visit_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    importMessage: db.prepare<
      [
        string,
        string,
        string | null,
        string,
        string,
        string,
        number,
        string | null,
        string | null,
        string | null,
        string | null,
        string | null,
      ]
    >(`INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at, tokens, stats, model, sampling, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    saveContent: db.prepare<[string, string]>("UPDATE messages SET content = ? WHERE id = ? AND status = 'streaming'"),
    finish: db.prepare<[string, string | null, string, string | null, string | null, string]>(
      'UPDATE messages SET content = ?, tokens = ?, status = ?, stats = ?, error = ? WHERE id = ?',
    ),
    streamingIds: db.prepare<[], string>("SELECT id FROM messages WHERE status = 'streaming'").pluck(),
    interrupt: db.prepare<[string | null, string]>(
      "UPDATE messages SET status = 'interrupted', tokens = COALESCE(?, tokens) WHERE id = ?",
    ),
    chunkEnd: db.prepare<[string], number>(
      'SELECT start + count FROM message_token_chunks WHERE message_id = ? ORDER BY start DESC LIMIT 1',
    ).pluck(),
    insertChunk: db.prepare<[string, number, number, string]>(
      'INSERT INTO message_token_chunks (message_id, start, count, data) VALUES (?, ?, ?, ?)',
    ),
    chunks: db.prepare<[string], { start: number; data: string }>(
      'SELECT start, data FROM message_token_chunks WHERE message_id = ? ORDER BY start',
    ),
    deleteChunks: db.prepare<[string]>('DELETE FROM message_token_chunks WHERE message_id = ?'),
    // bm25: lower is better. Deleted conversations are skipped here rather than removed from the
    // index, so a restore costs nothing.
    // The best `candidates` index hits are ranked inside FTS5 first, then joined: joining every
    // match of a common word before ranking costs a second per 100,000 matches.
    searchMessages: db.prepare<[string, number, number], MessageHitRow>(`
      SELECT m.id, m.conversation_id, m.role, m.content, c.title, c.updated_at, s.score
      FROM (SELECT rowid, bm25(message_search) AS score FROM message_search WHERE message_search MATCH ?
            ORDER BY score LIMIT ?) s
      JOIN messages m ON m.rowid = s.rowid
      JOIN conversations c ON c.id = m.conversation_id
      WHERE c.deleted_at IS NULL
      ORDER BY s.score LIMIT ?`),
    searchTitles: db.prepare<[string, number, number], TitleHitRow>(`
      SELECT c.id, c.title, c.updated_at, s.score
      FROM (SELECT rowid, bm25(conversation_search) AS score FROM conversation_search WHERE conversation_search MATCH ?
            ORDER BY score LIMIT ?) s
      JOIN conversations c ON c.rowid = s.rowid
      WHERE c.deleted_at IS NULL
      ORDER BY s.score LIMIT ?`),
    listPresets: db.prepare<[], Preset>('SELECT id, name, text FROM presets ORDER BY name COLLATE NOCASE, created_at'),
    getPreset: db.prepare<[string], Preset>('SELECT id, name, text FROM presets WHERE id = ?'),
    insertPreset: db.prepare<[string, string, string, number, number]>(
      'INSERT INTO presets (id, name, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    ),
    updatePreset: db.prepare<[string, string, number, string]>(
      'UPDATE presets SET name = ?, text = ?, updated_at = ? WHERE id = ?',
    ),
    deletePreset: db.prepare<[string]>('DELETE FROM presets WHERE id = ?'),
    getSetting: db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck(),
    setSetting: db.prepare<[string, string]>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function notFound(what: string, id: string): GlassboxError {
  return new GlassboxError('not-found', `No ${what} with id ${id}`);
}

function invalid(message: string): GlassboxError {
  return new GlassboxError('invalid-argument', message);
}

function toSummary(row: ConversationRow): ConversationSummary {
  return { id: row.id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at, pinned: row.pinned === 1 };
}

const samplingOverridesSchema = samplingSchema.partial();

/** Flushes a file and the folder holding it, so a rename that follows is durable. */
function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

class SqliteStore implements Store {
  private db!: Database.Database;
  private sql!: Statements;
  /** Built once per connection: the hot path should not even allocate a transaction wrapper per call. */
  private saveProgressTx!: (messageId: string, content: string, tokens: GeneratedToken[]) => void;
  private recoveryInfo: StoreRecovery | null;

  constructor(
    readonly path: string,
    db: Database.Database,
    recovery: StoreRecovery | null,
  ) {
    this.recoveryInfo = recovery;
    this.attach(db);
  }

  get database(): Database.Database {
    return this.db;
  }

  get recovery(): StoreRecovery | null {
    return this.recoveryInfo;
  }

  private attach(db: Database.Database): void {
    this.db = db;
    this.sql = prepareStatements(db);
    this.saveProgressTx = db.transaction((messageId: string, content: string, tokens: GeneratedToken[]) => {
      if (this.sql.saveContent.run(wellFormed(content), messageId).changes === 0) {
        if (this.sql.messageConversation.get(messageId) === undefined) throw notFound('message', messageId);
        return;
      }
      let saved = this.sql.chunkEnd.get(messageId) ?? 0;
      if (tokens.length < saved) {
        this.sql.deleteChunks.run(messageId);
        saved = 0;
      }
      if (tokens.length > saved) {
        const fresh = tokens.slice(saved);
        this.sql.insertChunk.run(messageId, saved, fresh.length, encodeTokens(fresh));
      }
    });
  }

  // ---- Conversations ----

  listConversations(page?: ConversationPage): ConversationSummary[] {
    const limit = page?.limit ?? -1; // SQLite: a negative LIMIT is no limit
    if (page?.limit !== undefined && (!Number.isInteger(page.limit) || page.limit < 0)) {
      throw invalid(`A page size must be a whole number ≥ 0, not ${page.limit}`);
    }
    if (page?.after === undefined) return this.sql.listConversations.all(limit).map(toSummary);
    const after = page.after;
    return this.db.transaction(() => {
      if (this.sql.conversationExists.get(after) === undefined) throw notFound('conversation', after);
      return this.sql.listConversationsAfter.all(after, limit).map(toSummary);
    })();
  }

  createConversation(title?: string): ConversationSummary {
    const now = Date.now();
    const id = randomUUID();
    const row: ConversationRow = {
      id,
      title: wellFormed(title ?? DEFAULT_TITLE),
      created_at: now,
      updated_at: now,
      current_leaf_id: null,
      pinned: 0,
      system_prompt: '',
      sampling: null,
      engine: null,
      deleted_at: null,
    };
    this.sql.insertConversation.run(id, row.title, now, now);
    return toSummary(row);
  }

  getConversation(id: string): ConversationDetail {
    // One read transaction so the conversation row and its branch are from the same snapshot.
    return this.db.transaction(() => this.detail(this.requireConversation(id)))();
  }

  renameConversation(id: string, title: string): ConversationSummary {
    // Renaming does not bump updated_at: the list is ordered by chat activity, not by edits.
    if (this.sql.renameConversation.run(wellFormed(title), id).changes === 0) throw notFound('conversation', id);
    return toSummary(this.requireConversation(id));
  }

  deleteConversation(id: string): boolean {
    return this.sql.softDelete.run(Date.now(), id).changes > 0;
  }

  restoreConversation(id: string): ConversationSummary {
    return this.db.transaction(() => {
      if (this.sql.undelete.run(id).changes === 0) throw notFound('conversation', id);
      return toSummary(this.requireConversation(id));
    })();
  }

  purgeDeleted(olderThanMs: number): number {
    if (!(olderThanMs >= 0)) throw invalid(`olderThanMs must be ≥ 0, not ${olderThanMs}`);
    return this.db.transaction(() => this.sql.purge.run(Date.now() - olderThanMs).changes)();
  }

  setPinned(id: string, pinned: boolean): ConversationSummary {
    if (this.sql.setPinned.run(pinned ? 1 : 0, id).changes === 0) throw notFound('conversation', id);
    return toSummary(this.requireConversation(id));
  }

  setSystemPrompt(id: string, systemPrompt: string): ConversationDetail {
    return this.db.transaction(() => {
      if (this.sql.setSystemPrompt.run(wellFormed(systemPrompt), id).changes === 0) throw notFound('conversation', id);
      return this.detail(this.requireConversation(id));
    })();
  }

  /** Stores only the settings given (merged with those set before); defaults fill the rest on read. */
  setSampling(id: string, sampling: Partial<Sampling>): ConversationDetail {
    return this.db.transaction(() => {
      const row = this.requireConversation(id);
      const given = Object.fromEntries(Object.entries(sampling).filter(([, value]) => value !== undefined));
      const merged = samplingOverridesSchema.safeParse({ ...this.samplingOverrides(row), ...given });
      const full = samplingSchema.safeParse({ ...DEFAULT_SAMPLING, ...(merged.success ? merged.data : {}) });
      if (!merged.success || !full.success) {
        const issue = (merged.success ? full.error : merged.error)?.issues[0];
        throw invalid(`Invalid sampling settings: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
      }
      this.sql.setSampling.run(encodeJson(merged.data), id);
      return this.detail(this.requireConversation(id));
    })();
  }

  /** 'local' (stored as NULL) or a remote endpoint's id. */
  setEngine(id: string, engine: string): ConversationDetail {
    return this.db.transaction(() => {
      if (this.sql.setEngine.run(engine === LOCAL_ENGINE ? null : engine, id).changes === 0) throw notFound('conversation', id);
      return this.detail(this.requireConversation(id));
    })();
  }

  selectBranch(conversationId: string, messageId: string): ConversationDetail {
    return this.db.transaction(() => {
      this.requireConversation(conversationId);
      this.requireMessageIn(conversationId, messageId);
      const leaf = this.sql.descend.get(messageId) ?? messageId;
      this.markVisited(conversationId, leaf);
      this.sql.setLeafOnly.run(leaf, conversationId);
      return this.detail(this.requireConversation(conversationId));
    })();
  }

  pathTo(messageId: string): Message[] {
    return this.db.transaction(() => {
      const rows = this.sql.branch.all(messageId).map(fromRaw);
      const first = rows[0];
      if (first === undefined) throw notFound('message', messageId);
      return this.withSiblings(rows, first.conversation_id);
    })();
  }

  // ---- Search ----

  search(query: string, limit: number): SearchHit[] {
    const parsed = parseQuery(query);
    if (parsed === null || !(limit >= 1)) return [];
    const max = Math.min(Math.floor(limit), 1000);
    return this.db.transaction(() => {
      // Hits in deleted conversations take candidate places; if they left the page short, the
      // query runs again over every match (-1: no limit).
      const candidates = max * 2 + 20;
      let messages = this.sql.searchMessages.all(parsed.match, candidates, max);
      if (messages.length < max) messages = this.sql.searchMessages.all(parsed.match, -1, max);
      let titles = this.sql.searchTitles.all(parsed.match, candidates, max);
      if (titles.length < max) titles = this.sql.searchTitles.all(parsed.match, -1, max);
      const hits: Array<{ score: number; hit: SearchHit }> = [];
      for (const row of titles) {
        hits.push({
          score: row.score,
          hit: {
            conversationId: row.id,
            title: row.title,
            messageId: null,
            role: null,
            snippet: snippet(row.title, parsed.phrases, Math.max(180, row.title.length)),
            updatedAt: row.updated_at,
          },
        });
      }
      for (const row of messages) {
        const role = messageRoleSchema.safeParse(row.role);
        hits.push({
          score: row.score,
          hit: {
            conversationId: row.conversation_id,
            title: row.title,
            messageId: row.id,
            role: role.success ? role.data : null,
            snippet: snippet(row.content, parsed.phrases),
            updatedAt: row.updated_at,
          },
        });
      }
      // Stable: equal scores keep titles before messages.
      return hits.sort((a, b) => a.score - b.score).slice(0, max).map(({ hit }) => hit);
    })();
  }

  // ---- Export and import ----

  exportConversation(id: string, format: 'markdown' | 'json'): ExportedFile {
    const now = Date.now();
    const data = this.db.transaction(() => this.exportData(this.requireConversation(id)))();
    const name = safeFileName(data.detail.title, data.detail.id);
    if (format === 'markdown') {
      return { fileName: `${name}.md`, mimeType: 'text/markdown', encoding: 'utf8', content: toMarkdown(data.detail, now) };
    }
    return {
      fileName: `${name}.json`,
      mimeType: 'application/json',
      encoding: 'utf8',
      content: JSON.stringify(toJsonDocument(data, now)),
    };
  }

  exportAll(): ExportedFile {
    const now = Date.now();
    const modified = new Date(now);
    const folder = `glassbox-export-${new Date(now).toISOString().slice(0, 10)}`;
    const entries: ZipEntry[] = [];
    this.db.transaction(() => {
      for (const row of this.sql.listConversations.all(-1)) {
        const data = this.exportData(row);
        const name = `${folder}/${safeFileName(row.title, row.id)}`;
        entries.push({ name: `${name}.json`, data: Buffer.from(JSON.stringify(toJsonDocument(data, now)), 'utf8'), modified });
        entries.push({ name: `${name}.md`, data: Buffer.from(toMarkdown(data.detail, now), 'utf8'), modified });
      }
    })();
    return {
      fileName: `${folder}.zip`,
      mimeType: 'application/zip',
      encoding: 'base64',
      content: createZip(entries).toString('base64'),
    };
  }

  importConversation(json: string): ConversationSummary {
    const document = parseJsonDocument(json);
    const ordered = parentsFirst(document.messages);
    const source = document.conversation;
    const overrides = samplingOverridesSchema.parse(source.sampling ?? {});
    if (!samplingSchema.safeParse({ ...DEFAULT_SAMPLING, ...overrides }).success) {
      throw invalid('This Glassbox export is damaged: its sampling settings are out of range.');
    }
    return this.db.transaction(() => {
      const conversationId = randomUUID();
      this.sql.importConversation.run(
        conversationId,
        wellFormed(source.title),
        source.createdAt,
        Date.now(), // imported now: it shows at the top of the list
        source.pinned === true ? 1 : 0,
        wellFormed(source.systemPrompt ?? ''),
        Object.keys(overrides).length === 0 ? null : JSON.stringify(overrides),
      );
      const ids = new Map<string, string>();
      for (const message of ordered) {
        const id = randomUUID();
        ids.set(message.id, id);
        this.sql.importMessage.run(
          id,
          conversationId,
          message.parentId === null ? null : (ids.get(message.parentId) ?? null),
          message.role,
          wellFormed(message.content),
          message.status === 'streaming' ? 'interrupted' : message.status,
          message.createdAt,
          message.tokens === null ? null : encodeTokens(message.tokens),
          encodeJson(message.stats),
          encodeJson(message.model),
          encodeJson(message.sampling),
          encodeJson(message.error),
        );
      }
      const leafSource = source.currentLeafId ?? ordered[ordered.length - 1]?.id ?? null;
      const leaf = leafSource === null ? null : (ids.get(leafSource) ?? null);
      if (leaf !== null) {
        this.markVisited(conversationId, leaf);
        this.sql.setLeafOnly.run(leaf, conversationId);
      }
      return toSummary(this.requireConversation(conversationId));
    })();
  }

  // ---- Backups ----

  backup(): BackupInfo {
    const folder = backupFolder(this.requireFile('back up'));
    mkdirSync(folder, { recursive: true });
    const now = Date.now();
    let counter = 0;
    while (existsSync(join(folder, backupName(now, counter)))) counter++;
    const fileName = backupName(now, counter);
    const target = join(folder, fileName);
    const temporary = join(folder, `.${fileName}.${process.pid}.tmp`);
    rmSync(temporary, { force: true });
    try {
      // A consistent snapshot, WAL included, written by SQLite itself while the app keeps running;
      // the rename makes it appear whole or not at all.
      this.db.prepare('VACUUM INTO ?').run(temporary);
      fsyncFile(temporary);
      renameSync(temporary, target);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    pruneBackups(folder, BACKUPS_KEPT);
    return { fileName, createdAt: now, bytes: statSync(target).size };
  }

  listBackups(): BackupInfo[] {
    if (this.path === MEMORY_PATH || this.path === '') return [];
    return listBackupFiles(backupFolder(this.path));
  }

  /**
   * Checks the backup by opening a copy (migrating it if it is from an older version), then swaps it
   * in: the current database is moved aside to `<name>.before-restore-<time>.sqlite`, never deleted.
   * The connection is reopened inside this object, so everything holding the store keeps working.
   */
  restoreBackup(fileName: string): void {
    const path = this.requireFile('restore into');
    const source = backupPath(path, fileName);
    const staging = `${path}.restoring`;
    removeDatabaseFiles(staging);
    try {
      copyFileSync(source, staging);
      openDatabase(staging).close(); // throws database-corrupt / database-newer; closing checkpoints
    } catch (error) {
      removeDatabaseFiles(staging);
      throw error;
    }
    this.db.close();
    const aside = asideName(path, 'before-restore', Date.now());
    try {
      if (existsSync(path)) moveDatabase(path, aside);
      moveDatabase(staging, path);
      this.attach(openDatabase(path));
    } catch (error) {
      // Put the previous database back so the app keeps working on what it had.
      if (existsSync(aside)) {
        removeDatabaseFiles(path);
        moveDatabase(aside, path);
      }
      this.attach(openDatabase(path));
      throw error;
    }
    this.recoveryInfo = null;
  }

  integrityCheck(): string[] {
    const problems: string[] = [];
    const rows = this.db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    for (const row of rows) if (row.integrity_check !== 'ok') problems.push(row.integrity_check);
    for (const table of ['message_search', 'conversation_search']) {
      try {
        this.db.prepare(`INSERT INTO ${table} (${table}) VALUES ('integrity-check')`).run();
      } catch (error) {
        problems.push(`${table}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    // The index holds exactly the rows it should (same count, none pointing elsewhere).
    const count = (sql: string): number => this.db.prepare<[], number>(sql).pluck().get() ?? 0;
    const indexed = count('SELECT count(*) FROM message_search');
    const expected = count("SELECT count(*) FROM messages WHERE status != 'streaming'");
    const stray = count(
      "SELECT count(*) FROM message_search s LEFT JOIN messages m ON m.rowid = s.rowid WHERE m.rowid IS NULL OR m.status = 'streaming'",
    );
    if (indexed !== expected || stray !== 0) {
      problems.push(`message_search holds ${indexed} messages (${stray} unknown), expected ${expected}`);
    }
    const titles = count('SELECT count(*) FROM conversation_search');
    const conversations = count('SELECT count(*) FROM conversations');
    const strayTitles = count(
      'SELECT count(*) FROM conversation_search s LEFT JOIN conversations c ON c.rowid = s.rowid WHERE c.rowid IS NULL',
    );
    if (titles !== conversations || strayTitles !== 0) {
      problems.push(`conversation_search holds ${titles} titles (${strayTitles} unknown), expected ${conversations}`);
    }
    return problems;
  }

  // ---- Presets ----

  listPresets(): Preset[] {
    return this.sql.listPresets.all();
  }

  savePreset(preset: { id?: string | undefined; name: string; text: string }): Preset {
    const name = wellFormed(preset.name.trim());
    const text = wellFormed(preset.text);
    if (name === '') throw invalid('A preset needs a name');
    const now = Date.now();
    if (preset.id === undefined) {
      const id = randomUUID();
      this.sql.insertPreset.run(id, name, text, now, now);
      return { id, name, text };
    }
    if (this.sql.updatePreset.run(name, text, now, preset.id).changes === 0) throw notFound('preset', preset.id);
    return { id: preset.id, name, text };
  }

  deletePreset(id: string): boolean {
    return this.sql.deletePreset.run(id).changes > 0;
  }

  // ---- Messages ----

  appendMessage(input: NewMessage): Message {
    return this.db.transaction((): Message => {
      const conversation = this.requireConversation(input.conversationId);
      if (input.parentId !== null) this.requireMessageIn(input.conversationId, input.parentId, 'parent message');
      const id = randomUUID();
      const now = Date.now();
      const visit = this.sql.nextVisit.get(input.conversationId) ?? 0;
      // The branch shown carries the highest visit mark at each level. Under the current leaf (the
      // usual case) or any message on the current branch, only the new message needs one; under
      // another message, its whole path is marked so that branch becomes the one to return to.
      if (input.parentId !== null && input.parentId !== conversation.current_leaf_id) {
        this.sql.stampPath.run(visit, input.parentId);
      }
      this.sql.insertMessage.run(
        id,
        input.conversationId,
        input.parentId,
        input.role,
        wellFormed(input.content),
        input.status,
        now,
        encodeJson(input.model),
        encodeJson(input.sampling),
        visit,
      );
      this.sql.setLeaf.run(id, now, input.conversationId);
      return this.getMessage(id);
    })();
  }

  getMessage(id: string): Message {
    const row = this.sql.getMessage.get(id);
    if (row === undefined) throw notFound('message', id);
    const siblings = row.parent_id === null ? this.sql.roots.all(row.conversation_id) : this.sql.children.all(row.parent_id);
    return this.toMessage(row, siblings);
  }

  /**
   * Streaming only appends tokens, so the tokens already saved are a prefix of `tokens`: only the
   * new tail is encoded and written, as one chunk row. The cost of a save is the size of what is
   * new, not of the whole answer. A shorter list than saved (the caller restarted) rewrites it.
   * A late save for an answer that is no longer streaming is ignored so it cannot overwrite the
   * final text.
   */
  saveProgress(messageId: string, content: string, tokens: GeneratedToken[]): void {
    this.saveProgressTx(messageId, content, tokens);
  }

  finishMessage(messageId: string, result: FinishedMessage): Message {
    return this.db.transaction((): Message => {
      const changed = this.sql.finish.run(
        wellFormed(result.content),
        result.tokens === null ? null : encodeTokens(result.tokens),
        result.status,
        encodeJson(result.stats),
        encodeJson(result.error),
        messageId,
      ).changes;
      if (changed === 0) throw notFound('message', messageId);
      this.sql.deleteChunks.run(messageId);
      const message = this.getMessage(messageId);
      this.sql.touchConversation.run(Date.now(), message.conversationId);
      return message;
    })();
  }

  markUnfinishedAsInterrupted(): number {
    return this.db.transaction((): number => {
      const ids = this.sql.streamingIds.all();
      for (const id of ids) {
        // Keep what was streamed before the crash: fold the chunks into the tokens column. A chunk
        // that does not decode is dropped rather than stopping the app from starting.
        let tokens: string | null = null;
        try {
          const streamed = this.readChunks(id);
          tokens = streamed === null ? null : encodeTokens(streamed);
        } catch (error) {
          if (!(error instanceof GlassboxError)) throw error;
        }
        this.sql.interrupt.run(tokens, id);
        this.sql.deleteChunks.run(id);
      }
      return ids.length;
    })();
  }

  getSetting(key: string): string | null {
    return this.sql.getSetting.get(key) ?? null;
  }

  setSetting(key: string, value: string): void {
    this.sql.setSetting.run(key, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- Helpers ----

  /** A conversation that is not deleted. */
  private requireConversation(id: string): ConversationRow {
    const row = this.sql.getConversation.get(id);
    if (row === undefined || row.deleted_at !== null) throw notFound('conversation', id);
    return row;
  }

  private requireMessageIn(conversationId: string, messageId: string, what = 'message'): void {
    const found = this.sql.messageConversation.get(messageId);
    if (found === undefined) throw notFound(what, messageId);
    if (found.conversation_id !== conversationId) {
      throw invalid(`Message ${messageId} belongs to another conversation than ${conversationId}`);
    }
  }

  private requireFile(action: string): string {
    if (this.path === MEMORY_PATH || this.path === '') throw invalid(`An in-memory store has no file to ${action}`);
    return this.path;
  }

  /** Gives every message from `leaf` up to the root a fresh visit mark: this is the branch shown now. */
  private markVisited(conversationId: string, leaf: string): void {
    const visit = this.sql.nextVisit.get(conversationId) ?? 0;
    this.sql.stampPath.run(visit, leaf);
  }

  private samplingOverrides(row: ConversationRow): Partial<Sampling> {
    return decodeJson(row.sampling, samplingOverridesSchema, `Conversation ${row.id} (sampling)`) ?? {};
  }

  private detail(row: ConversationRow): ConversationDetail {
    const branch = row.current_leaf_id === null ? [] : this.sql.branch.all(row.current_leaf_id).map(fromRaw);
    return {
      ...toSummary(row),
      currentLeafId: row.current_leaf_id,
      systemPrompt: row.system_prompt,
      sampling: { ...DEFAULT_SAMPLING, ...this.samplingOverrides(row) },
      messages: this.withSiblings(branch, row.id),
      engine: row.engine ?? LOCAL_ENGINE,
    };
  }

  private exportData(row: ConversationRow): ConversationExport {
    const rows = this.sql.tree.all(row.id).map(fromRaw);
    const siblings = new Map<string | null, string[]>();
    // Insertion order is creation order except for imports, which keep their own createdAt.
    const bySiblingOrder = [...rows].sort((a, b) => a.created_at - b.created_at);
    for (const m of bySiblingOrder) {
      const list = siblings.get(m.parent_id);
      if (list === undefined) siblings.set(m.parent_id, [m.id]);
      else list.push(m.id);
    }
    return {
      detail: this.detail(row),
      samplingOverrides: this.samplingOverrides(row),
      tree: rows.map((m) => this.toMessage(m, siblings.get(m.parent_id) ?? [m.id])),
    };
  }

  /** Messages of one branch with their sibling ids, read with one query for the whole branch. */
  private withSiblings(rows: MessageRow[], conversationId: string): Message[] {
    if (rows.length === 0) return [];
    const parents = rows.flatMap((row) => (row.parent_id === null ? [] : [row.parent_id]));
    const groups = new Map<string | null, string[]>();
    for (const [id, parentId] of this.sql.siblingsOfBranch.all(JSON.stringify(parents), conversationId)) {
      const group = groups.get(parentId);
      if (group === undefined) groups.set(parentId, [id]);
      else group.push(id);
    }
    return rows.map((row) => this.toMessage(row, groups.get(row.parent_id) ?? [row.id]));
  }

  private readChunks(messageId: string): GeneratedToken[] | null {
    const rows = this.sql.chunks.all(messageId);
    if (rows.length === 0) return null;
    const tokens: GeneratedToken[] = [];
    for (const row of rows) {
      const where = `Streamed tokens of message ${messageId} (from ${row.start})`;
      if (row.start !== tokens.length) throw badRow(where, `expected a chunk starting at ${tokens.length}`);
      tokens.push(...decodeTokens(row.data, where));
    }
    return tokens;
  }

  private toMessage(row: MessageRow, siblingIds: string[]): Message {
    const where = (column: string) => `Message ${row.id} (${column})`;
    const role = messageRoleSchema.safeParse(row.role);
    if (!role.success) throw badRow(where('role'), `unknown role ${JSON.stringify(row.role)}`);
    const status = messageStatusSchema.safeParse(row.status);
    if (!status.success) throw badRow(where('status'), `unknown status ${JSON.stringify(row.status)}`);
    let tokens: GeneratedToken[] | null = null;
    if (row.tokens !== null) tokens = decodeTokens(row.tokens, where('tokens'));
    else if (status.data === 'streaming') tokens = this.readChunks(row.id);
    return {
      id: row.id,
      conversationId: row.conversation_id,
      parentId: row.parent_id,
      role: role.data,
      content: row.content,
      status: status.data,
      createdAt: row.created_at,
      tokens,
      stats: decodeJson(row.stats, generationStatsSchema, where('stats')),
      model: decodeJson(row.model, modelIdentitySchema, where('model')),
      sampling: decodeJson(row.sampling, samplingSchema, where('sampling')),
      error: decodeJson(row.error, wireErrorSchema, where('error')),
      siblingIds,
    };
  }
}
