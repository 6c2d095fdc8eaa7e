import { FTS_TOKENIZE } from '../search-terms';
import type { Migration } from './migration';

/**
 * Schema 3: documents for question answering.
 *
 * - documents: one row per file added, unique by the SHA-256 of its bytes (the same file twice is
 *   one document). `token_source` says what sized the chunks: 'approx' or the model's file name.
 * - document_chunks: the passages, each an exact slice [start, end) of the document's text with its
 *   PDF page (NULL for documents without pages) and the heading it sits under.
 * - document_chunk_search: a contentless FTS5 table keyed by the chunk's rowid holding the terms of
 *   heading + text, made in JavaScript by search-terms.ts (the same words as conversation search),
 *   ranked with BM25 (document_chunk_vocab, an fts5vocab table, gives each term's document
 *   frequency, so a query can skip words found in most passages). A trigger removes a chunk's terms when the chunk goes (with its document).
 * - conversation_documents: which documents are attached to which conversation.
 * - message_sources: the passages an answer was given, as JSON, so its Sources list and citations
 *   survive a reload and the deletion of the document. A separate table rather than a column on
 *   messages: the message reader is left as it is, and only answers with sources have a row.
 * - Vectors (sqlite-vec) are not created here: they need an embedding model, and come with a
 *   migration of their own when one is supported.
 */
export const migration003: Migration = {
  version: 3,
  name: 'documents',
  up(db) {
    db.exec(`
      CREATE TABLE documents (
        id TEXT PRIMARY KEY NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        pages INTEGER NOT NULL,
        chars INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        token_source TEXT NOT NULL,
        warnings TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE document_chunks (
        id INTEGER PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        page INTEGER,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        heading TEXT NOT NULL,
        text TEXT NOT NULL,
        tokens INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX document_chunks_order ON document_chunks(document_id, seq);

      CREATE VIRTUAL TABLE document_chunk_search USING fts5(
        terms, content = '', contentless_delete = 1, tokenize = "${FTS_TOKENIZE}"
      );
      -- Document frequency of each term, so a query can leave out words found in most passages.
      CREATE VIRTUAL TABLE document_chunk_vocab USING fts5vocab(document_chunk_search, 'row');
      CREATE TRIGGER document_chunks_search_delete AFTER DELETE ON document_chunks BEGIN
        DELETE FROM document_chunk_search WHERE rowid = old.id;
      END;

      CREATE TABLE conversation_documents (
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        added_at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, document_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX conversation_documents_document ON conversation_documents(document_id);

      CREATE TABLE message_sources (
        message_id TEXT PRIMARY KEY NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        sources TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
