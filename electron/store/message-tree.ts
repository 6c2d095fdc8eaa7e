import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { GlassboxError, wireErrorSchema } from '../contract/errors';
import { samplingSchema } from '../contract/model';
import type { GeneratedToken } from '../contract/token';
import { generationStatsSchema, messageRoleSchema, messageStatusSchema, modelIdentitySchema, type Message } from '../contract/conversation';
import { badRow, decodeJson, decodeTokens, encodeJson, encodeTokens, wellFormed } from './codec';
import { fromRaw, invalid, MESSAGE_COLUMNS, notFound, type MessageRow, type RawMessageRow } from './rows';
import type { BranchTurn, FinishedMessage, NewMessage } from './store';
import type { ExportedMessage } from './transfer';

/** Guards recursive walks against a cycle written by hand (the app cannot create one). */
const MAX_DEPTH = 100000;
/** Children of a message, the sibling switcher's order: oldest first. */
const SIBLING_ORDER = 'created_at, rowid';

/** [id, parent_id] */
type SiblingRow = [string, string | null];

const branchSql = (start: string) => `
  WITH RECURSIVE path(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM messages WHERE id = ${start}
    UNION ALL
    SELECT m.id, m.parent_id, path.depth + 1 FROM messages m JOIN path ON m.id = path.parent_id
    WHERE path.depth < ${MAX_DEPTH}
  )`;

/** Every statement is prepared once per connection; the hot path (saveProgress) only binds and steps. */
function prepare(db: Database.Database) {
  return {
    setLeaf: db.prepare<[string, number, string]>('UPDATE conversations SET current_leaf_id = ?, updated_at = ? WHERE id = ?'),
    /** Switching branches is not activity: the list order stays. */
    setLeafOnly: db.prepare<[string, string]>('UPDATE conversations SET current_leaf_id = ? WHERE id = ?'),
    nextVisit: db.prepare<[string], number>('UPDATE conversations SET visit_seq = visit_seq + 1 WHERE id = ? RETURNING visit_seq').pluck(),
    touchConversation: db.prepare<[number, string]>('UPDATE conversations SET updated_at = ? WHERE id = ?'),
    // Walks parent_id from a message up to the root; depth orders the result root first.
    branch: db
      .prepare<[string], RawMessageRow>(
        `${branchSql('?')}
      SELECT ${MESSAGE_COLUMNS.split(', ').map((c) => `m.${c}`).join(', ')}
      FROM path JOIN messages m ON m.id = path.id ORDER BY path.depth DESC`,
      )
      .raw(),
    /** The same for a conversation's detail: the tokens column says only whether there are tokens ('' or NULL), undecoded. */
    branchLazy: db
      .prepare<[string], RawMessageRow>(
        `${branchSql('?')}
      SELECT ${MESSAGE_COLUMNS.split(', ')
        .map((c) => (c === 'tokens' ? "CASE WHEN m.tokens IS NULL THEN NULL ELSE '' END" : `m.${c}`))
        .join(', ')}
      FROM path JOIN messages m ON m.id = path.id ORDER BY path.depth DESC`,
      )
      .raw(),
    tokensOf: db.prepare<[string], { conversation_id: string; status: string; tokens: string | null }>(
      'SELECT conversation_id, status, tokens FROM messages WHERE id = ?',
    ),
    /** role, content and thought only, root first: what a prompt is built from, without decoding tokens. */
    branchTurns: db.prepare<[string], { id: string; role: string; content: string; thought: string | null }>(
      `${branchSql('?')}
      SELECT m.id, m.role, m.content, m.thought FROM path JOIN messages m ON m.id = path.id ORDER BY path.depth DESC`,
    ),
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
    roots: db
      .prepare<[string], string>(`SELECT id FROM messages WHERE conversation_id = ? AND parent_id IS NULL ORDER BY ${SIBLING_ORDER}`)
      .pluck(),
    /** A whole tree in insertion order, which puts parents before children. */
    tree: db.prepare<[string], RawMessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY rowid`).raw(),
    getMessage: db.prepare<[string], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`),
    messageConversation: db.prepare<[string], { conversation_id: string }>('SELECT conversation_id FROM messages WHERE id = ?'),
    insertMessage: db.prepare<[string, string, string | null, string, string, string, number, string | null, string | null, number]>(
      `INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at, model, sampling, visit_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    importMessage: db.prepare<
      [string, string, string | null, string, string, string, number, string | null, string | null, string | null, string | null, string | null, string | null]
    >(`INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at, tokens, stats, model, sampling, error, thought)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    saveContent: db.prepare<[string, string | null, string]>("UPDATE messages SET content = ?, thought = ? WHERE id = ? AND status = 'streaming'"),
    finish: db.prepare<[string, string | null, string | null, string, string | null, string | null, string]>(
      'UPDATE messages SET content = ?, thought = ?, tokens = ?, status = ?, stats = ?, error = ? WHERE id = ?',
    ),
    streamingIds: db.prepare<[], string>("SELECT id FROM messages WHERE status = 'streaming'").pluck(),
    interrupt: db.prepare<[string | null, string]>("UPDATE messages SET status = 'interrupted', tokens = COALESCE(?, tokens) WHERE id = ?"),
    chunkEnd: db
      .prepare<[string], number>('SELECT start + count FROM message_token_chunks WHERE message_id = ? ORDER BY start DESC LIMIT 1')
      .pluck(),
    insertChunk: db.prepare<[string, number, number, string]>(
      'INSERT INTO message_token_chunks (message_id, start, count, data) VALUES (?, ?, ?, ?)',
    ),
    chunks: db.prepare<[string], { start: number; data: string }>(
      'SELECT start, data FROM message_token_chunks WHERE message_id = ? ORDER BY start',
    ),
    deleteChunks: db.prepare<[string]>('DELETE FROM message_token_chunks WHERE message_id = ?'),
  };
}

