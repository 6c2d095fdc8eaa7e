import { z } from 'zod';

/**
 * The documents feature's part of the contract: what crosses the boundary about files added for
 * question answering. api.ts lists the calls and events; these are their shapes.
 */

export const DOCUMENT_KINDS = ['pdf', 'docx', 'markdown', 'html', 'text', 'code'] as const;
export const documentKindSchema = z.enum(DOCUMENT_KINDS);
export type DocumentKind = z.infer<typeof documentKindSchema>;

export const documentInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: documentKindSchema,
  /** SHA-256 of the file's bytes, hex: the same file added twice is recognised by it. */
  sha256: z.string(),
  bytes: z.number(),
  /** Pages for a PDF; 1 for everything else. */
  pages: z.number().int(),
  chunks: z.number().int(),
  /** The whole document's size in tokens (see tokenSource). */
  tokens: z.number().int(),
  /** 'approx' (about 4 characters a token) or the file name of the model whose tokenizer sized the chunks. */
  tokenSource: z.string(),
  /** Things the user should know that did not stop the document from being added (e.g. invalid UTF-8 replaced). */
  warnings: z.array(z.string()),
  createdAt: z.number(),
});
export type DocumentInfo = z.infer<typeof documentInfoSchema>;

/** One passage an answer was given, stored with the answer so the Sources list survives reloads and deletions. */
export const sourceSchema = z.object({
  /** The number the answer cites it by: [n]. */
  n: z.number().int().min(1),
  documentId: z.string(),
  documentName: z.string(),
  chunkId: z.number().int(),
  /** The PDF page it is on; null for documents without pages. */
  page: z.number().int().nullable(),
  heading: z.string(),
  text: z.string(),
  /**
   * Higher is better: the BM25 score, or the reciprocal-rank-fusion score (BM25 + vectors, about
   * 0.01-0.04) when an embedding model ranked too; null when the document was given whole.
   */
  score: z.number().nullable(),
});
export type Source = z.infer<typeof sourceSchema>;

export const INGEST_STAGES = ['reading', 'indexing', 'done', 'error', 'cancelled'] as const;

export const ingestProgressSchema = z.object({
  /** Chosen by the client that started the job, so it can match the events to its request. */
  jobId: z.string(),
  name: z.string(),
  stage: z.enum(INGEST_STAGES),
  /** 0..1 over the whole job. */
  progress: z.number().min(0).max(1),
  /** Set on 'done'. */
  document: documentInfoSchema.nullable(),
  /** Whether 'done' found the same file already indexed (by SHA-256). */
  duplicate: z.boolean(),
  /** Set on 'error': what happened and what to do, in a sentence or two. */
  message: z.string().nullable(),
});
export type IngestProgress = z.infer<typeof ingestProgressSchema>;

export const searchResultSchema = z.object({
  documentId: z.string(),
  document: z.string(),
  chunkId: z.number().int(),
  page: z.number().int().nullable(),
  heading: z.string(),
  text: z.string(),
  score: z.number(),
});
export type SearchResult = z.infer<typeof searchResultSchema>;

export const ingestResultSchema = z.object({ document: documentInfoSchema, duplicate: z.boolean() });
export type IngestResult = z.infer<typeof ingestResultSchema>;

export { MAX_DOCUMENT_BYTES } from './document-size';
/** One upload part in web mode (base64 characters); the WebSocket takes messages up to 1 MiB. */
export const MAX_UPLOAD_PART_CHARS = 700_000;

/**
 * Vectors for hybrid retrieval (electron/documents/retrieval.ts). `model`: the GGUF embedding model
 * chosen (null: BM25 alone). `identity`: "<file name>#<dimensions>" of the vectors it makes (null
 * until it has made one, or when it cannot be loaded). Passages whose vectors came from another
 * identity are searched by BM25 alone until re-indexed (documents.reindexVectors).
 */
export const embeddingStatusSchema = z.object({
  model: z.string().nullable(),
  identity: z.string().nullable(),
  /** Passages in the library, and how many have a vector from `identity`. */
  chunks: z.number().int(),
  vectors: z.number().int(),
  /** Whether vectors can be made and stored here (a local engine and the sqlite-vec extension). */
  available: z.boolean(),
  /** Whether passages are being given vectors in the background now (documents.reindexVectors). */
  indexing: z.boolean(),
  /** Why the model could not be used, when it could not. */
  problem: z.string().nullable(),
});
export type EmbeddingStatus = z.infer<typeof embeddingStatusSchema>;
