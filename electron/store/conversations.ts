import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { DEFAULT_SAMPLING, samplingSchema, type Sampling } from '../contract/model';
import { DEFAULT_TITLE, type ConversationDetail, type ConversationSummary, type Message } from '../contract/conversation';
import { LOCAL_ENGINE } from '../contract/remote';
import { decodeJson, encodeJson, wellFormed } from './codec';
import {
  CONVERSATION_COLUMNS,
  invalid,
  LIST_ORDER,
  notFound,
  samplingOverridesSchema,
  toSummary,
  type ConversationRow,
} from './rows';
import type { ConversationHeader, ConversationPage } from './store';

function prepare(db: Database.Database) {
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
    importConversation: db.prepare<[string, string, number, number, number, string, string | null, string | null]>(
      `INSERT INTO conversations (id, title, created_at, updated_at, pinned, system_prompt, sampling, origin_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    originOf: db.prepare<[string], string | null>('SELECT origin_id FROM conversations WHERE id = ?').pluck(),
    /** A conversation not deleted that is known by one of these ids (a JSON array), here or where it came from. */
    presentAs: db.prepare<[string, string], ConversationRow>(
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE deleted_at IS NULL
       AND (id IN (SELECT value FROM json_each(?)) OR origin_id IN (SELECT value FROM json_each(?))) LIMIT 1`,
    ),
    renameConversation: db.prepare<[string, string]>('UPDATE conversations SET title = ? WHERE id = ? AND deleted_at IS NULL'),
    softDelete: db.prepare<[number, string]>('UPDATE conversations SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL'),
    undelete: db.prepare<[string]>('UPDATE conversations SET deleted_at = NULL WHERE id = ?'),
    purge: db.prepare<[number]>('DELETE FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at <= ?'),
    setPinned: db.prepare<[number, string]>('UPDATE conversations SET pinned = ? WHERE id = ? AND deleted_at IS NULL'),
    setSystemPrompt: db.prepare<[string, string]>('UPDATE conversations SET system_prompt = ? WHERE id = ? AND deleted_at IS NULL'),
    setSampling: db.prepare<[string | null, string]>('UPDATE conversations SET sampling = ? WHERE id = ?'),
    setEngine: db.prepare<[string | null, string]>('UPDATE conversations SET engine = ? WHERE id = ? AND deleted_at IS NULL'),
  };
}

type Statements = ReturnType<typeof prepare>;

/** What an imported conversation keeps of the file's (its id and times of activity are new). */
export interface ImportedConversation {
  title: string;
  createdAt: number;
  pinned: boolean;
  systemPrompt: string;
  samplingOverrides: Partial<Sampling>;
  /** The id it was first known by (see migration 006), or null. */
  originId: string | null;
}

/** The conversations table: the list, titles, pins, soft deletion, per-conversation settings. */
export class Conversations {
  private readonly sql: Statements;

  constructor(
    private readonly db: Database.Database,
    /** The messages on a conversation's current branch, root first (message-tree.ts). */
    private readonly branch: (conversationId: string, leaf: string | null) => Message[],
  ) {
    this.sql = prepare(db);
  }

  /** Every conversation not deleted, in list order (for export). */
  all(): ConversationRow[] {
    return this.sql.listConversations.all(-1);
  }

