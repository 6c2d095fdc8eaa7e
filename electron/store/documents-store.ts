import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { GlassboxError } from '../contract/errors';
import { documentKindSchema, sourceSchema, type DocumentInfo, type Source } from '../documents/contract';
import { documentTerms } from '../documents/terms';

/** A chunk as it is written. */
export interface NewChunk {
  page: number | null;
  start: number;
  end: number;
  heading: string;
  text: string;
  tokens: number;
}

export interface NewDocument {
  sha256: string;
  name: string;
  kind: DocumentInfo['kind'];
  bytes: number;
  pages: number;
  chars: number;
  tokenSource: string;
  warnings: string[];
}

export interface ChunkRow {
  id: number;
  documentId: string;
  document: string;
  seq: number;
  page: number | null;
  heading: string;
  text: string;
  start: number;
  end: number;
  tokens: number;
}

export interface ChunkHit extends ChunkRow {
  /** -bm25: higher is better. */
  score: number;
}

interface DocumentRow {
  id: string;
  sha256: string;
  name: string;
  kind: string;
  bytes: number;
  pages: number;
  tokens: number;
  token_source: string;
  warnings: string;
  created_at: number;
  chunks: number;
}

interface RawChunkRow {
  id: number;
  document_id: string;
  document: string;
  seq: number;
  page: number | null;
  heading: string;
  text: string;
  start: number;
  end: number;
  tokens: number;
  rank?: number;
}

/** A query term in more than this share of passages is left out (when rarer terms remain). */
const COMMON_TERM_SHARE = 0.2;
/** The rarest terms of a long question are enough. */
const MAX_QUERY_TERMS = 16;

const DOCUMENT_COLUMNS = `d.id, d.sha256, d.name, d.kind, d.bytes, d.pages, d.tokens, d.token_source, d.warnings, d.created_at,
  (SELECT count(*) FROM document_chunks c WHERE c.document_id = d.id) AS chunks`;
const CHUNK_COLUMNS = 'c.id, c.document_id, d.name AS document, c.seq, c.page, c.heading, c.text, c.start, c.end, c.tokens';

function prepare(db: Database.Database) {
  return {
    bySha: db.prepare<[string], DocumentRow>(`SELECT ${DOCUMENT_COLUMNS} FROM documents d WHERE d.sha256 = ?`),
    byId: db.prepare<[string], DocumentRow>(`SELECT ${DOCUMENT_COLUMNS} FROM documents d WHERE d.id = ?`),
    list: db.prepare<[], DocumentRow>(`SELECT ${DOCUMENT_COLUMNS} FROM documents d ORDER BY d.created_at DESC, d.rowid DESC`),
    insertDocument: db.prepare<[string, string, string, string, number, number, number, number, string, string, number]>(
      `INSERT INTO documents (id, sha256, name, kind, bytes, pages, chars, tokens, token_source, warnings, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertChunk: db.prepare<[string, number, number | null, number, number, string, string, number]>(
      'INSERT INTO document_chunks (document_id, seq, page, start, end, heading, text, tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertTerms: db.prepare<[number | bigint, string]>('INSERT INTO document_chunk_search (rowid, terms) VALUES (?, ?)'),
    remove: db.prepare<[string]>('DELETE FROM documents WHERE id = ?'),
    attach: db.prepare<[string, string, number]>(
      'INSERT OR IGNORE INTO conversation_documents (conversation_id, document_id, added_at) VALUES (?, ?, ?)',
    ),
    detach: db.prepare<[string, string]>('DELETE FROM conversation_documents WHERE conversation_id = ? AND document_id = ?'),
    attached: db.prepare<[string], DocumentRow>(
      `SELECT ${DOCUMENT_COLUMNS} FROM conversation_documents a JOIN documents d ON d.id = a.document_id
       WHERE a.conversation_id = ? ORDER BY a.added_at, d.name`,
    ),
    conversationExists: db.prepare<[string], number>('SELECT 1 FROM conversations WHERE id = ? AND deleted_at IS NULL').pluck(),
    chunksOf: db.prepare<[string], RawChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM document_chunks c JOIN documents d ON d.id = c.document_id WHERE c.document_id = ? ORDER BY c.seq`,
    ),
    // FTS5 answers ORDER BY rank LIMIT inside the virtual table without sorting every match.
    search: db.prepare<[string, number], RawChunkRow>(
      `SELECT ${CHUNK_COLUMNS}, s.rank FROM (
         SELECT rowid, rank FROM document_chunk_search WHERE document_chunk_search MATCH ? ORDER BY rank LIMIT ?
       ) s JOIN document_chunks c ON c.id = s.rowid JOIN documents d ON d.id = c.document_id ORDER BY s.rank`,
    ),
    searchIn: db.prepare<[string, string, number], RawChunkRow>(
      `SELECT ${CHUNK_COLUMNS}, bm25(document_chunk_search) AS rank
       FROM document_chunk_search JOIN document_chunks c ON c.id = document_chunk_search.rowid
       JOIN documents d ON d.id = c.document_id
       WHERE document_chunk_search MATCH ? AND c.document_id IN (SELECT value FROM json_each(?))
       ORDER BY rank LIMIT ?`,
    ),
    saveSources: db.prepare<[string, string]>('INSERT OR REPLACE INTO message_sources (message_id, sources) VALUES (?, ?)'),
    sourcesOf: db.prepare<[string], { message_id: string; sources: string }>(
      'SELECT message_id, sources FROM message_sources WHERE message_id IN (SELECT value FROM json_each(?))',
    ),
    chunkCount: db.prepare<[], number>('SELECT count(*) FROM document_chunks').pluck(),
    documentFrequency: db.prepare<[string], number>('SELECT doc FROM document_chunk_vocab WHERE term = ?').pluck(),
  };
}
type Statements = ReturnType<typeof prepare>;

