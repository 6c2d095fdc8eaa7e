import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGlassboxError } from '../../../electron/contract/errors';
import { inspectGguf } from '../../../electron/inspect/describe';
import { modelDescriptionSchema, type ModelDescription, type ModuleNode } from '../../../electron/contract/model-description';
import { GgmlType } from '../../../electron/inspect/ggml-types';
import { describeHfConfig, inspectArchitectureFile } from '../../../electron/inspect/hf-config';
import { writeGguf } from '../../fixtures/gguf-writer';
import { PRESETS, presetModel, type PresetName } from '../../fixtures/synthetic-models';

/** meta-llama/Llama-3.2-1B config.json, as published. */
const LLAMA32_1B_CONFIG = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 128000,
  eos_token_id: 128001,
  head_dim: 64,
  hidden_act: 'silu',
  hidden_size: 2048,
  initializer_range: 0.02,
  intermediate_size: 8192,
  max_position_embeddings: 131072,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 16,
  num_key_value_heads: 8,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: { factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
  rope_theta: 500000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.45.0.dev0',
  use_cache: true,
  vocab_size: 128256,
};

/** The config.json a synthetic GGUF preset was converted from. */
function configOf(name: PresetName): Record<string, unknown> {
  const c = PRESETS[name];
  return {
    model_type: c.arch === 'gemma3' ? 'gemma3_text' : c.arch,
    hidden_size: c.embedding,
    intermediate_size: c.feedForward,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    num_key_value_heads: c.kvHeads,
    ...('headDim' in c ? { head_dim: c.headDim } : {}),
    vocab_size: c.vocab,
    max_position_embeddings: c.context,
    rope_theta: 'ropeBase' in c ? c.ropeBase : 10000,
    rms_norm_eps: 'eps' in c ? c.eps : 1e-5,
    tie_word_embeddings: c.tied,
    ...(name === 'llama32_1b' ? { rope_scaling: LLAMA32_1B_CONFIG.rope_scaling } : {}),
  };
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

function linear(d: ModelDescription, name: string): [number | undefined, number | undefined, boolean | undefined] {
  const n = find(d.modules, name);
  return [n.in, n.out, n.bias];
}

/** What a config can know of a module: names, classes, shapes and parameter counts, not types or tensors. */
function shapesOnly(n: ModuleNode): ModuleNode {
  const { type: _type, ...rest } = n;
  return { ...rest, bytes: 0, tensors: [], children: n.children.map(shapesOnly) };
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-hf-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function ggufOf(name: PresetName): Promise<ModelDescription> {
  const path = join(dir, `${name}.gguf`);
  await writeGguf(path, presetModel(name, name === 'llama32_1b' ? { weightType: GgmlType.F16 } : {}), { mode: 'sparse' });
  return inspectGguf(path);
}

describe('describeHfConfig: Llama-3.2-1B', () => {
  const d = describeHfConfig(LLAMA32_1B_CONFIG, '/models/Llama-3.2-1B/config.json', { sizeBytes: 877 });

  it('crosses the contract and counts the same parameters as the GGUF file', () => {
    expect(modelDescriptionSchema.safeParse(d).success).toBe(true);
    expect(d.parameters).toBe(1_235_814_400);
    expect(d.parametersByComponent).toMatchObject({ embedding: 262_668_288, lmHead: 0 });
    expect(d.tiedEmbeddings).toBe(true);
    expect(d.architecture).toBe('llama');
    expect(d.modelClass).toBe('LlamaForCausalLM');
    expect(d.file).toMatchObject({ fileName: 'config.json', sizeBytes: 877, tensorCount: 0 });
  });

  it('gives HF module names with in -> out shapes and GQA', () => {
    expect(linear(d, 'layers.0.self_attn.q_proj')).toEqual([2048, 2048, false]);
    expect(linear(d, 'layers.0.self_attn.k_proj')).toEqual([2048, 512, false]);
    expect(linear(d, 'layers.15.mlp.down_proj')).toEqual([8192, 2048, false]);
    expect(find(d.modules, 'lm_head').tiedTo).toBe('embed_tokens');
    expect(d.attention).toMatchObject({ heads: 32, kvHeads: 8, headDim: 64, groupSize: 4 });
    expect(d.attention.summary).toMatch(/^4 query heads share each KV head/);
    // 16 layers * 8 KV heads * (64 + 64) * 2 bytes.
    expect(d.kvCache.bytesPerToken).toBe(32_768);
    expect(d.kvCache.contextLength).toBe(131072);
    expect(d.rope).toMatchObject({ base: 500000, dimensions: 64, scalingFactor: 32, originalContextLength: 8192 });
    expect(d.rope?.frequencyFactors).toMatch(/rope_freqs\.weight \(32 values\)/);
  });

  it('says what a config cannot tell', () => {
    expect(d.dominantType).toBeNull();
    expect(d.tensors).toEqual([]);
    expect(d.tokenizer).toBeNull();
    expect(d.warnings.join(' ')).toMatch(/types.*unknown/);
    expect(find(d.modules, 'layers.0.self_attn.q_proj').type).toBeUndefined();
  });

  it('matches the GGUF inspector on the same shapes, module by module', async () => {
    const gguf = await ggufOf('llama32_1b');
    expect(shapesOnly(gguf.modules)).toEqual(d.modules);
    expect(d.parametersByComponent).toEqual(gguf.parametersByComponent);
    expect(d.kvCache.bytesPerToken).toBe(gguf.kvCache.bytesPerToken);
    expect(d.attention).toEqual(gguf.attention);
  });
});

describe('describeHfConfig: other families agree with their GGUF files', () => {
  for (const name of ['llama', 'qwen2', 'qwen3', 'gemma2', 'gemma3', 'phi3'] as const) {
    it(name, async () => {
      const d = describeHfConfig(configOf(name), `/m/${name}/config.json`);
      const gguf = await ggufOf(name);
      expect(d.mapped).toBe(true);
      expect(d.modules).toEqual(shapesOnly(gguf.modules));
      expect(d.parameters).toBe(gguf.parameters);
      expect(d.parametersByComponent).toEqual(gguf.parametersByComponent);
      expect(d.attention).toEqual(gguf.attention);
      expect(d.kvCache).toEqual(gguf.kvCache);
      expect(d.normEpsilon).toBe(gguf.normEpsilon);
      expect(d.activation).toBe(gguf.activation);
    });
  }

  it('gives Qwen2 q/k/v biases and no o_proj bias', () => {
    const d = describeHfConfig(
      { model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, vocab_size: 151936, tie_word_embeddings: true, rms_norm_eps: 1e-6, rope_theta: 1000000 },
      'config.json',
    );
    expect(linear(d, 'layers.0.self_attn.q_proj')).toEqual([896, 896, true]);
    expect(linear(d, 'layers.0.self_attn.k_proj')).toEqual([896, 128, true]);
    expect(linear(d, 'layers.0.self_attn.o_proj')).toEqual([896, 896, false]);
    // Qwen2.5-0.5B: 494,032,768 parameters.
    expect(d.parameters).toBe(494_032_768);
  });

  it('reads a multimodal config through text_config and unties lm_head when asked', () => {
    const d = describeHfConfig({ architectures: ['X'], text_config: { ...configOf('llama'), tie_word_embeddings: false } }, 'config.json');
    expect(d.tiedEmbeddings).toBe(false);
    expect(linear(d, 'lm_head')).toEqual([64, 256, false]);
    expect(d.parametersByComponent.lmHead).toBe(64 * 256);
  });
});

describe('describeHfConfig: unknown and invalid input', () => {
  it('falls back for an unknown model_type: sizes, heads and KV cache, no tree', () => {
    const d = describeHfConfig(
      { model_type: 'mamba-ish', architectures: ['FancyForCausalLM'], hidden_size: 512, num_hidden_layers: 4, num_attention_heads: 8, vocab_size: 1000, hidden_act: 'gelu' },
      'config.json',
    );
    expect(modelDescriptionSchema.safeParse(d).success).toBe(true);
    expect(d.mapped).toBe(false);
    expect(d.modelClass).toBe('FancyForCausalLM');
    expect(d.modules.children).toEqual([]);
    expect(d.attention).toMatchObject({ heads: 8, kvHeads: 8, headDim: 64 });
    expect(d.kvCache.bytesPerToken).toBe(4 * 8 * 128 * 2);
    expect(d.activation).toBe('gelu');
    expect(d.warnings.join(' ')).toMatch(/No module mapping for model_type "mamba-ish"/);
  });

  it('refuses what is not a config with invalid-argument and a readable message', () => {
    for (const bad of [null, [], 'text', { name: 'x' }, { model_type: 'llama', hidden_size: -1, num_hidden_layers: 2, num_attention_heads: 2 }]) {
      let caught: unknown = null;
      try {
        describeHfConfig(bad, '/x/tokenizer.json');
      } catch (error) {
        caught = error;
      }
      expect(isGlassboxError(caught, 'invalid-argument')).toBe(true);
      expect((caught as Error).message).toMatch(/^tokenizer\.json is not a Hugging Face model config/);
    }
  });
});

describe('inspectArchitectureFile', () => {
  it('reads a GGUF header or a config.json, and refuses other files', async () => {
    const gguf = join(dir, 'qwen2.gguf');
    await writeGguf(gguf, presetModel('qwen2'), { mode: 'sparse' });
    expect((await inspectArchitectureFile(gguf)).dominantType).toBe('F32');
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify(configOf('qwen2')));
    const fromConfig = await inspectArchitectureFile(config, { contextLength: 100 });
    expect(fromConfig.architecture).toBe('qwen2');
    expect(fromConfig.kvCache.contextLength).toBe(100);
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'hello');
    await expect(inspectArchitectureFile(text)).rejects.toMatchObject({ kind: 'invalid-argument' });
    await expect(inspectArchitectureFile(join(dir, 'missing.json'))).rejects.toMatchObject({ kind: 'not-found' });
  });
});
