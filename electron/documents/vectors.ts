import { statSync } from 'node:fs';
import { GlassboxError, isGlassboxError, toWireError } from '../contract/errors';
import type { Embeddings } from '../contract/engine-protocol';
import { vectorModelId, type ChunkRow, type ChunkVectors, type DocumentsStore } from './documents-store';
import type { EmbeddingStatus } from '../contract/documents';
import { cancelled } from './errors';

/** Makes vectors: the local engine's embed (electron/engine/engine.ts). */
export interface Embedder {
  embed(modelPath: string, texts: string[]): Promise<Embeddings>;
}

/**
 * Texts per embed call. The engine process runs embeds and generations in turn, so a question
 * asked while passages are being embedded waits for at most one batch: small enough to keep that
 * wait short with a real embedding model on a few cores.
 */
export const VECTOR_BATCH = 8;

/** The question's vector, with the identity of the vectors it may be compared with. */
export interface QueryVector {
  vector: number[];
  identity: string;
}

/**
 * Passage vectors from the chosen GGUF embedding model: choosing it, vectors for new passages,
 * giving existing passages vectors in the background (with status events, stopped by choosing
 * another model or none), and the question's vector for hybrid ranking.
 */
export class DocumentVectors {
  /** The identity of the chosen model's vectors, once it has made one (per model path). */
  private identity: { path: string; id: string } | null = null;
  /** Background re-indexing queued or running; the one running can be stopped. */
  private pendingJobs = 0;
  private running: AbortController | null = null;
  /** Set while a backup is restored: re-indexing jobs that start meanwhile end at once. */
  private paused = false;

  constructor(
    private readonly store: DocumentsStore,
    private readonly embedder: Embedder | null,
    /** Hears the status while passages are being given vectors, and when that ends. */
    private readonly onStatus: (status: EmbeddingStatus) => void = () => {},
  ) {}

  private get available(): boolean {
    return this.embedder !== null && this.store.vectorsAvailable;
  }

  /** The question's vector, or null when there is no model, no vector of its identity, or it fails (BM25 then). */
  async queryVector(query: string): Promise<QueryVector | null> {
    const path = this.store.embeddingModel();
    if (path === null || this.embedder === null || !this.store.vectorsAvailable) return null;
    // Known identity without a stored vector: skip the model entirely.
    if (this.identity?.path === path && this.store.vectorCount(this.identity.id) === 0) return null;
    try {
      const result = await this.embedder.embed(path, [query]);
      const identity = this.remember(path, result);
      const vector = result.vectors[0];
      if (vector === undefined || this.store.vectorCount(identity) === 0) return null;
      return { vector, identity };
    } catch {
      return null;
    }
  }

  private remember(path: string, result: Embeddings): string {
    const id = vectorModelId(result.model, result.dimensions);
    this.identity = { path, id };
    return id;
  }

  /**
   * Chooses the GGUF model whose vectors rank passages beside BM25 (null: BM25 alone). It is tried
   * on a word first. Re-indexing for another model stops. Documents added from now on get vectors;
   * those already there keep what they have until reindex() (BM25 alone for them meanwhile).
   */
  async setModel(path: string | null): Promise<EmbeddingStatus> {
    if (path !== null) {
      if (this.embedder === null) throw new GlassboxError('invalid-argument', 'Document vectors need the local engine, which is not running here.');
      if (!this.store.vectorsAvailable) throw new GlassboxError('internal', 'The sqlite-vec extension could not be loaded, so document vectors cannot be stored.');
      let isFile = false;
      try {
        isFile = statSync(path).isFile();
      } catch {
        isFile = false;
      }
      if (!isFile) throw new GlassboxError('not-found', `No model file at ${path}.`);
      this.remember(path, await this.embedder.embed(path, ['probe']));
    }
    if (path !== this.store.embeddingModel()) this.running?.abort();
    this.store.setEmbeddingModel(path);
    const status = await this.status();
    this.onStatus(status);
    return status;
  }

  /** The chosen embedding model and how many passages have its vectors (it is loaded to learn its identity). */
  async status(): Promise<EmbeddingStatus> {
    const model = this.store.embeddingModel();
    let problem: string | null = null;
    if (model !== null && this.available && this.identity?.path !== model) {
      try {
        this.remember(model, await (this.embedder as Embedder).embed(model, ['probe']));
      } catch (error) {
        problem = toWireError(error).message;
      }
    }
    return { ...this.statusNow(), problem };
  }

