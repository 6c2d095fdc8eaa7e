import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeModel, inspectGguf, kvCacheBytes } from '../../../electron/inspect/describe';
import { modelDescriptionSchema, type ModelDescription, type ModuleNode } from '../../../electron/contract/model-description';
import { GgmlType } from '../../../electron/inspect/ggml-types';
import { readGgufHeader } from '../../../electron/inspect/gguf-reader';
import { printModuleTree, pythonFloat } from '../../../electron/inspect/print-tree';
import { writeGguf } from '../../fixtures/gguf-writer';
import { presetModel, unknownArchModel, type PresetName } from '../../fixtures/synthetic-models';
import { STORIES_260K } from '../../models';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-inspect-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function inspectPreset(name: PresetName, sparse = false): Promise<ModelDescription> {
  const path = join(dir, `${name}.gguf`);
  await writeGguf(path, presetModel(name, name === 'llama32_1b' ? { weightType: GgmlType.F16 } : {}), { mode: sparse ? 'sparse' : 'data' });
  const description = await inspectGguf(path);
  // Everything the inspector says must be able to cross the IPC contract.
  expect(modelDescriptionSchema.safeParse(description).success).toBe(true);
  return description;
}

function find(root: ModuleNode, name: string): ModuleNode {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node?.name === name) return node;
    if (node) stack.push(...node.children);
  }
  throw new Error(`no module ${name}`);
}

const linear = (d: ModelDescription, name: string): [number | undefined, number | undefined] => {
  const n = find(d.modules, name);
  return [n.in, n.out];
};

describe('inspector: Llama-3.2-1B shapes', () => {
  let d: ModelDescription;
  beforeAll(async () => {
    d = await inspectPreset('llama32_1b', true);
  });

  it('reports the head configuration, sizes and parameter count', () => {
    expect(d.architecture).toBe('llama');
    expect(d.layers).toBe(16);
    expect(d.embeddingLength).toBe(2048);
    expect(d.feedForwardLength).toBe(8192);
    expect(d.vocabSize).toBe(128256);
    expect(d.contextLength).toBe(131072);
    expect(d.attention).toMatchObject({ heads: 32, kvHeads: 8, headDim: 64, groupSize: 4 });
    expect(d.attention.summary).toMatch(/^4 query heads share each KV head/);
    expect(d.parameters).toBe(1_235_814_400);
    expect(d.tiedEmbeddings).toBe(true);
    expect(d.rope).toMatchObject({ base: 500000, dimensions: 64 });
    expect(d.rope?.frequencyFactors).toMatch(/rope_freqs\.weight \(32 values\)/);
    expect(d.normEpsilon).toBe(1e-5);
    expect(d.dominantType).toBe('F16');
    expect(d.file.sizeBytes).toBeGreaterThan(2.4e9);
  });

  it('maps every projection to its HF name with in -> out features', () => {
    expect(linear(d, 'layers.0.self_attn.q_proj')).toEqual([2048, 2048]);
    expect(linear(d, 'layers.0.self_attn.k_proj')).toEqual([2048, 512]);
    expect(linear(d, 'layers.0.self_attn.v_proj')).toEqual([2048, 512]);
    expect(linear(d, 'layers.0.self_attn.o_proj')).toEqual([2048, 2048]);
    expect(linear(d, 'layers.15.mlp.gate_proj')).toEqual([2048, 8192]);
    expect(linear(d, 'layers.15.mlp.up_proj')).toEqual([2048, 8192]);
    expect(linear(d, 'layers.15.mlp.down_proj')).toEqual([8192, 2048]);
    expect(find(d.modules, 'layers.0.self_attn.k_proj')).toMatchObject({ kind: 'linear', type: 'F16', bias: false, parameters: 2048 * 512 });
    expect(find(d.modules, 'lm_head')).toMatchObject({ in: 2048, out: 128256, tiedTo: 'embed_tokens', parameters: 0 });
    expect(find(d.modules, 'embed_tokens')).toMatchObject({ in: 128256, out: 2048 });
    expect(d.tensors.find((t) => t.name === 'blk.3.attn_k.weight')?.hfName).toBe('layers.3.self_attn.k_proj.weight');
  });

  it('computes the KV cache and component sizes', () => {
    expect(d.kvCache.bytesPerToken).toBe(2 * 16 * 8 * 64 * 2);
    expect(d.kvCache.bytes).toBe(32768 * 131072);
    expect(kvCacheBytes(d, 4096)).toBe(32768 * 4096);
    expect(d.parametersByComponent.embedding).toBe(128256 * 2048);
    expect(d.parametersByComponent.lmHead).toBe(0);
    const sum = Object.values(d.parametersByComponent).reduce((a, b) => a + b, 0);
    expect(sum).toBe(d.parameters);
  });

  it('prints like PyTorch, with repeated layers once', () => {
    const text = printModuleTree(d);
    expect(text).toContain('LlamaForCausalLM(\n  (model): LlamaModel(\n    (embed_tokens): Embedding(128256, 2048)\n    (layers): ModuleList(\n      (0-15): 16 x LlamaDecoderLayer(');
    expect(text).toContain('(k_proj): Linear(in_features=2048, out_features=512, bias=False)');
    expect(text).toContain('(act_fn): SiLU()');
    expect(text).toContain('(post_attention_layernorm): LlamaRMSNorm((2048,), eps=1e-05)');
    expect(text).toContain('(lm_head): Linear(in_features=2048, out_features=128256, bias=False)  # tied to embed_tokens');
    expect(text.match(/DecoderLayer/g)).toHaveLength(1);
  });
});