  list(page?: ConversationPage): ConversationSummary[] {
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

  create(title?: string): ConversationSummary {
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

  /** Inserts an imported conversation under a new id, at the top of the list; returns the id. */
  insertImported(source: ImportedConversation): string {
    const id = randomUUID();
    this.sql.importConversation.run(
      id,
      wellFormed(source.title),
      source.createdAt,
      Date.now(), // imported now: it shows at the top of the list
      source.pinned ? 1 : 0,
      wellFormed(source.systemPrompt),
      Object.keys(source.samplingOverrides).length === 0 ? null : JSON.stringify(source.samplingOverrides),
      source.originId,
    );
    return id;
  }

  get(id: string): ConversationDetail {
    // One read transaction so the conversation row and its branch are from the same snapshot.
    return this.db.transaction(() => this.detail(this.require(id)))();
  }

  summary(id: string): ConversationSummary {
    return toSummary(this.require(id));
  }

  rename(id: string, title: string): ConversationSummary {
    // Renaming does not bump updated_at: the list is ordered by chat activity, not by edits.
    if (this.sql.renameConversation.run(wellFormed(title), id).changes === 0) throw notFound('conversation', id);
    return this.summary(id);
  }

  delete(id: string): boolean {
    return this.sql.softDelete.run(Date.now(), id).changes > 0;
  }

  restore(id: string): ConversationSummary {
    return this.db.transaction(() => {
      if (this.sql.undelete.run(id).changes === 0) throw notFound('conversation', id);
      return this.summary(id);
    })();
  }

  purgeDeleted(olderThanMs: number): number {
    if (!(olderThanMs >= 0)) throw invalid(`olderThanMs must be ≥ 0, not ${olderThanMs}`);
    return this.db.transaction(() => this.sql.purge.run(Date.now() - olderThanMs).changes)();
  }

  setPinned(id: string, pinned: boolean): ConversationSummary {
    if (this.sql.setPinned.run(pinned ? 1 : 0, id).changes === 0) throw notFound('conversation', id);
    return this.summary(id);
  }

  setSystemPrompt(id: string, systemPrompt: string): ConversationDetail {
    return this.db.transaction(() => {
      if (this.sql.setSystemPrompt.run(wellFormed(systemPrompt), id).changes === 0) throw notFound('conversation', id);
      return this.detail(this.require(id));
    })();
  }

  /** Stores only the settings given (merged with those set before); defaults fill the rest on read. */
  setSampling(id: string, sampling: Partial<Sampling>): ConversationDetail {
    return this.db.transaction(() => {
      const row = this.require(id);
      const given = Object.fromEntries(Object.entries(sampling).filter(([, value]) => value !== undefined));
      const merged = samplingOverridesSchema.safeParse({ ...this.samplingOverrides(row), ...given });
      const full = samplingSchema.safeParse({ ...DEFAULT_SAMPLING, ...(merged.success ? merged.data : {}) });
      if (!merged.success || !full.success) {
        const issue = (merged.success ? full.error : merged.error)?.issues[0];
        throw invalid(`Invalid sampling settings: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
      }
      this.sql.setSampling.run(encodeJson(merged.data), id);
      return this.detail(this.require(id));
    })();
  }

  /** 'local' (stored as NULL) or a remote endpoint's id. */
  setEngine(id: string, engine: string): ConversationDetail {
    return this.db.transaction(() => {
      if (this.sql.setEngine.run(engine === LOCAL_ENGINE ? null : engine, id).changes === 0) throw notFound('conversation', id);
      return this.detail(this.require(id));
    })();
  }

  /** The id an imported conversation had where it came from (null for one made here). */
  originOf(row: ConversationRow): string | null {
    return this.sql.originOf.get(row.id) ?? null;
  }

  /** The conversation, not deleted, that any of these ids (its own or its origin's) names, if any. */
  presentAs(ids: readonly string[]): ConversationSummary | null {
    if (ids.length === 0) return null;
    const json = JSON.stringify(ids);
    const row = this.sql.presentAs.get(json, json);
    return row === undefined ? null : toSummary(row);
  }

  /** A conversation that is not deleted. */
  require(id: string): ConversationRow {
    const row = this.sql.getConversation.get(id);
    if (row === undefined || row.deleted_at !== null) throw notFound('conversation', id);
    return row;
  }

  samplingOverrides(row: ConversationRow): Partial<Sampling> {
    return decodeJson(row.sampling, samplingOverridesSchema, `Conversation ${row.id} (sampling)`) ?? {};
  }

  /** A conversation that is not deleted, without its messages (nothing decoded but its settings). */
  header(id: string): ConversationHeader {
    return this.headerOf(this.require(id));
  }

  private headerOf(row: ConversationRow): ConversationHeader {
    return {
      ...toSummary(row),
      currentLeafId: row.current_leaf_id,
      systemPrompt: row.system_prompt,
      sampling: { ...DEFAULT_SAMPLING, ...this.samplingOverrides(row) },
      engine: row.engine ?? LOCAL_ENGINE,
    };
  }

  detail(row: ConversationRow): ConversationDetail {
    return { ...this.headerOf(row), messages: this.branch(row.id, row.current_leaf_id) };
  }
}