function toInfo(row: DocumentRow): DocumentInfo {
  let warnings: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.warnings);
    if (Array.isArray(parsed)) warnings = parsed.filter((w): w is string => typeof w === 'string');
  } catch {
    // A damaged warnings column loses the warnings, not the document.
  }
  return {
    id: row.id,
    name: row.name,
    kind: documentKindSchema.catch('text').parse(row.kind),
    sha256: row.sha256,
    bytes: row.bytes,
    pages: row.pages,
    chunks: row.chunks,
    tokens: row.tokens,
    tokenSource: row.token_source,
    warnings,
    createdAt: row.created_at,
  };
}

function toChunk(row: RawChunkRow): ChunkRow {
  return {
    id: row.id,
    documentId: row.document_id,
    document: row.document,
    seq: row.seq,
    page: row.page,
    heading: row.heading,
    text: row.text,
    start: row.start,
    end: row.end,
    tokens: row.tokens,
  };
}

/**
 * Documents, their chunks and search index, attachments and answer sources, in the conversation
 * database (migration 003), on the store's own connection. Statements are prepared per connection:
 * restoring a backup gives the store a new one.
 */
export class DocumentsStore {
  private prepared: { db: Database.Database; sql: Statements } | null = null;
  private count: { sql: Statements; value: number } | null = null;

  constructor(private readonly connection: () => Database.Database) {}

  private get sql(): Statements {
    const db = this.connection();
    if (this.prepared?.db !== db) this.prepared = { db, sql: prepare(db) };
    return this.prepared.sql;
  }

  private get db(): Database.Database {
    return this.connection();
  }

  findBySha(sha256: string): DocumentInfo | null {
    const row = this.sql.bySha.get(sha256);
    return row === undefined ? null : toInfo(row);
  }

  get(id: string): DocumentInfo {
    const row = this.sql.byId.get(id);
    if (row === undefined) throw new GlassboxError('not-found', `No document with id ${id}`);
    return toInfo(row);
  }

  list(): DocumentInfo[] {
    return this.sql.list.all().map(toInfo);
  }

