import { describe, expect, it } from 'vitest';
import type { LocalModel } from '../../../electron/contract/model-library';
import { defaultEmbeddingModel } from '../../../renderer/src/lib/documents/default-embedding';

const model = (fileName: string, architecture: string | null, problem: string | null = null): LocalModel => ({
  path: `/models/${fileName}`,
  fileName,
  sizeBytes: 1,
  modifiedMs: 0,
  architecture,
  name: null,
  parameters: null,
  quantization: null,
  layers: null,
  trainedContext: null,
  problem,
});

describe('the default embedding model', () => {
  it('is the first readable embedding model in the folder, never a chat model', () => {
    const folder = [
      model('SmolLM2-135M-Instruct.Q4_1.gguf', 'llama'),
      model('gemma-3-270m-q4_k_m.gguf', 'gemma3'),
      model('z-nomic-embed.gguf', 'nomic-bert'),
      model('all-MiniLM-L6-v2.F32.gguf', 'bert'),
      model('broken-bert.gguf', 'bert', 'not a GGUF file'),
    ];
    expect(defaultEmbeddingModel(folder)?.fileName).toBe('all-MiniLM-L6-v2.F32.gguf');
    expect(defaultEmbeddingModel(folder.slice(0, 2))).toBeNull();
    expect(defaultEmbeddingModel([model('unknown.gguf', null, 'unreadable')])).toBeNull();
  });
});
