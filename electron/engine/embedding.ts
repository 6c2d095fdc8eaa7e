import { basename } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type LlamaEmbeddingContext, type LlamaModel, type Token } from 'node-llama-cpp';
import type { Embeddings } from '../contract/engine-protocol';
import { GlassboxError } from '../contract/errors';
import { chooseThreads, usableCores } from './threads';

/** Passages are a few hundred tokens; a longer text is cut to this many (or the model's trained context, if smaller). */
const MAX_EMBEDDING_CONTEXT = 2048;

interface LoadedEmbedder {
  path: string;
  model: LlamaModel;
  context: LlamaEmbeddingContext;
  contextSize: number;
}

/**
 * The embedding model of the engine process: a second LlamaModel beside the chat model (one at a
 * time; asking for another path replaces it), with an embedding context. Any GGUF works: a real
 * embedding model (nomic-embed, bge, ...) gives useful vectors, a chat model gives weak ones.
 *
 * It runs on the chat model's Llama (backend) when one is loaded, else on its own (GPU when one
 * starts, else the CPU). Vectors are scaled to unit length, so cosine distance is their angle.
 */
export class EmbeddingRuntime {
  private current: LoadedEmbedder | null = null;
  private ownLlama: Promise<Llama> | null = null;

  /** `chatLlama`: the backend of the loaded chat model, if any. */
  constructor(private readonly chatLlama: () => Llama | null) {}

  async embed(path: string, texts: readonly string[]): Promise<Embeddings> {
    const embedder = await this.embedder(path);
    const vectors: number[][] = [];
    for (const text of texts) {
      const embedding = await embedder.context.getEmbeddingFor(this.fit(embedder, text));
      vectors.push(unit(embedding.vector));
    }
    const dimensions = vectors[0]?.length ?? embedder.model.embeddingVectorSize;
    return { model: basename(path), dimensions, vectors };
  }

  async dispose(): Promise<void> {
    const loaded = this.current;
    this.current = null;
    if (loaded === null) return;
    await loaded.context.dispose();
    await loaded.model.dispose();
  }

  /** The text as tokens that fit the context (an empty text becomes a space: llama.cpp needs a token). */
  private fit(embedder: LoadedEmbedder, text: string): Token[] | string {
    const input = text.length === 0 ? ' ' : text;
    if (embedder.context.calculateInputLength(input) <= embedder.contextSize - 2) return input;
    let tokens = embedder.model.tokenize(input).slice(0, embedder.contextSize - 2);
    while (tokens.length > 1 && embedder.context.calculateInputLength(tokens) > embedder.contextSize - 2) tokens = tokens.slice(0, -16);
    return tokens;
  }

  private async embedder(path: string): Promise<LoadedEmbedder> {
    if (this.current?.path === path) return this.current;
    await this.dispose();
    const llama = this.chatLlama() ?? (await this.llama());
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: path, gpuLayers: llama.gpu === false ? 0 : 'auto' });
    } catch (error) {
      throw new GlassboxError('invalid-argument', `The embedding model ${basename(path)} could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      const trained = model.trainContextSize > 0 ? model.trainContextSize : MAX_EMBEDDING_CONTEXT;
      const contextSize = Math.min(trained, MAX_EMBEDDING_CONTEXT);
      const parameters = safeParameters(model);
      const threads = chooseThreads({ requested: null, env: process.env.GLASSBOX_THREADS, cores: usableCores(), parameters });
      // A non-causal embedding model sees the whole text in one batch: the batch is the context.
      const context = await model.createEmbeddingContext({ contextSize, batchSize: contextSize, threads });
      this.current = { path, model, context, contextSize };
      return this.current;
    } catch (error) {
      await model.dispose();
      throw new GlassboxError('invalid-argument', `${basename(path)} cannot make embeddings: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private llama(): Promise<Llama> {
    if (this.ownLlama === null) {
      const common = { build: 'never' as const, skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.warn };
      const started = getLlama({ ...common, gpu: 'auto' }).catch(() => getLlama({ ...common, gpu: false }));
      started.catch(() => {
        this.ownLlama = null;
      });
      this.ownLlama = started;
    }
    return this.ownLlama;
  }
}

function unit(vector: readonly number[]): number[] {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm > 0 && Number.isFinite(norm) ? vector.map((x) => x / norm) : vector.map(() => 0);
}

function safeParameters(model: LlamaModel): number | null {
  try {
    const n = model.fileInsights.totalParameters;
    return Number.isFinite(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}
