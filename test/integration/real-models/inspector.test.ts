import { readGgufFileInfo, type GgufFileInfo } from 'node-llama-cpp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelDescription } from '../../../electron/contract/model-description';
import { inspectGguf } from '../../../electron/inspect/describe';
import { printDescription } from '../../../electron/inspect/print-tree';
import { explanations, headRows } from '../../../renderer/src/lib/architecture/explain';
import { GEMMA3_270M, SMOLLM2_135M } from '../../models';

// The inspector and the Model panel's numbers on the real SmolLM2 and Gemma 3 files, each checked
// against the file's own metadata as node-llama-cpp's independent GGUF reader returns it.

type Meta = Record<string, unknown>;

function at(meta: Meta, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Meta)[k] : undefined), meta);
}

function num(meta: Meta, path: string): number {
  const value = at(meta, path);
  if (typeof value !== 'number') throw new Error(`${path} is not a number in the file (${String(value)})`);
  return value;
}

const models = [
  { name: 'SmolLM2-135M-Instruct', path: SMOLLM2_135M, arch: 'llama' },
  { name: 'Gemma 3 270M', path: GEMMA3_270M, arch: 'gemma3' },
] as const;

const loaded = new Map<string, { d: ModelDescription; info: GgufFileInfo; meta: Meta }>();

beforeAll(async () => {
  for (const m of models) {
    const info = await readGgufFileInfo(m.path(), { readTensorInfo: true });
    loaded.set(m.name, { d: await inspectGguf(m.path()), info, meta: info.metadata as unknown as Meta });
  }
});

function get(name: string) {
  const entry = loaded.get(name);
  if (!entry) throw new Error(`${name} was not read`);
  return entry;
}

describe.each(models)('the inspector on $name', ({ name, arch }) => {
  it("gives every number as the file's own metadata and tensors say", () => {
    const { d, info, meta } = get(name);
    const k = (key: string) => num(meta, `${arch}.${key}`);
    expect(d.architecture).toBe(arch);
    expect(d.layers).toBe(k('block_count'));
    expect(d.embeddingLength).toBe(k('embedding_length'));
    expect(d.feedForwardLength).toBe(k('feed_forward_length'));
    expect(d.contextLength).toBe(k('context_length'));
    expect(d.attention.heads).toBe(k('attention.head_count'));
    expect(d.attention.kvHeads).toBe(k('attention.head_count_kv'));
    const keyLength = at(meta, `${arch}.attention.key_length`);
    const headSize = typeof keyLength === 'number' ? keyLength : k('embedding_length') / k('attention.head_count');
    expect(d.attention.headDim).toBe(headSize);
    expect(d.rope?.base).toBe(k('rope.freq_base'));
    expect(d.rope?.dimensions).toBe(at(meta, `${arch}.rope.dimension_count`) ?? headSize);
    expect(d.normEpsilon).toBeCloseTo(k('attention.layer_norm_rms_epsilon'), 12);
    const tokens = at(meta, 'tokenizer.ggml.tokens');
    expect(d.vocabSize).toBe(Array.isArray(tokens) ? tokens.length : NaN);
    expect(d.tokenizer?.hasChatTemplate).toBe(typeof at(meta, 'tokenizer.chat_template') === 'string');

    const tensors = info.fullTensorInfo ?? [];
    expect(d.tensors.length).toBe(tensors.length);
    const elements = tensors.reduce((sum, t) => sum + t.dimensions.reduce<number>((p, x) => p * Number(x), 1), 0);
    expect(d.parameters).toBe(elements);
    expect(d.tiedEmbeddings).toBe(!tensors.some((t) => t.name === 'output.weight'));
    // f16 K and V for every layer: layers × KV heads × (key + value size) × 2 bytes.
    expect(d.kvCache.bytesPerToken).toBe(k('block_count') * k('attention.head_count_kv') * 2 * headSize * 2);
  });
});

describe('what the real files show', () => {
  it('SmolLM2: grouped-query attention with 3 query heads per KV head, ChatML template, no sliding window', () => {
    const { d } = get('SmolLM2-135M-Instruct');
    expect(d.attention.summary).toBe('3 query heads share each KV head (9 query heads, 3 KV heads, head size 64)');
    expect(d.tokenizer?.hasChatTemplate).toBe(true);
    expect(d.slidingWindow ?? null).toBeNull();
    expect(headRows(d, null).map((r) => r.label)).not.toContain('Sliding window');
    expect(explanations(d).map((e) => e.id)).not.toContain('sliding-window');
  });

  it("Gemma 3: a 512-token sliding window on 15 of 18 layers, head size 256 (not 640 / 4), query-key norms, and no chat template", () => {
    const { d, meta } = get('Gemma 3 270M');
    expect(num(meta, 'gemma3.attention.sliding_window')).toBe(512);
    expect(d.slidingWindow).toMatchObject({ window: 512, period: 6, globalLayers: [5, 11, 17], localRopeBase: 10000 });
    expect(d.slidingWindow?.localLayers).toHaveLength(15);
    // Head size is key_length (256): 4 heads × 256 = 1024 > the embedding's 640, so q_proj widens.
    expect(d.attention.headDim).toBe(256);
    expect(d.attention.summary).toBe('All 4 query heads share one KV head (multi-query attention, head size 256)');
    expect(d.tokenizer?.hasChatTemplate).toBe(false);
    // A window-sized cache: 3 global layers × the context + 15 local layers × 512, 1 KV head × 512 numbers × 2 bytes.
    expect(d.slidingWindow?.windowedKvBytes).toBe(1 * 512 * 2 * (3 * 32768 + 15 * 512));

    const rows = headRows(d, null);
    const row = (label: string) => rows.find((r) => r.label === label);
    expect(row('Sliding window')).toMatchObject({ value: '512 tokens' });
    expect(row('Sliding window')?.note).toContain('on 15 of 18 layers; layers 5, 11, 17 see the whole context; local layers: RoPE base 10,000');
    expect(row('Query-key norms')).toMatchObject({ value: 'RMSNorm over 256' });
    expect(row('Head size')?.note).toBe('4 × 256 = 1,024');
    const why = explanations(d);
    const swa = why.find((e) => e.id === 'sliding-window')?.paragraphs.join(' ') ?? '';
    expect(swa).toContain('In 15 of its 18 layers this model looks back only 512 tokens');
    expect(swa).toContain('RoPE base 10,000');
    expect(why.find((e) => e.id === 'qk-norm')?.paragraphs[0]).toContain('(256 numbers each)');

    const printed = printDescription(d);
    expect(printed).toContain('(q_norm): Gemma3RMSNorm((256,), eps=1e-06)');
    expect(printed).toContain('Sliding window: 512 tokens on 15 of 18 layers; layers 5, 11, 17 attend to the whole context; local layers use RoPE base 10000');
  });
});