describe('inspector: architectures', () => {
  it('llama (untied) has its own lm_head', async () => {
    const d = await inspectPreset('llama');
    expect(d.layerClass).toBe('LlamaDecoderLayer');
    expect(d.tiedEmbeddings).toBe(false);
    expect(find(d.modules, 'lm_head')).toMatchObject({ in: 64, out: 256, parameters: 64 * 256, tensors: ['output.weight'] });
  });

  it('qwen2 shows q/k/v biases', async () => {
    const d = await inspectPreset('qwen2');
    expect(d.modelClass).toBe('Qwen2ForCausalLM');
    expect(find(d.modules, 'layers.0.self_attn.q_proj')).toMatchObject({ bias: true, tensors: ['blk.0.attn_q.weight', 'blk.0.attn_q.bias'], parameters: 64 * 64 + 64 });
    expect(find(d.modules, 'layers.0.self_attn.o_proj').bias).toBe(false);
    expect(printModuleTree(d)).toContain('(k_proj): Linear(in_features=64, out_features=32, bias=True)');
    expect(d.tiedEmbeddings).toBe(true);
    expect(d.normEpsilon).toBe(1e-6);
  });

  it('qwen3 has q_norm and k_norm over the head size', async () => {
    const d = await inspectPreset('qwen3');
    expect(d.layerClass).toBe('Qwen3DecoderLayer');
    expect(linear(d, 'layers.1.self_attn.q_proj')).toEqual([64, 128]);
    expect(linear(d, 'layers.1.self_attn.o_proj')).toEqual([128, 64]);
    expect(find(d.modules, 'layers.1.self_attn.q_norm')).toMatchObject({ kind: 'norm', className: 'Qwen3RMSNorm', shape: [32] });
    expect(find(d.modules, 'layers.1.self_attn.k_norm').shape).toEqual([32]);
    expect(d.attention.headDim).toBe(32);
  });

  for (const name of ['gemma2', 'gemma3'] as const) {
    it(`${name} has sandwich norms, GELU-tanh and tied embeddings`, async () => {
      const d = await inspectPreset(name);
      const layer = find(d.modules, 'layers.0');
      expect(layer.children.map((c) => c.key)).toEqual([
        'self_attn',
        'mlp',
        'input_layernorm',
        'post_attention_layernorm',
        'pre_feedforward_layernorm',
        'post_feedforward_layernorm',
      ]);
      expect(find(d.modules, 'layers.0.pre_feedforward_layernorm').tensors).toEqual(['blk.0.ffn_norm.weight']);
      expect(find(d.modules, 'layers.0.post_attention_layernorm').tensors).toEqual(['blk.0.post_attention_norm.weight']);
      expect(d.activation).toBe('PytorchGELUTanh');
      expect(d.tiedEmbeddings).toBe(true);
      expect(linear(d, 'layers.0.self_attn.q_proj')).toEqual([64, 128]);
      if (name === 'gemma3') expect(find(d.modules, 'layers.0.self_attn.q_norm').shape).toEqual([32]);
      expect(d.layerClass).toBe(name === 'gemma2' ? 'Gemma2DecoderLayer' : 'Gemma3DecoderLayer');
    });
  }

  it('phi3 shows fused qkv_proj and gate_up_proj with their split', async () => {
    const d = await inspectPreset('phi3');
    expect(d.layerClass).toBe('Phi3DecoderLayer');
    expect(find(d.modules, 'layers.0.self_attn.qkv_proj')).toMatchObject({
      in: 64,
      out: 192,
      parts: [
        { name: 'q', size: 64 },
        { name: 'k', size: 64 },
        { name: 'v', size: 64 },
      ],
    });
    expect(find(d.modules, 'layers.0.mlp.gate_up_proj')).toMatchObject({ in: 64, out: 256, parts: [{ name: 'gate', size: 128 }, { name: 'up', size: 128 }] });
    expect(linear(d, 'layers.0.mlp.down_proj')).toEqual([128, 64]);
    expect(find(d.modules, 'layers.0.mlp.activation_fn').className).toBe('SiLU');
    expect(printModuleTree(d)).toContain('(qkv_proj): Linear(in_features=64, out_features=192, bias=False)  # q 64 + k 64 + v 64');
  });

  it('an unknown architecture falls back to tensors grouped by block', async () => {
    const path = join(dir, 'unknown.gguf');
    await writeGguf(path, unknownArchModel());
    const d = await inspectGguf(path);
    expect(modelDescriptionSchema.safeParse(d).success).toBe(true);
    expect(d.mapped).toBe(false);
    expect(d.layers).toBe(3);
    const blocks = find(d.modules, 'blk');
    expect(blocks.children).toHaveLength(3);
    expect(find(d.modules, 'blk.2.mixer.in_proj.weight')).toMatchObject({ kind: 'tensor', shape: [32, 128], type: 'F16' });
    expect(d.parameters).toBe(32 * 100 + 3 * (32 + 32 * 128 + 64 * 32) + 32);
    expect(d.warnings.join(' ')).toMatch(/No module mapping for architecture "mysterynet"/);
    expect(printModuleTree(d)).toContain('(0-2): 3 x Block(');
  });

  it('layers whose types differ print separately when types are shown', async () => {
    const model = presetModel('llama');
    const tensors = model.tensors.map((t) => (t.name === 'blk.1.attn_v.weight' ? { ...t, type: GgmlType.F16 } : t));
    const path = join(dir, 'mixed.gguf');
    await writeGguf(path, { ...model, tensors });
    const d = describeModel(await readGgufHeader(path));
    expect(printModuleTree(d)).toContain('(0-1): 2 x LlamaDecoderLayer(');
    const typed = printModuleTree(d, { types: true });
    expect(typed).toContain('(0): LlamaDecoderLayer(');
    expect(typed).toContain('(1): LlamaDecoderLayer(');
    expect(typed).toContain('(v_proj): Linear(in_features=64, out_features=32, bias=False)  # F16');
  });
});

