import type { Migration } from './migration';

/**
 * Schema 5: vectors for document passages (hybrid retrieval, electron/documents/retrieval.ts).
 *
 * - document_vector_settings: one row, the GGUF embedding model chosen for documents (NULL: none,
 *   BM25 alone). Kept with the documents, so a backup restores the choice with the vectors.
 * - document_chunk_vectors: which chunks have a vector and from which model: `model` is the
 *   embedding identity "<file name>#<dimensions>". One vector per chunk (re-indexing with another
 *   model replaces it). A chunk's row goes with the chunk (cascade).
 * - The vectors themselves are in sqlite-vec vec0 tables, one per dimension
 *   (document_vectors_<dims>: chunk_id, model as a partition key, document_id, embedding with the
 *   cosine metric). They are NOT created here: a vec0 table needs the sqlite-vec extension on the
 *   connection and its dimension from the model, so DocumentsStore creates one when it first writes
 *   vectors of that size. A connection without the extension (maintenance, another tool) still reads
 *   and writes everything else; a vector left behind by a chunk deleted there is ignored, because
 *   searches join on document_chunk_vectors.
 */
export const migration005: Migration = {
  version: 5,
  name: 'document-vectors',
  up(db) {
    db.exec(`
      CREATE TABLE document_vector_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        model_path TEXT
      ) STRICT;
      CREATE TABLE document_chunk_vectors (
        chunk_id INTEGER PRIMARY KEY REFERENCES document_chunks(id) ON DELETE CASCADE,
        model TEXT NOT NULL
      ) STRICT;
      CREATE INDEX document_chunk_vectors_model ON document_chunk_vectors(model);
    `);
  },
};
