import type Database from 'better-sqlite3';
import { getLoadablePath } from 'sqlite-vec';
import { GlassboxError } from '../contract/errors';
import { CHUNK_COLUMNS } from './document-rows';

// The vec0 tables (sqlite-vec) that hold passage vectors, one table per vector size.

/** What identifies vectors: the embedding model's file name and dimension. Another model or size never matches. */
export function vectorModelId(fileName: string, dimensions: number): string {
  return `${fileName}#${dimensions}`;
}

/** The vec0 table holding vectors of this size (created on first use: it needs the extension and the dimension). */
export function vectorTable(dimensions: number): string {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 65_536) {
    throw new GlassboxError('invalid-argument', `An embedding of ${dimensions} dimensions cannot be stored.`);
  }
  return `document_vectors_${dimensions}`;
}

/** k of a KNN query: sqlite-vec answers at most 4096. */
export const MAX_NEAREST = 4096;

/**
 * Loads sqlite-vec on a connection; false when it cannot be loaded (documents then use BM25 alone).
 * Packaged, the extension is inside app.asar, which SQLite cannot open: it is read from
 * app.asar.unpacked (electron-builder.yml must unpack node_modules/sqlite-vec-*).
 */
export function loadVectorExtension(db: Database.Database): boolean {
  try {
    db.loadExtension(getLoadablePath().replace(/app\.asar([\\/])/, 'app.asar.unpacked$1'));
    return true;
  } catch (error) {
    process.stderr.write(`sqlite-vec could not be loaded; documents use BM25 only: ${error instanceof Error ? error.message : String(error)}\n`);
    return false;
  }
}

export interface VectorTableStatements {
  db: Database.Database;
  insert: Database.Statement;
  nearest: Database.Statement;
  removeDocument: Database.Statement;
  removeChunk: Database.Statement;
}

/** The vec0 table's statements for this size, creating the table the first time. */
export function prepareVectorTable(db: Database.Database, dimensions: number): VectorTableStatements {
  const table = vectorTable(dimensions);
  db.exec(
    `CREATE VIRTUAL TABLE IF NOT EXISTS ${table} USING vec0(
       chunk_id INTEGER PRIMARY KEY, model TEXT PARTITION KEY, document_id TEXT, embedding float[${dimensions}] distance_metric=cosine
     )`,
  );
  return {
    db,
    insert: db.prepare(`INSERT INTO ${table} (chunk_id, model, document_id, embedding) VALUES (?, ?, ?, ?)`),
    // The partition key keeps the search to one model's vectors; the join drops any left by a chunk deleted without the extension.
    nearest: db.prepare(
      `SELECT ${CHUNK_COLUMNS}, n.distance AS rank FROM (
         SELECT chunk_id, distance FROM ${table} WHERE embedding MATCH ? AND k = ? AND model = ?
           AND (? IS NULL OR document_id IN (SELECT value FROM json_each(?)))
       ) n JOIN document_chunk_vectors v ON v.chunk_id = n.chunk_id AND v.model = ?
       JOIN document_chunks c ON c.id = n.chunk_id JOIN documents d ON d.id = c.document_id ORDER BY n.distance, c.id`,
    ),
    removeDocument: db.prepare(`DELETE FROM ${table} WHERE document_id = ?`),
    removeChunk: db.prepare(`DELETE FROM ${table} WHERE chunk_id = ?`),
  };
}
