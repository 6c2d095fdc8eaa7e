import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { GlassboxError, isGlassboxError, toWireError } from '../contract/errors';
import type { EventHub } from '../contract/rpc';
import type { ChunkHit, DocumentsStore } from './documents-store';
import { APPROX_CHARS_PER_TOKEN, type ChunkOptions } from './chunk';
import { buildContext, fitsWhole, type ContextBudget, type DocumentContext, type DocumentContextProvider } from './context-budget';
import type { DocumentInfo, EmbeddingStatus, IngestProgress, IngestResult, SearchResult, Source } from '../contract/documents';
import { badDocument, cancelled } from './errors';
import { defaultIndexer, type Indexer } from './indexer';
import { DEFAULT_LIMITS, type DocumentLimits } from './limits';
import { checkFile } from './parse';
import { contextBlock, questionTerms, reciprocalRankFusion } from './retrieval';
import { Uploads } from './uploads';
import { DocumentVectors, type Embedder } from './vectors';

export type { Embedder } from './vectors';

/** The loaded model's tokenizer, when there is one: chunk sizes are then in its tokens. */
export interface Tokenizer {
  /** The model's file name, recorded with each document as what sized its chunks. */
  name: string;
  count(text: string): Promise<number>;
}

export interface DocumentServiceOptions {
  store: DocumentsStore;
  /** Progress events go here; the CLI has none. */
  hub?: EventHub | null;
  /** Where web-mode uploads are assembled before they are read. */
  uploadsDir: string;
  indexer?: Indexer;
  limits?: DocumentLimits;
  chunking?: Omit<ChunkOptions, 'charsPerToken'>;
  tokenizer?: () => Tokenizer | null;
  /** Vectors for hybrid retrieval when an embedding model is chosen; without one, BM25 alone. */
  embedder?: Embedder | null;
}

/** Passages retrieved per question, before the budget trims them (context-budget.ts). */
const RETRIEVE = 8;
const PROGRESS_STEP = 0.02;
/** How deep each ranking goes before reciprocal rank fusion. */
const FUSION_DEPTH = 40;

/**
 * Documents for question answering: adding files (in a worker, one at a time, with progress
 * events), the library, attachments to conversations, search, and the passages for a question.
 */
export class DocumentService implements DocumentContextProvider {
  private readonly store: DocumentsStore;
  private readonly hub: EventHub | null;
  private readonly indexer: Indexer;
  private readonly limits: DocumentLimits;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly jobs = new Map<string, AbortController>();
  private readonly vectors: DocumentVectors;
  private readonly uploads: Uploads;

  constructor(private readonly options: DocumentServiceOptions) {
    this.store = options.store;
    this.hub = options.hub ?? null;
    this.indexer = options.indexer ?? defaultIndexer();
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.vectors = new DocumentVectors(this.store, options.embedder ?? null, (status) => this.hub?.emit('documents.embedding', status));
    this.uploads = new Uploads(options.uploadsDir, this.limits.maxFileBytes);
  }

  list(): DocumentInfo[] {
    return this.store.list();
  }

  remove(id: string): boolean {
    return this.store.remove(id);
  }

  attach(conversationId: string, documentId: string): DocumentInfo[] {
    this.store.attach(conversationId, documentId);
    return this.store.attached(conversationId);
  }

  detach(conversationId: string, documentId: string): DocumentInfo[] {
    this.store.detach(conversationId, documentId);
    return this.store.attached(conversationId);
  }

  attached(conversationId: string): DocumentInfo[] {
    return this.store.attached(conversationId);
  }

  /** BM25 search over every document (or the given ones), best first. */
  search(query: string, top: number, documentIds?: readonly string[]): SearchResult[] {
    return this.store.searchTerms(questionTerms(query), top, documentIds).map(toSearchResult);
  }

  /**
   * BM25 and, when the chosen embedding model's vectors exist, the nearest vectors, fused by
   * reciprocal rank (retrieval.ts); BM25 alone otherwise. Best first.
   */
  async searchHybrid(query: string, top: number, documentIds?: readonly string[]): Promise<SearchResult[]> {
    return (await this.rank(query, top, documentIds)).map(toSearchResult);
  }

  private async rank(query: string, top: number, documentIds?: readonly string[]): Promise<ChunkHit[]> {
    const bm25 = this.store.searchTerms(questionTerms(query), Math.max(top, FUSION_DEPTH), documentIds);
    const queried = await this.vectors.queryVector(query);
    if (queried === null) return bm25.slice(0, top);
    const near = this.store.nearest(queried.vector, queried.identity, Math.max(top, FUSION_DEPTH), documentIds);
    if (near.length === 0) return bm25.slice(0, top);
    return reciprocalRankFusion([bm25, near], (hit) => hit.id)
      .slice(0, top)
      .map(({ item, score }) => ({ ...item, score }));
  }