  /** The status from what is known, without asking the model. */
  private statusNow(): EmbeddingStatus {
    const model = this.store.embeddingModel();
    const identity = model !== null && this.identity?.path === model ? this.identity.id : null;
    return {
      model,
      identity,
      chunks: this.store.chunkCount(),
      vectors: identity === null ? 0 : this.store.vectorCount(identity),
      available: this.available,
      indexing: this.pendingJobs > 0,
      problem: null,
    };
  }

  /**
   * The job that gives every passage without a vector from the chosen model one, a batch at a time,
   * reporting the status after each batch; the caller runs it in turn with ingestion. It ends early,
   * without an error, when another model (or none) is chosen meanwhile.
   */
  reindexJob(): () => Promise<EmbeddingStatus> {
    const path = this.store.embeddingModel();
    const embedder = this.embedder;
    if (path === null || embedder === null) throw new GlassboxError('invalid-argument', 'Choose an embedding model first.');
    this.pendingJobs++;
    return async () => {
      const controller = new AbortController();
      this.running = controller;
      try {
        if (!this.paused && this.store.embeddingModel() === path) await this.reindex(path, embedder, controller.signal);
      } finally {
        this.running = null;
        this.pendingJobs--;
        this.onStatus(this.statusNow());
      }
      return this.status();
    };
  }

  /**
   * Stops re-indexing (the batch being embedded is dropped, never written) and keeps jobs that start
   * from ending anything until resume(). Returns whether any re-indexing was queued or running.
   */
  pause(): boolean {
    this.paused = true;
    this.running?.abort();
    return this.pendingJobs > 0;
  }

  resume(): void {
    this.paused = false;
  }

  private async reindex(path: string, embedder: Embedder, signal: AbortSignal): Promise<void> {
    const identity = this.remember(path, await embedder.embed(path, ['probe']));
    this.onStatus(this.statusNow());
    while (!signal.aborted) {
      const chunks = this.store.chunksWithoutVectors(identity, VECTOR_BATCH);
      if (chunks.length === 0) return;
      const result = await embedder.embed(path, chunks.map(embeddingText));
      if (signal.aborted) return;
      if (vectorModelId(result.model, result.dimensions) !== identity || result.vectors.length !== chunks.length) {
        throw new GlassboxError('internal', 'The embedding model changed while passages were being re-indexed.');
      }
      this.store.addVectors(
        identity,
        result.dimensions,
        chunks.map((chunk, i) => ({ chunk, vector: result.vectors[i] ?? [] })),
      );
      this.onStatus(this.statusNow());
    }
  }

  /** Vectors for new chunks, or a warning (the document is added with BM25 alone) when they cannot be made. */
  async vectorsFor(
    chunks: readonly Pick<ChunkRow, 'heading' | 'text'>[],
    signal: AbortSignal,
    name: string,
    onProgress: (fraction: number) => void,
  ): Promise<{ vectors?: ChunkVectors; warning?: string }> {
    const path = this.store.embeddingModel();
    if (path === null || this.embedder === null || !this.store.vectorsAvailable || chunks.length === 0) return {};
    const vectors: number[][] = [];
    let identity: string | null = null;
    let dimensions = 0;
    try {
      for (let i = 0; i < chunks.length; i += VECTOR_BATCH) {
        if (signal.aborted) throw cancelled(name);
        const batch = chunks.slice(i, i + VECTOR_BATCH);
        const result = await this.embedder.embed(path, batch.map(embeddingText));
        const id = this.remember(path, result);
        if ((identity !== null && id !== identity) || result.vectors.length !== batch.length) {
          throw new GlassboxError('internal', 'the embedding model changed while the document was being added');
        }
        identity = id;
        dimensions = result.dimensions;
        vectors.push(...result.vectors);
        onProgress(vectors.length / chunks.length);
      }
    } catch (error) {
      if (isGlassboxError(error, 'cancelled')) throw error;
      return { warning: `Passages have no vectors (searched by words only): ${toWireError(error).message}` };
    }
    return identity === null ? {} : { vectors: { model: identity, dimensions, vectors } };
  }
}

/** What a passage's vector is made from: the same heading and text as its BM25 terms. */
function embeddingText(chunk: Pick<ChunkRow, 'heading' | 'text'>): string {
  return chunk.heading === '' ? chunk.text : `${chunk.heading}\n${chunk.text}`;
}
