import type { LocalModel } from '../../../../electron/contract/model-library';

/**
 * Architectures llama.cpp runs as sentence-embedding models (bidirectional, pooled): a GGUF of one
 * of these in the models folder is what document search should use, a chat model is not.
 */
export const EMBEDDING_ARCHITECTURES: ReadonlySet<string> = new Set([
  'bert',
  'nomic-bert',
  'nomic-bert-moe',
  'jina-bert-v2',
  'jina-bert-v3',
  'modern-bert',
  'neo-bert',
  'eurobert',
  'gemma-embedding',
  't5encoder',
]);

/** The embedding model to choose when none has been: the first readable one in the folder, by file name. */
export function defaultEmbeddingModel(models: readonly LocalModel[]): LocalModel | null {
  const candidates = models.filter((m) => m.problem === null && m.architecture !== null && EMBEDDING_ARCHITECTURES.has(m.architecture));
  return [...candidates].sort((a, b) => a.fileName.localeCompare(b.fileName))[0] ?? null;
}

/** Remembers that the user turned document search's embedding model off, so it is not chosen again for them. */
export const EMBEDDING_DECLINED_KEY = 'glassbox.embedding.declined';