  // ---- Embedding model (vectors.ts) ----

  /**
   * Chooses the GGUF model whose vectors rank passages beside BM25 (null: BM25 alone), after trying
   * it on a word; re-indexing for the previous one stops. Documents added from now on get vectors;
   * those already there get them from reindexVectors() (BM25 alone for them meanwhile).
   */
  setEmbeddingModel(path: string | null): Promise<EmbeddingStatus> {
    return this.vectors.setModel(path);
  }

  /** The chosen embedding model and how many passages have its vectors (it is loaded to learn its identity). */
  embeddingStatus(): Promise<EmbeddingStatus> {
    return this.vectors.status();
  }

  /**
   * Gives every passage without a vector from the chosen model one (after choosing a model, or
   * changing it), a batch at a time, after any ingestion already queued; 'documents.embedding'
   * events tell the progress. Resolves with the status when done or when another model was chosen.
   */
  async reindexVectors(): Promise<EmbeddingStatus> {
    const run = this.vectors.reindexJob();
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Runs `task` (restoring a backup, which swaps the database under every statement) when no
   * document work can write across it. It refuses while documents are being added (the user's
   * own files: they finish or are cancelled first); background re-indexing is stopped, its batch
   * in flight dropped, and it starts again afterwards on the restored database. Work asked for
   * while the task waits its turn runs after it, on the restored database.
   */
  async exclusive<T>(task: () => T): Promise<T> {
    if (this.jobs.size > 0) {
      const count = this.jobs.size === 1 ? 'A document is' : `${this.jobs.size} documents are`;
      throw new GlassboxError('busy', `${count} being added. Wait for it to finish, or cancel it, then restore the backup.`);
    }
    const wasIndexing = this.vectors.pause();
    const run = async (): Promise<T> => {
      try {
        return task();
      } finally {
        this.vectors.resume();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    const value = await result;
    if (wasIndexing && this.store.embeddingModel() !== null) this.reindexVectors().catch(() => undefined);
    return value;
  }

  /** Stops every job (at shutdown). */
  cancelAll(): void {
    for (const job of this.jobs.values()) job.abort();
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job) return false;
    job.abort();
    return true;
  }

  /** Adds the file at `path` (Electron and the CLI know paths). Resolves when it is indexed. */
  ingestPath(path: string, job: { jobId: string; conversationId?: string | undefined; name?: string }): Promise<IngestResult> {
    const name = job.name ?? basename(path);
    const controller = new AbortController();
    if (this.jobs.has(job.jobId)) throw new GlassboxError('invalid-argument', `Job ${job.jobId} is already running.`);
    this.jobs.set(job.jobId, controller);
    this.emit({ jobId: job.jobId, name, stage: 'reading', progress: 0, document: null, duplicate: false, message: null });
    const run = async (): Promise<IngestResult> => {
      try {
        const result = await this.ingest(path, name, job.jobId, controller.signal);
        if (job.conversationId !== undefined) this.store.attach(job.conversationId, result.document.id);
        this.emit({ jobId: job.jobId, name, stage: 'done', progress: 1, document: result.document, duplicate: result.duplicate, message: null });
        return result;
      } catch (error) {
        const wire = toWireError(error);
        const stage = isGlassboxError(error, 'cancelled') ? 'cancelled' : 'error';
        this.emit({ jobId: job.jobId, name, stage, progress: 1, document: null, duplicate: false, message: wire.message });
        throw error;
      } finally {
        this.jobs.delete(job.jobId);
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Web mode: a dropped file has no path, so its bytes come in parts (uploads.ts). */
  uploadPart(uploadId: string, offset: number, base64: string): Promise<{ received: number }> {
    return this.uploads.appendPart(uploadId, offset, base64);
  }

  /** Indexes an upload assembled by uploadPart (an empty upload is an empty file), then removes it. */
  async ingestUpload(uploadId: string, name: string, job: { jobId: string; conversationId?: string | undefined }): Promise<IngestResult> {
    const path = await this.uploads.assembled(uploadId);
    try {
      return await this.ingestPath(path, { ...job, name: basename(name) });
    } finally {
      this.uploads.remove(uploadId);
    }
  }

  private async ingest(path: string, name: string, jobId: string, signal: AbortSignal): Promise<IngestResult> {
    let size: number;
    try {
      const info = statSync(path);
      if (!info.isFile()) throw badDocument(name, 'it is not a file.');
      size = info.size;
    } catch (error) {
      if (isGlassboxError(error)) throw error;
      throw new GlassboxError('not-found', `No file at ${path}. Check the path and try again.`);
    }
    checkFile(name, size, this.limits);
    const sha256 = await hashFile(path, signal, name);
    const existing = this.store.findBySha(sha256);
    if (existing) return { document: existing, duplicate: true };

    let lastSent = 0;
    const tokenizer = this.options.tokenizer?.() ?? null;
    let tokenSource = 'approx';
    const indexed = await this.indexer({
      path,
      name,
      limits: this.limits,
      ...(this.options.chunking ? { chunking: this.options.chunking } : {}),
      signal,
      onProgress: (fraction) => {
        const progress = 0.05 + 0.8 * Math.min(1, Math.max(0, fraction));
        if (progress - lastSent < PROGRESS_STEP && fraction < 1) return;
        lastSent = progress;
        this.emit({ jobId, name, stage: 'reading', progress, document: null, duplicate: false, message: null });
      },
      measure: async (samples) => {
        if (tokenizer === null) return APPROX_CHARS_PER_TOKEN;
        try {
          let chars = 0;
          let tokens = 0;
          for (const sample of samples) {
            chars += sample.length;
            tokens += await tokenizer.count(sample);
          }
          if (tokens === 0) return APPROX_CHARS_PER_TOKEN;
          tokenSource = tokenizer.name;
          return Math.max(0.5, chars / tokens);
        } catch {
          return APPROX_CHARS_PER_TOKEN;
        }
      },
    });
    if (signal.aborted) throw cancelled(name);
    this.emit({ jobId, name, stage: 'indexing', progress: 0.86, document: null, duplicate: false, message: null });
    const embedded = await this.vectors.vectorsFor(indexed.chunks, signal, name, (fraction) =>
      this.emit({ jobId, name, stage: 'indexing', progress: 0.86 + 0.1 * fraction, document: null, duplicate: false, message: null }),
    );
    if (signal.aborted) throw cancelled(name);
    const warnings = embedded.warning === undefined ? indexed.warnings : [...indexed.warnings, embedded.warning];
    const document = this.store.add(
      { sha256, name, kind: indexed.kind, bytes: size, pages: indexed.pageCount, chars: indexed.chars, tokenSource, warnings },
      indexed.chunks,
      Date.now(),
      embedded.vectors,
    );
    return { document, duplicate: false };
  }

  private emit(progress: IngestProgress): void {
    this.hub?.emit('documents.progress', progress);
  }

  // ---- Answers ----

  /**
   * The passages for a question about the conversation's attached documents, or null when none are
   * attached. When every attached document fits in the budget it is given whole (page by page);
   * otherwise the best passages, best first, as many as fit: ranked by BM25 and, when the chosen
   * embedding model's vectors exist, the nearest vectors too, fused by reciprocal rank (see rank()).
   */
  async retrieveContext(conversationId: string, question: string, budget: ContextBudget): Promise<DocumentContext | null> {
    const documents = this.store.attached(conversationId);
    if (documents.length === 0) return null;
    const hits = fitsWhole(documents, budget) ? [] : await this.rank(question, RETRIEVE, documents.map((d) => d.id));
    return buildContext(documents, budget, hits, (id) => this.store.chunksOf(id));
  }

  saveSources(messageId: string, sources: readonly Source[]): void {
    this.store.saveSources(messageId, sources);
  }

  contextOf(messageId: string): string | null {
    const sources = this.store.sourcesOf([messageId]).get(messageId);
    return sources === undefined || sources.length === 0 ? null : contextBlock(sources);
  }

  /** Messages with their stored sources filled in (the message reader knows nothing of documents). */
  withSources<M extends { id: string; role: string; sources?: Source[] | null | undefined }>(messages: M[]): M[] {
    const ids = messages.filter((m) => m.role === 'assistant').map((m) => m.id);
    const found = this.store.sourcesOf(ids);
    if (found.size === 0) return messages;
    return messages.map((m) => (found.has(m.id) ? { ...m, sources: found.get(m.id) ?? null } : m));
  }
}

function toSearchResult(hit: ChunkHit): SearchResult {
  return { documentId: hit.documentId, document: hit.document, chunkId: hit.id, page: hit.page, heading: hit.heading, text: hit.text, score: hit.score };
}

async function hashFile(path: string, signal: AbortSignal, name: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    if (signal.aborted) throw cancelled(name);
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}
