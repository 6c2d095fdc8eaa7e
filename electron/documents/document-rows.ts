import { documentKindSchema, type DocumentInfo } from '../contract/documents';
import type { Chunk } from './chunk';

// The documents tables' row shapes and their conversion to what the documents feature uses.

/** A chunk as it is written: what the chunker makes, its position given by the order of the list. */
export type NewChunk = Omit<Chunk, 'seq'>;

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

export interface ChunkRow extends NewChunk {
  id: number;
  documentId: string;
  document: string;
  seq: number;
}

export interface ChunkHit extends ChunkRow {
  /** -bm25 (higher is better); for a vector hit, 1 - cosine distance. */
  score: number;
}

/** Vectors for the chunks of one add(), in chunk order, all from one embedding model. */
export interface ChunkVectors {
  /** The embedding identity, vectorModelId(file name, dimensions). */
  model: string;
  dimensions: number;
  vectors: readonly (readonly number[])[];
}

export interface DocumentRow {
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

export interface RawChunkRow {
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

export const DOCUMENT_COLUMNS = `d.id, d.sha256, d.name, d.kind, d.bytes, d.pages, d.tokens, d.token_source, d.warnings, d.created_at,
  (SELECT count(*) FROM document_chunks c WHERE c.document_id = d.id) AS chunks`;
export const CHUNK_COLUMNS = 'c.id, c.document_id, d.name AS document, c.seq, c.page, c.heading, c.text, c.start, c.end, c.tokens';

export function toInfo(row: DocumentRow): DocumentInfo {
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

export function toChunk(row: RawChunkRow): ChunkRow {
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

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