  /** The document, its chunks and their index terms in one transaction: all of it or nothing. */
  add(document: NewDocument, chunks: readonly NewChunk[], now = Date.now()): DocumentInfo {
    const sql = this.sql;
    return this.db.transaction(() => {
      const existing = sql.bySha.get(document.sha256);
      if (existing !== undefined) return toInfo(existing);
      const id = randomUUID();
      const tokens = chunks.reduce((sum, c) => sum + c.tokens, 0);
      sql.insertDocument.run(
        id,
        document.sha256,
        document.name,
        document.kind,
        document.bytes,
        document.pages,
        document.chars,
        tokens,
        document.tokenSource,
        JSON.stringify(document.warnings),
        now,
      );
      chunks.forEach((chunk, seq) => {
        const { lastInsertRowid } = sql.insertChunk.run(id, seq, chunk.page, chunk.start, chunk.end, chunk.heading, chunk.text, chunk.tokens);
        const terms = documentTerms(chunk.heading === '' ? chunk.text : `${chunk.heading}\n${chunk.text}`);
        sql.insertTerms.run(lastInsertRowid, terms.join(' '));
      });
      this.count = null;
      const row = sql.byId.get(id);
      if (row === undefined) throw new GlassboxError('internal', 'The document just written could not be read back.');
      return toInfo(row);
    }).immediate();
  }

  remove(id: string): boolean {
    this.count = null;
    return this.sql.remove.run(id).changes > 0;
  }

  attach(conversationId: string, documentId: string, now = Date.now()): void {
    const sql = this.sql;
    this.db.transaction(() => {
      if (sql.conversationExists.get(conversationId) === undefined) {
        throw new GlassboxError('not-found', `No conversation with id ${conversationId}`);
      }
      if (sql.byId.get(documentId) === undefined) throw new GlassboxError('not-found', `No document with id ${documentId}`);
      sql.attach.run(conversationId, documentId, now);
    })();
  }

  detach(conversationId: string, documentId: string): boolean {
    return this.sql.detach.run(conversationId, documentId).changes > 0;
  }

  attached(conversationId: string): DocumentInfo[] {
    return this.sql.attached.all(conversationId).map(toInfo);
  }

  chunksOf(documentId: string): ChunkRow[] {
    return this.sql.chunksOf.all(documentId).map(toChunk);
  }

  /**
   * Best chunks for a question's terms, by BM25 (terms OR-ed); only in `documentIds` when given.
   * Terms found in more than a fifth of all passages are left out when rarer ones remain: their
   * BM25 weight is near zero, yet scoring every passage they match is most of a query's time.
   */
  searchTerms(terms: readonly string[], limit: number, documentIds?: readonly string[]): ChunkHit[] {
    if (terms.length === 0) return [];
    const total = this.chunkCount();
    const counted = terms.map((term) => ({ term, df: this.sql.documentFrequency.get(term) ?? 0 })).filter((t) => t.df > 0);
    if (counted.length === 0) return [];
    counted.sort((a, b) => a.df - b.df);
    const rare = counted.filter((t) => t.df <= total * COMMON_TERM_SHARE);
    const kept = (rare.length > 0 ? rare : counted.slice(0, 2)).slice(0, MAX_QUERY_TERMS);
    return this.search(kept.map((t) => `"${t.term.replaceAll('"', '""')}"`).join(' OR '), limit, documentIds);
  }

  /** Best chunks for an FTS5 MATCH expression, by BM25; only in `documentIds` when given. */
  search(match: string, limit: number, documentIds?: readonly string[]): ChunkHit[] {
    const rows =
      documentIds === undefined
        ? this.sql.search.all(match, limit)
        : documentIds.length === 0
          ? []
          : this.sql.searchIn.all(match, JSON.stringify(documentIds), limit);
    return rows.map((row) => ({ ...toChunk(row), score: -(row.rank ?? 0) }));
  }

  saveSources(messageId: string, sources: readonly Source[]): void {
    this.sql.saveSources.run(messageId, JSON.stringify(sources));
  }

  /** The sources of each of these messages that has some. */
  sourcesOf(messageIds: readonly string[]): Map<string, Source[]> {
    const result = new Map<string, Source[]>();
    if (messageIds.length === 0) return result;
    for (const row of this.sql.sourcesOf.all(JSON.stringify(messageIds))) {
      const parsed = sourceSchema.array().safeParse(safeJson(row.sources));
      if (parsed.success) result.set(row.message_id, parsed.data);
    }
    return result;
  }

  /** Passages in the library (cached per connection; adding or removing a document resets it). */
  chunkCount(): number {
    const sql = this.sql;
    if (this.count === null || this.count.sql !== sql) this.count = { sql, value: sql.chunkCount.get() ?? 0 };
    return this.count.value;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
