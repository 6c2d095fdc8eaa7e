import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { GlassboxError, wireErrorSchema } from '../contract/errors';
import { samplingSchema } from '../contract/model';
import type { GeneratedToken } from '../contract/token';
import {
  generationStatsSchema,
  messageRoleSchema,
  messageStatusSchema,
  modelIdentitySchema,
  type ConversationDetail,
  type ConversationSummary,
  type Message,
} from '../contract/conversation';
import { badRow, decodeJson, decodeTokens, encodeJson, encodeTokens } from './codec';
import { openDatabase } from './database';
import type { FinishedMessage, NewMessage, Store } from './store';

export const DEFAULT_TITLE = 'New chat';

interface ConversationRow {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
  current_leaf_id: string | null;
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

const MESSAGE_COLUMNS =
  'id, conversation_id, parent_id, role, content, status, created_at, tokens, stats, model, sampling, error';

/** Opens the store at `path` (a file, created with its folder if missing, or ':memory:'). */
export function openStore(path: string): Store {
  return new SqliteStore(path, openDatabase(path));
}

/** Every statement is prepared once, here; the hot path (saveProgress) only binds and steps. */
function prepareStatements(db: Database.Database) {
  return {
    listConversations: db.prepare<[], ConversationRow>(
      'SELECT id, title, created_at, updated_at, current_leaf_id FROM conversations ORDER BY updated_at DESC, rowid DESC',
    ),
    getConversation: db.prepare<[string], ConversationRow>(
      'SELECT id, title, created_at, updated_at, current_leaf_id FROM conversations WHERE id = ?',
    ),
    insertConversation: db.prepare<[string, string, number, number]>(
      'INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)',
    ),
    renameConversation: db.prepare<[string, string]>('UPDATE conversations SET title = ? WHERE id = ?'),
    setLeaf: db.prepare<[string, number, string]>(
      'UPDATE conversations SET current_leaf_id = ?, updated_at = ? WHERE id = ?',
    ),
    touchConversation: db.prepare<[number, string]>('UPDATE conversations SET updated_at = ? WHERE id = ?'),
    // Walks parent_id from the leaf up to the root; depth orders the result root first. The depth
    // cap only guards against a cycle written by hand: the app cannot create one, since a parent
    // must exist before its child.
    branch: db.prepare<[string], MessageRow>(`
      WITH RECURSIVE path(id, parent_id, depth) AS (
        SELECT id, parent_id, 0 FROM messages WHERE id = ?
        UNION ALL
        SELECT m.id, m.parent_id, path.depth + 1 FROM messages m JOIN path ON m.id = path.parent_id
        WHERE path.depth < 100000
      )
      SELECT ${MESSAGE_COLUMNS.split(', ').map((c) => `m.${c}`).join(', ')}
      FROM path JOIN messages m ON m.id = path.id ORDER BY path.depth DESC`),
    getMessage: db.prepare<[string], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`),
    messageConversation: db.prepare<[string], { conversation_id: string }>(
      'SELECT conversation_id FROM messages WHERE id = ?',
    ),
    insertMessage: db.prepare<
      [string, string, string | null, string, string, string, number, string | null, string | null]
    >(`INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at, model, sampling)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
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
    getSetting: db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck(),
    setSetting: db.prepare<[string, string]>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };
}

function notFound(what: string, id: string): GlassboxError {
  return new GlassboxError('not-found', `No ${what} with id ${id}`);
}

function toSummary(row: ConversationRow): ConversationSummary {
  return { id: row.id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at };
}

class SqliteStore implements Store {
  private readonly sql: ReturnType<typeof prepareStatements>;
  /** Built once: the hot path should not even allocate a transaction wrapper per call. */
  private readonly saveProgressTx: (messageId: string, content: string, tokens: GeneratedToken[]) => void;

  constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {
    this.sql = prepareStatements(db);
    this.saveProgressTx = db.transaction((messageId: string, content: string, tokens: GeneratedToken[]) => {
      if (this.sql.saveContent.run(content, messageId).changes === 0) {
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

  listConversations(): ConversationSummary[] {
    return this.sql.listConversations.all().map(toSummary);
  }

  createConversation(title?: string): ConversationSummary {
    const now = Date.now();
    const row: ConversationRow = {
      id: randomUUID(),
      title: title ?? DEFAULT_TITLE,
      created_at: now,
      updated_at: now,
      current_leaf_id: null,
    };
    this.sql.insertConversation.run(row.id, row.title, now, now);
    return toSummary(row);
  }

  getConversation(id: string): ConversationDetail {
    // One read transaction so the conversation row and its branch are from the same snapshot.
    return this.db.transaction(() => {
      const row = this.requireConversation(id);
      const messages = row.current_leaf_id === null ? [] : this.sql.branch.all(row.current_leaf_id);
      return { ...toSummary(row), currentLeafId: row.current_leaf_id, messages: messages.map((m) => this.toMessage(m)) };
    })();
  }

  renameConversation(id: string, title: string): ConversationSummary {
    // Renaming does not bump updated_at: the list is ordered by chat activity, not by edits.
    if (this.sql.renameConversation.run(title, id).changes === 0) throw notFound('conversation', id);
    return toSummary(this.requireConversation(id));
  }

  appendMessage(input: NewMessage): Message {
    return this.db.transaction((): Message => {
      this.requireConversation(input.conversationId);
      if (input.parentId !== null) {
        const parent = this.sql.messageConversation.get(input.parentId);
        if (parent === undefined) throw notFound('parent message', input.parentId);
        if (parent.conversation_id !== input.conversationId) {
          throw new GlassboxError(
            'invalid-argument',
            `Message ${input.parentId} belongs to another conversation than ${input.conversationId}`,
          );
        }
      }
      const id = randomUUID();
      const now = Date.now();
      this.sql.insertMessage.run(
        id,
        input.conversationId,
        input.parentId,
        input.role,
        input.content,
        input.status,
        now,
        encodeJson(input.model),
        encodeJson(input.sampling),
      );
      this.sql.setLeaf.run(id, now, input.conversationId);
      return this.getMessage(id);
    })();
  }

  getMessage(id: string): Message {
    const row = this.sql.getMessage.get(id);
    if (row === undefined) throw notFound('message', id);
    return this.toMessage(row);
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
        result.content,
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

  private requireConversation(id: string): ConversationRow {
    const row = this.sql.getConversation.get(id);
    if (row === undefined) throw notFound('conversation', id);
    return row;
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

  private toMessage(row: MessageRow): Message {
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
    };
  }
}
