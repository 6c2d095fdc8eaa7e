import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { GlassboxError } from '../contract/errors';
import { sourceSchema, type DocumentInfo, type Source } from '../contract/documents';
import { documentTerms } from './terms';
import {
  CHUNK_COLUMNS,
  DOCUMENT_COLUMNS,
  safeJson,
  toChunk,
  toInfo,
  type ChunkHit,
  type ChunkRow,
  type ChunkVectors,
  type DocumentRow,
  type NewChunk,
  type NewDocument,
  type RawChunkRow,
} from './document-rows';
import { loadVectorExtension, MAX_NEAREST, prepareVectorTable, vectorTable, type VectorTableStatements } from './vector-tables';

export type { ChunkHit, ChunkRow, ChunkVectors, NewChunk, NewDocument } from './document-rows';
export { vectorModelId } from './vector-tables';


/** A query term in more than this share of passages is left out (when rarer terms remain). */
const COMMON_TERM_SHARE = 0.2;
/** The rarest terms of a long question are enough. */
const MAX_QUERY_TERMS = 16;


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
    embeddingModel: db.prepare<[], string | null>('SELECT model_path FROM document_vector_settings WHERE id = 1').pluck(),
    setEmbeddingModel: db.prepare<[string | null]>(
      'INSERT INTO document_vector_settings (id, model_path) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET model_path = excluded.model_path',
    ),
    vectorModelOf: db.prepare<[number | bigint], string>('SELECT model FROM document_chunk_vectors WHERE chunk_id = ?').pluck(),
    markVector: db.prepare<[number | bigint, string]>('INSERT OR REPLACE INTO document_chunk_vectors (chunk_id, model) VALUES (?, ?)'),
    vectorCount: db.prepare<[string], number>('SELECT count(*) FROM document_chunk_vectors WHERE model = ?').pluck(),
    chunkExists: db.prepare<[number | bigint], number>('SELECT 1 FROM document_chunks WHERE id = ?').pluck(),
    vectorTables: db
      .prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB 'document_vectors_[0-9]*' AND sql LIKE '%vec0%'")
      .pluck(),
    withoutVectors: db.prepare<[string, number], RawChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM document_chunks c JOIN documents d ON d.id = c.document_id
       WHERE NOT EXISTS (SELECT 1 FROM document_chunk_vectors v WHERE v.chunk_id = c.id AND v.model = ?) ORDER BY c.id LIMIT ?`,
    ),
  };
}
type Statements = ReturnType<typeof prepare>;


/**
 * Documents, their chunks and search index, attachments and answer sources, in the conversation
 * database (migration 003), on the store's own connection. Statements are prepared per connection:
 * restoring a backup gives the store a new one.
 */
export class DocumentsStore {
  private prepared: { db: Database.Database; sql: Statements; vectors: boolean } | null = null;
  private count: { sql: Statements; value: number } | null = null;
  private readonly vectorStatements = new Map<string, VectorTableStatements>();

  constructor(private readonly connection: () => Database.Database) {}

  private get sql(): Statements {
    return this.current().sql;
  }

  /** Statements for the current connection; sqlite-vec is loaded on each new connection (a restore gives one). */
  private current(): { db: Database.Database; sql: Statements; vectors: boolean } {
    const db = this.connection();
    if (this.prepared?.db !== db) {
      this.prepared = { db, sql: prepare(db), vectors: loadVectorExtension(db) };
      this.vectorStatements.clear();
    }
    return this.prepared;
  }

  /** Whether vectors can be stored and searched on this connection (sqlite-vec loaded). */
  get vectorsAvailable(): boolean {
    return this.current().vectors;
  }

  /** The vec0 table's statements for this size on the current connection, creating the table the first time. */
  private vectorSql(dimensions: number): VectorTableStatements {
    const { db } = this.current();
    const table = vectorTable(dimensions);
    const cached = this.vectorStatements.get(table);
    if (cached?.db === db) return cached;
    const statements = prepareVectorTable(db, dimensions);
    this.vectorStatements.set(table, statements);
    return statements;
  }

  /** The GGUF embedding model chosen for documents, or null (BM25 alone). */
  embeddingModel(): string | null {
    return this.sql.embeddingModel.get() ?? null;
  }

  setEmbeddingModel(path: string | null): void {
    this.sql.setEmbeddingModel.run(path);
  }

  /** Chunks that have a vector from this embedding identity. */
  vectorCount(model: string): number {
    return this.sql.vectorCount.get(model) ?? 0;
  }

  /** Chunks without a vector from this identity (for re-indexing), oldest first. */
  chunksWithoutVectors(model: string, limit: number): ChunkRow[] {
    return this.sql.withoutVectors.all(model, limit).map(toChunk);
  }

  /**
   * Stores vectors for existing chunks (re-indexing), in one transaction; each replaces the chunk's
   * vector from any other model. A chunk whose document was removed while its vector was being
   * made is skipped.
   */
  addVectors(model: string, dimensions: number, entries: ReadonlyArray<{ chunk: Pick<ChunkRow, 'id' | 'documentId'>; vector: readonly number[] }>): void {
    if (!this.vectorsAvailable) throw new GlassboxError('internal', 'sqlite-vec is not available: vectors cannot be stored.');
    const sql = this.sql;
    const vec = this.vectorSql(dimensions);
    this.db.transaction(() => {
      for (const { chunk, vector } of entries) {
        if (sql.chunkExists.get(chunk.id) === undefined) continue;
        this.writeVector(sql, vec.insert, model, dimensions, chunk.id, chunk.documentId, vector);
      }
    }).immediate();
  }

  private writeVector(sql: Statements, insert: Database.Statement, model: string, dimensions: number, chunkId: number | bigint, documentId: string, vector: readonly number[]): void {
    if (vector.length !== dimensions) throw new GlassboxError('invalid-argument', `A vector has ${vector.length} numbers, not ${dimensions}.`);
    // One vector per chunk: re-indexing with another model replaces the old one (vec0 has no upsert).
    const previous = sql.vectorModelOf.get(chunkId);
    if (previous !== undefined) {
      const previousDimensions = Number(previous.slice(previous.lastIndexOf('#') + 1));
      if (Number.isInteger(previousDimensions) && previousDimensions > 0) this.vectorSql(previousDimensions).removeChunk.run(BigInt(chunkId));
    }
    // vec0 takes its primary key only as an SQLite integer: a BigInt binds as one.
    insert.run(BigInt(chunkId), model, documentId, new Float32Array(vector));
    sql.markVector.run(chunkId, model);
  }

  /**
   * The chunks nearest to a vector among those embedded by `model` (cosine), best first, only in
   * `documentIds` when given; empty when the extension is missing or no vector of that size exists.
   */
  nearest(vector: readonly number[], model: string, limit: number, documentIds?: readonly string[]): ChunkHit[] {
    if (!this.vectorsAvailable || limit < 1 || documentIds?.length === 0) return [];
    const table = vectorTable(vector.length);
    if (!this.sql.vectorTables.all().includes(table)) return [];
    const ids = documentIds === undefined ? null : JSON.stringify(documentIds);
    const rows = this.vectorSql(vector.length).nearest.all(new Float32Array(vector), Math.min(limit, MAX_NEAREST), model, ids, ids, model) as RawChunkRow[];
    return rows.map((row) => ({ ...toChunk(row), score: 1 - (row.rank ?? 1) }));
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

  /**
   * The document, its chunks, their index terms and (when given) their vectors in one transaction:
   * all of it or nothing.
   */
  add(document: NewDocument, chunks: readonly NewChunk[], now = Date.now(), vectors?: ChunkVectors): DocumentInfo {
    const sql = this.sql;
    if (vectors !== undefined && vectors.vectors.length !== chunks.length) {
      throw new GlassboxError('invalid-argument', `${vectors.vectors.length} vectors for ${chunks.length} passages.`);
    }
    if (vectors !== undefined && !this.vectorsAvailable) throw new GlassboxError('internal', 'sqlite-vec is not available: vectors cannot be stored.');
    const vec = vectors === undefined ? null : this.vectorSql(vectors.dimensions);
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
        const vector = vectors?.vectors[seq];
        if (vec !== null && vectors !== undefined && vector !== undefined) {
          this.writeVector(sql, vec.insert, vectors.model, vectors.dimensions, lastInsertRowid, id, vector);
        }
      });
      this.count = null;
      const row = sql.byId.get(id);
      if (row === undefined) throw new GlassboxError('internal', 'The document just written could not be read back.');
      return toInfo(row);
    }).immediate();
  }

  /** The document with its chunks, terms and vectors (in every vec0 table). */
  remove(id: string): boolean {
    this.count = null;
    const sql = this.sql;
    const tables = this.vectorsAvailable ? sql.vectorTables.all() : [];
    return this.db.transaction(() => {
      for (const table of tables) {
        const dimensions = Number(table.slice('document_vectors_'.length));
        this.vectorSql(dimensions).removeDocument.run(id);
      }
      return sql.remove.run(id).changes > 0;
    }).immediate();
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
