import { describe, expect, it } from 'vitest';
import type { ModelFacts } from '../../../electron/contract/model';
import { modelFactRows } from '../../../renderer/src/lib/message-text';

// The Model panel's facts with the head counts of the real test models (SmolLM2-135M: 9 query
// heads, 3 KV heads; Gemma 3 270M: 4 query heads, 1 KV head), as the engine reports them.
const facts = (attentionHeads: number, kvHeads: number): ModelFacts => ({
  path: '/m.gguf',
  fileName: 'm.gguf',
  name: null,
  architecture: 'gemma3',
  layers: 18,
  embeddingLength: 640,
  attentionHeads,
  kvHeads,
  trainedContextLength: 32768,
  contextSize: 4096,
  vocabSize: 262144,
  parameters: 268_098_176,
  fileSizeBytes: 253_113_024,
  chatTemplate: 'none (plain text)',
  gpu: 'cpu',
  gpuLayers: 0,
  threads: 1,
});

const kvNote = (f: ModelFacts) => modelFactRows(f).find((r) => r.label === 'KV heads')?.note;

describe('the KV heads note', () => {
  it('calls one KV head for every query head multi-query attention (Gemma 3 270M), and groups grouped (SmolLM2)', () => {
    expect(kvNote(facts(4, 1))).toBe('multi-query attention: all 4 query heads share one KV head');
    expect(kvNote(facts(9, 3))).toBe('grouped-query attention: 3 query heads share each KV head');
    expect(kvNote(facts(8, 8))).toBeUndefined();
  });
});