describe('inspector: stories260K (a real model)', () => {
  it('matches the model card and node-llama-cpp', async () => {
    const path = STORIES_260K();
    const d = await inspectGguf(path);
    expect(d).toMatchObject({ architecture: 'llama', layers: 5, embeddingLength: 64, feedForwardLength: 172, vocabSize: 512, contextLength: 2048, tiedEmbeddings: false });
    expect(d.attention).toMatchObject({ heads: 8, kvHeads: 4, headDim: 8, groupSize: 2 });
    expect(linear(d, 'layers.4.self_attn.k_proj')).toEqual([64, 32]);
    expect(linear(d, 'layers.4.mlp.down_proj')).toEqual([172, 64]);
    expect(d.tokenizer).toMatchObject({ model: 'llama', tokens: 512, bosId: 1, eosId: 2 });

    // Independent check: node-llama-cpp's parser sees the same tensors, and their elements sum to our count.
    const reference = await readGgufFileInfo(path);
    const tensors = reference.fullTensorInfo ?? [];
    const elements = tensors.reduce((sum, t) => sum + t.dimensions.reduce<number>((p, x) => p * Number(x), 1), 0);
    expect(d.parameters).toBe(elements);
    expect(d.parameters).toBe(292_800);
    expect(d.tensors.map((t) => [t.name, t.dims, t.offset])).toEqual(tensors.map((t) => [t.name, t.dimensions.map(Number), Number(t.fileOffset)]));
    expect(d.file.metadataCount).toBe(19);
  });
});

describe('print helpers', () => {
  it('formats eps like Python', () => {
    expect(pythonFloat(Math.fround(1e-5))).toBe('1e-05');
    expect(pythonFloat(Math.fround(1e-6))).toBe('1e-06');
    expect(pythonFloat(Math.fround(0.0001))).toBe('0.0001');
    expect(pythonFloat(1)).toBe('1.0');
  });
});
