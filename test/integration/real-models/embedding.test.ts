import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../../electron/engine/host';
import { createNodeLauncher } from '../../../electron/engine/node-launcher';
import { BertReference } from '../../fixtures/bert-reference';
import { MINILM_L6_V2, MINILM_L6_V2_SOURCE } from '../../models';

// all-MiniLM-L6-v2 as GGUF (scripts/convert-bert-gguf.py) embedded by the app's engine process
// (node-llama-cpp), against the same model computed from its sentence-transformers files alone.
const SENTENCES = [
  'The capital city of Zembla is Onhava, on the river Vlada.',
  'Photosynthesis turns sunlight, water and carbon dioxide into sugar.',
  "Don't forget: the meeting starts at 9:30!",
];

let engine: EngineHost;
let reference: BertReference;

beforeAll(() => {
  engine = new EngineHost(createNodeLauncher({ env: { GLASSBOX_THREADS: '1' } }));
  reference = new BertReference(MINILM_L6_V2_SOURCE());
});

afterAll(async () => {
  await engine.dispose();
});

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0);

describe('all-MiniLM-L6-v2 through the engine', () => {
  it('gives the reference embedding of each sentence (cosine > 0.9999), 384 numbers of unit length', async () => {
    const { dimensions, vectors } = await engine.embed(MINILM_L6_V2(), SENTENCES);
    expect(dimensions).toBe(384);
    SENTENCES.forEach((sentence, i) => {
      const got = vectors[i] ?? [];
      const want = reference.embed(sentence);
      expect(Math.hypot(...got)).toBeCloseTo(1, 5);
      expect(dot(got, want)).toBeGreaterThan(0.9999);
      expect(Math.max(...got.map((v, j) => Math.abs(v - (want[j] ?? 0))))).toBeLessThan(2e-3);
    });
  });

  it('ranks related passages above unrelated ones', async () => {
    const query = 'How do plants make food from light?';
    const passages = [
      'Photosynthesis turns sunlight, water and carbon dioxide into sugar.',
      'Leaves capture light energy with chlorophyll.',
      'The stock market fell sharply on Monday.',
      'He parked the car in the garage.',
    ];
    const { vectors } = await engine.embed(MINILM_L6_V2(), [query, ...passages]);
    const [q = [], ...rest] = vectors;
    const scores = rest.map((v) => dot(q, v));
    expect(Math.min(scores[0] ?? 0, scores[1] ?? 0)).toBeGreaterThan(Math.max(scores[2] ?? 1, scores[3] ?? 1) + 0.2);
  });
});
