import type { ChatTurn, DistributionRequest, Embeddings, GenerateRequest, GenerateResult, LoadOptions, ScoredPrompt, TokenPiece } from '../contract/engine-protocol';
import type { TokenDistribution } from '../contract/token-distribution';
import type { ModelFacts } from '../contract/model';
import type { TokenBatch } from '../contract/token-batch';

/**
 * Hears an answer's tokens a batch at a time, as the engine produced them (the worker's batch, one
 * read of a remote stream): batches come in order, each starting where the last one ended.
 */
export type OnTokens = (batch: TokenBatch) => void;

export interface Generation {
  /** Resolves when the answer ends (complete or stopped); rejects with a GlassboxError (engine-crashed, ...). */
  readonly result: Promise<GenerateResult>;
  stop(): void;
}

/**
 * The main process's view of the engine: one model at a time, one generation at a time, in a
 * separate process that may die. After a crash the next call starts a fresh process and reloads
 * the last model.
 */
export interface Engine {
  load(path: string, options: LoadOptions, onProgress?: (progress: number) => void): Promise<ModelFacts>;
  unload(): Promise<void>;
  generate(request: GenerateRequest, onTokens: OnTokens): Generation;
  /** The loaded model's tokens for a text, exactly as llama.cpp splits it (BOS and specials marked). */
  tokenize(text: string): Promise<TokenPiece[]>;
  /** The probability of each token of the last message, given everything before it. */
  score(messages: ChatTurn[], topAlternatives: number): Promise<ScoredPrompt>;
  /**
   * The whole next-token distribution at one position of an answer (engine/token-distribution.ts).
   * Only the local engine has one: a remote server's logits never reach us.
   */
  distribution?(request: DistributionRequest): Promise<TokenDistribution>;
  /**
   * A vector per text from the GGUF embedding model at `modelPath` (not necessarily the chat model:
   * the local engine keeps it loaded beside it). At most EMBED_MAX_TEXTS texts a call; a text longer
   * than the embedding model's context is cut to it. Remote engines refuse ('remote-unsupported').
   * Optional only because app/engine-queue.ts's forSource() wrapper does not pass it on yet.
   */
  embed?(modelPath: string, texts: string[]): Promise<Embeddings>;
  /** Called when the engine process exits unexpectedly. */
  onCrash(listener: (message: string) => void): () => void;
  /** The worker's process id, when one is running. */
  readonly pid: number | null;
  dispose(): Promise<void>;
}