type Statements = ReturnType<typeof prepare>;

/**
 * The message tree of every conversation: appending, the branch shown (a conversation's current
 * leaf and the visit marks that pick a branch to return to), streaming saves and their end.
 */
export class MessageTree {
  private readonly sql: Statements;
  /** Built once per connection: the hot path should not even allocate a transaction wrapper per call. */
  private readonly saveProgressTx: (messageId: string, content: string, tokens: GeneratedToken[], thought: string | null) => void;

  constructor(
    private readonly db: Database.Database,
    /** The current leaf of a conversation that is not deleted; throws not-found. */
    private readonly currentLeaf: (conversationId: string) => string | null,
  ) {
    const sql = (this.sql = prepare(db));
    this.saveProgressTx = db.transaction((messageId: string, content: string, tokens: GeneratedToken[], thought: string | null) => {
      if (sql.saveContent.run(wellFormed(content), thought === null ? null : wellFormed(thought), messageId).changes === 0) {
        if (sql.messageConversation.get(messageId) === undefined) throw notFound('message', messageId);
        return;
      }
      let saved = sql.chunkEnd.get(messageId) ?? 0;
      if (tokens.length < saved) {
        sql.deleteChunks.run(messageId);
        saved = 0;
      }
      if (tokens.length > saved) {
        const fresh = tokens.slice(saved);
        sql.insertChunk.run(messageId, saved, fresh.length, encodeTokens(fresh));
      }
    });
  }

  /**
   * The messages from the root to `leaf`, with their siblings (none for a conversation without
   * messages). Finished answers come without their tokens (tokensOmitted; see tokens()): decoding
   * them all was most of the cost of opening a long conversation. A streaming answer keeps its own.
   */
  branch(conversationId: string, leaf: string | null): Message[] {
    return leaf === null ? [] : this.withSiblings(this.sql.branchLazy.all(leaf).map(fromRaw), conversationId, true);
  }

  /** One message's tokens (null: it has none), the ones a conversation's detail leaves out. Throws not-found. */
  tokens(conversationId: string, messageId: string): GeneratedToken[] | null {
    const row = this.sql.tokensOf.get(messageId);
    if (row === undefined || row.conversation_id !== conversationId) throw notFound('message', messageId);
    if (row.tokens !== null) return decodeTokens(row.tokens, `Message ${messageId} (tokens)`);
    return row.status === 'streaming' ? this.readChunks(messageId) : null;
  }

  /** Every message of a conversation, parents first, each with its siblings in the switcher's order. */
  wholeTree(conversationId: string): Message[] {
    const rows = this.sql.tree.all(conversationId).map(fromRaw);
    const siblings = new Map<string | null, string[]>();
    // Insertion order is creation order except for imports, which keep their own createdAt.
    const bySiblingOrder = [...rows].sort((a, b) => a.created_at - b.created_at);
    for (const m of bySiblingOrder) {
      const list = siblings.get(m.parent_id);
      if (list === undefined) siblings.set(m.parent_id, [m.id]);
      else list.push(m.id);
    }
    return rows.map((m) => this.toMessage(m, siblings.get(m.parent_id) ?? [m.id]));
  }

  /** Makes the branch through messageId current. Runs inside the caller's transaction. */
  selectBranch(conversationId: string, messageId: string): void {
    this.currentLeaf(conversationId);
    this.requireMessageIn(conversationId, messageId);
    const leaf = this.sql.descend.get(messageId) ?? messageId;
    this.markVisited(conversationId, leaf);
    this.sql.setLeafOnly.run(leaf, conversationId);
  }

  branchTurns(messageId: string): BranchTurn[] {
    const turns = this.sql.branchTurns.all(messageId);
    if (turns.length === 0) throw notFound('message', messageId);
    return turns.map((t) => {
      const role = messageRoleSchema.safeParse(t.role);
      if (!role.success) throw badRow(`Message ${t.id}`, `unknown role ${JSON.stringify(t.role)}`);
      return { id: t.id, role: role.data, content: t.content, thought: t.thought };
    });
  }

  pathTo(messageId: string): Message[] {
    return this.db.transaction(() => {
      const rows = this.sql.branch.all(messageId).map(fromRaw);
      const first = rows[0];
      if (first === undefined) throw notFound('message', messageId);
      return this.withSiblings(rows, first.conversation_id);
    })();
  }

  append(input: NewMessage): Message {
    return this.db.transaction((): Message => {
      const currentLeaf = this.currentLeaf(input.conversationId);
      if (input.parentId !== null) this.requireMessageIn(input.conversationId, input.parentId, 'parent message');
      const id = randomUUID();
      const now = Date.now();
      const visit = this.sql.nextVisit.get(input.conversationId) ?? 0;
      // The branch shown carries the highest visit mark at each level. Under the current leaf (the
      // usual case) or any message on the current branch, only the new message needs one; under
      // another message, its whole path is marked so that branch becomes the one to return to.
      if (input.parentId !== null && input.parentId !== currentLeaf) this.sql.stampPath.run(visit, input.parentId);
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

  /**
   * Writes an imported tree (parents first) under new ids into `conversationId` and makes the branch
   * through `leafSource` (an id of the file's) current. Runs inside the caller's transaction.
   */
  insertTree(conversationId: string, ordered: readonly ExportedMessage[], leafSource: string | null): void {
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
        message.thought == null || message.thought === '' ? null : wellFormed(message.thought),
      );
    }
    const leaf = leafSource === null ? null : (ids.get(leafSource) ?? null);
    if (leaf !== null) {
      this.markVisited(conversationId, leaf);
      this.sql.setLeafOnly.run(leaf, conversationId);
    }
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
  saveProgress(messageId: string, content: string, tokens: GeneratedToken[], thought?: string): void {
    this.saveProgressTx(messageId, content, tokens, thought === undefined || thought.length === 0 ? null : thought);
  }

  finish(messageId: string, result: FinishedMessage): Message {
    return this.db.transaction((): Message => {
      const changed = this.sql.finish.run(
        wellFormed(result.content),
        result.thought === undefined || result.thought === null || result.thought.length === 0 ? null : wellFormed(result.thought),
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

  private requireMessageIn(conversationId: string, messageId: string, what = 'message'): void {
    const found = this.sql.messageConversation.get(messageId);
    if (found === undefined) throw notFound(what, messageId);
    if (found.conversation_id !== conversationId) {
      throw invalid(`Message ${messageId} belongs to another conversation than ${conversationId}`);
    }
  }

  /** Gives every message from `leaf` up to the root a fresh visit mark: this is the branch shown now. */
  private markVisited(conversationId: string, leaf: string): void {
    const visit = this.sql.nextVisit.get(conversationId) ?? 0;
    this.sql.stampPath.run(visit, leaf);
  }

  /** Messages of one branch with their sibling ids, read with one query for the whole branch. */
  private withSiblings(rows: MessageRow[], conversationId: string, omitTokens = false): Message[] {
    if (rows.length === 0) return [];
    const parents = rows.flatMap((row) => (row.parent_id === null ? [] : [row.parent_id]));
    const groups = new Map<string | null, string[]>();
    for (const [id, parentId] of this.sql.siblingsOfBranch.all(JSON.stringify(parents), conversationId)) {
      const group = groups.get(parentId);
      if (group === undefined) groups.set(parentId, [id]);
      else group.push(id);
    }
    return rows.map((row) => this.toMessage(row, groups.get(row.parent_id) ?? [row.id], omitTokens));
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

  /** omitTokens: the row's tokens column is only a marker (branchLazy), not to be decoded. */
  private toMessage(row: MessageRow, siblingIds: string[], omitTokens = false): Message {
    const where = (column: string) => `Message ${row.id} (${column})`;
    const role = messageRoleSchema.safeParse(row.role);
    if (!role.success) throw badRow(where('role'), `unknown role ${JSON.stringify(row.role)}`);
    const status = messageStatusSchema.safeParse(row.status);
    if (!status.success) throw badRow(where('status'), `unknown status ${JSON.stringify(row.status)}`);
    let tokens: GeneratedToken[] | null = null;
    const omitted = omitTokens && row.tokens !== null;
    if (row.tokens !== null && !omitted) tokens = decodeTokens(row.tokens, where('tokens'));
    else if (row.tokens === null && status.data === 'streaming') tokens = this.readChunks(row.id);
    return {
      id: row.id,
      conversationId: row.conversation_id,
      parentId: row.parent_id,
      role: role.data,
      content: row.content,
      status: status.data,
      createdAt: row.created_at,
      tokens,
      ...(omitted ? { tokensOmitted: true } : {}),
      stats: decodeJson(row.stats, generationStatsSchema, where('stats')),
      model: decodeJson(row.model, modelIdentitySchema, where('model')),
      sampling: decodeJson(row.sampling, samplingSchema, where('sampling')),
      error: decodeJson(row.error, wireErrorSchema, where('error')),
      siblingIds,
      ...(row.thought !== null ? { thought: row.thought } : {}),
    };
  }
}
