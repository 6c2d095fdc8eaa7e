import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectGguf } from '../../../electron/inspect/describe';
import type { ModelDescription } from '../../../electron/contract/model-description';
import { GgmlType } from '../../../electron/inspect/ggml-types';
import { writeGguf } from '../../fixtures/gguf-writer';
import { presetModel, type PresetName } from '../../fixtures/synthetic-models';
import { STORIES_260K } from '../../models';
import {
  buildArchTree,
  defaultExpanded,
  findNode,
  flattenTree,
  treeKeyAction,
  type ArchNode,
} from '../../../renderer/src/lib/architecture/tree';
import { DIAGRAM_WIDTH, type Box, type Diagram } from '../../../renderer/src/lib/architecture/diagram-shapes';
import { headLayout } from '../../../renderer/src/lib/architecture/head-layout';
import { layerDiagram } from '../../../renderer/src/lib/architecture/layer-diagram';
import { stackDiagram } from '../../../renderer/src/lib/architecture/stack-diagram';
import { layerDiagramDescription } from '../../../renderer/src/lib/architecture/diagram-descriptions';
import { componentBars, explanations, headRows, kvSaving, sharingSentence } from '../../../renderer/src/lib/architecture/explain';
import type { ModelFacts } from '../../../electron/contract/model';

let dir = '';
let stories: ModelDescription;
let llama1b: ModelDescription;
const presets = new Map<PresetName, ModelDescription>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-arch-'));
  stories = await inspectGguf(STORIES_260K(), { contextLength: 2048 });
  const path = join(dir, 'llama32_1b.gguf');
  await writeGguf(path, presetModel('llama32_1b', { weightType: GgmlType.F16 }), { mode: 'sparse' });
  llama1b = await inspectGguf(path, { contextLength: 4096 });
  for (const name of ['qwen2', 'gemma2', 'phi3'] as const) {
    const p = join(dir, `${name}.gguf`);
    await writeGguf(p, presetModel(name));
    presets.set(name, await inspectGguf(p));
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const byKey = (root: ArchNode, key: string): ArchNode => {
  const node = findNode(root, (n) => n.key === key);
  if (!node) throw new Error(`no node ${key}`);
  return node;
};

describe('architecture tree (PyTorch print shape)', () => {
  it('puts the base model under `model`, folds the 5 identical layers and keeps lm_head beside it', () => {
    const root = buildArchTree(stories);
    expect(root.className).toBe('LlamaForCausalLM');
    expect(root.children.map((c) => `${c.key}: ${c.className}`)).toEqual(['model: LlamaModel', 'lm_head: Linear']);
    const layers = byKey(root, 'layers');
    expect(layers.children).toHaveLength(1);
    const run = layers.children[0]!;
    expect(run.key).toBe('0-4');
    expect(run.className).toBe('5 × LlamaDecoderLayer');
    expect(run.repeat).toBe(5);
    expect(byKey(root, 'q_proj').shape).toBe('64 → 64');
    expect(byKey(root, 'k_proj').shape).toBe('64 → 32');
    expect(byKey(root, 'down_proj').shape).toBe('172 → 64');
    expect(byKey(root, 'embed_tokens').shape).toBe('512 × 64');
    expect(byKey(root, 'q_proj').type).toBe('F32');
    expect(byKey(root, 'act_fn').className).toBe('SiLU');
    // Parameters add up: the run counts all five layers, the root everything.
    expect(run.parameters).toBe(stories.parametersByComponent.attention + stories.parametersByComponent.mlp + 5 * 2 * 64);
    expect(root.parameters).toBe(stories.parameters);
  });

  it('shows Llama-3.2-1B with 16 layers, GQA shapes and a tied lm_head', () => {
    const root = buildArchTree(llama1b);
    const run = byKey(root, 'layers').children[0]!;
    expect(run.className).toBe('16 × LlamaDecoderLayer');
    expect(byKey(root, 'q_proj').shape).toBe('2048 → 2048');
    expect(byKey(root, 'k_proj').shape).toBe('2048 → 512');
    expect(byKey(root, 'gate_proj').shape).toBe('2048 → 8192');
    const head = byKey(root, 'lm_head');
    expect(head.note).toBe('tied to embed_tokens');
    expect(head.parameters).toBe(0);
    expect(head.type).toBeNull();
    expect(root.parameters).toBe(1_235_814_400);
  });

  it('splits runs where layers differ (a layer with another weight type)', () => {
    const d = structuredClone(stories);
    const list = d.modules.children.find((c) => c.key === 'layers')!;
    const q = list.children[2]!.children.find((c) => c.key === 'self_attn')!.children.find((c) => c.key === 'q_proj')!;
    q.type = 'Q8_0';
    const keys = byKey(buildArchTree(d), 'layers').children.map((c) => `${c.key}:${c.repeat}`);
    expect(keys).toEqual(['0-1:2', '2:1', '3-4:2']);
  });

  it('notes fused projections and biases from other architectures', () => {
    const phi3 = buildArchTree(presets.get('phi3')!);
    expect(byKey(phi3, 'qkv_proj').note).toMatch(/^q \d+ \+ k \d+ \+ v \d+$/);
    expect(byKey(phi3, 'gate_up_proj').note).toMatch(/^gate \d+ \+ up \d+$/);
    const qwen = buildArchTree(presets.get('qwen2')!);
    expect(byKey(qwen, 'q_proj').note).toBe('+ bias');
  });

  it('flattens to visible rows with ARIA levels; the layer run starts collapsed', () => {
    const root = buildArchTree(stories);
    const expanded = new Set(defaultExpanded(root));
    const rows = flattenTree(root, expanded);
    expect(rows.map((r) => `${r.level}:${r.node.key || r.node.className}`)).toEqual([
      '1:LlamaForCausalLM',
      '2:model',
      '3:embed_tokens',
      '3:layers',
      '4:0-4',
      '3:norm',
      '3:rotary_emb',
      '2:lm_head',
    ]);
    const run = rows.find((r) => r.node.key === '0-4')!;
    expect(run.expanded).toBe(false);
    expect(rows.find((r) => r.node.key === 'norm')!.expanded).toBeNull();
    expect(rows[1]).toMatchObject({ position: 1, siblings: 2 });

    expanded.add(run.node.id);
    const open = flattenTree(root, expanded).map((r) => r.node.key);
    expect(open).toContain('self_attn');
    expect(open).not.toContain('q_proj');
  });

  it('moves through the tree with the WAI-ARIA keys', () => {
    const root = buildArchTree(stories);
    const expanded = new Set(defaultExpanded(root));
    const rows = flattenTree(root, expanded);
    const id = (key: string): string => rows.find((r) => (r.node.key || r.node.className) === key)!.node.id;
    expect(treeKeyAction(rows, id('0-4'), 'ArrowRight')).toEqual({ expand: id('0-4') });
    expect(treeKeyAction(rows, id('layers'), 'ArrowRight')).toEqual({ focus: id('0-4') });
    expect(treeKeyAction(rows, id('layers'), 'ArrowLeft')).toEqual({ collapse: id('layers') });
    expect(treeKeyAction(rows, id('norm'), 'ArrowLeft')).toEqual({ focus: id('model') });
    expect(treeKeyAction(rows, id('norm'), 'ArrowRight')).toBeNull();
    expect(treeKeyAction(rows, id('embed_tokens'), 'ArrowDown')).toEqual({ focus: id('layers') });
    expect(treeKeyAction(rows, id('embed_tokens'), 'ArrowUp')).toEqual({ focus: id('model') });
    expect(treeKeyAction(rows, id('norm'), 'Home')).toEqual({ focus: root.id });
    expect(treeKeyAction(rows, id('norm'), 'End')).toEqual({ focus: id('lm_head') });
    expect(treeKeyAction(rows, id('0-4'), 'Enter')).toEqual({ toggle: id('0-4') });
    expect(treeKeyAction(rows, id('norm'), ' ')).toBeNull();
    expect(treeKeyAction(rows, root.id, 'ArrowLeft')).toEqual({ collapse: root.id });
    expect(treeKeyAction(rows, id('lm_head'), 'ArrowDown')).toBeNull();
    expect(treeKeyAction(rows, 'gone', 'ArrowDown')).toEqual({ focus: root.id });
  });
});

function within(box: Box, width: number): boolean {
  return box.x >= 0 && box.y >= 0 && box.x + box.w <= width + 0.01 && box.w > 0;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w - 0.01 && b.x < a.x + a.w - 0.01 && a.y < b.y + b.h - 0.01 && b.y < a.y + a.h - 0.01;
}

describe('decoder layer diagram', () => {
  it('groups the 8 query heads of stories260K under their 4 KV heads, one colour per group', () => {
    const diagram = layerDiagram(stories);
    const kv = diagram.boxes.filter((b) => b.id.startsWith('kv-'));
    const q = diagram.boxes.filter((b) => b.id.startsWith('q-'));
    expect(kv).toHaveLength(4);
    expect(q).toHaveLength(8);
    const colour = (id: string): string | undefined => diagram.boxes.find((b) => b.id === id)?.colour;
    expect(colour('q-0')).toBe(colour('kv-0'));
    expect(colour('q-1')).toBe(colour('kv-0'));
    expect(colour('q-2')).toBe(colour('kv-1'));
    expect(colour('kv-0')).not.toBe(colour('kv-1'));
    // Each query head sits under its KV head.
    for (const box of q) {
      const group = Math.floor(Number(box.id.slice(2)) / 2);
      const parent = kv[group]!;
      expect(box.x).toBeGreaterThanOrEqual(parent.x - 0.01);
      expect(box.x + box.w).toBeLessThanOrEqual(parent.x + parent.w + 0.01);
    }
    const label = (id: string): string => {
      const b = diagram.boxes.find((x) => x.id === id);
      return `${b?.label ?? ''} ${b?.sub ?? ''}`;
    };
    expect(label('q')).toBe('q_proj 64 → 64');
    expect(label('k')).toBe('k_proj 64 → 32');
    expect(label('gate')).toBe('gate_proj 64 → 172');
    expect(label('down')).toBe('down_proj 172 → 64');
    expect(label('act')).toContain('SiLU');
    expect(diagram.circles.map((c) => c.symbol)).toEqual(['+', '×', '+']);
  });

  it.each(['stories', 'llama1b', 'qwen2', 'gemma2', 'phi3'])('%s: every box fits the width and no two boxes overlap', (name) => {
    const d = name === 'stories' ? stories : name === 'llama1b' ? llama1b : presets.get(name as PresetName)!;
    const diagram = layerDiagram(d);
    expect(diagram.width).toBe(DIAGRAM_WIDTH);
    const solid = diagram.boxes.filter((b) => b.tone !== 'container');
    for (const box of solid) expect(within(box, diagram.width), box.id).toBe(true);
    for (const box of diagram.boxes) expect(box.y + box.h).toBeLessThanOrEqual(diagram.height);
    for (let i = 0; i < solid.length; i++) {
      for (let j = i + 1; j < solid.length; j++) expect(overlaps(solid[i]!, solid[j]!), `${solid[i]!.id} / ${solid[j]!.id}`).toBe(false);
    }
    expect(layerDiagramDescription(d)).toContain(String(d.embeddingLength));
  });

  it('draws Llama-3.2-1B as 8 groups of 4 query heads, and the fused projections of phi3', () => {
    const diagram = layerDiagram(llama1b);
    expect(diagram.boxes.filter((b) => b.id.startsWith('kv-'))).toHaveLength(8);
    expect(diagram.boxes.filter((b) => b.id.startsWith('q-'))).toHaveLength(32);
    expect(layerDiagramDescription(llama1b)).toContain('32 query heads in 8 groups of 4');
    const phi = layerDiagram(presets.get('phi3')!);
    expect(phi.boxes.some((b) => b.id === 'qkv')).toBe(true);
    expect(phi.boxes.some((b) => b.id === 'gate_up')).toBe(true);
    expect(layerDiagram(presets.get('gemma2')!).boxes.some((b) => b.id === 'postnorm2')).toBe(true);
  });

  it('wraps many heads onto more rows and caps what it draws', () => {
    const wide = headLayout(64, 64, 0, 300, 0);
    const rows = new Set(wide.boxes.filter((b) => b.id.startsWith('q-')).map((b) => b.y));
    expect(rows.size).toBeGreaterThan(1);
    for (const b of wide.boxes) expect(b.x + b.w).toBeLessThanOrEqual(300.01);
    const huge = headLayout(256, 256, 0, 300, 0);
    expect(huge.drawn).toBe(128);
    const mqa = headLayout(16, 1, 0, 300, 0);
    expect(mqa.boxes.filter((b) => b.id.startsWith('kv-'))).toHaveLength(1);
    expect(mqa.drawn).toBe(16);
  });

  it('draws RoPE between the projections and the heads, and says it in the text alternative', () => {
    const diagram = layerDiagram(stories);
    const rope = diagram.boxes.find((b) => b.id === 'rope');
    expect(rope?.label).toMatch(/^RoPE on q and k \(base 10,000/);
    const q = diagram.boxes.find((b) => b.id === 'q')!;
    const firstHead = diagram.boxes.find((b) => b.id === 'kv-0')!;
    expect(rope!.y).toBeGreaterThan(q.y + q.h);
    expect(rope!.y + rope!.h).toBeLessThan(firstHead.y);
    expect(layerDiagramDescription(stories)).toContain('RoPE rotates the queries and keys');
  });

  it.each(['stories', 'llama1b', 'gemma2'])('%s: no label runs into a box (the stack’s "per position" labels included)', (name) => {
    const d = name === 'stories' ? stories : name === 'llama1b' ? llama1b : presets.get(name as PresetName)!;
    // A small label is 10 px type: about 5.6 px a character, from 8 px above its baseline to 2 below.
    const clear = (diagram: Diagram): void => {
      for (const label of diagram.labels) {
        const w = label.text.length * 5.6;
        const x = label.anchor === 'start' ? label.x : label.anchor === 'end' ? label.x - w : label.x - w / 2;
        const box: Box = { id: `label ${label.text}`, x, y: label.y - 8, w, h: 10, tone: 'op', label: '' };
        for (const other of diagram.boxes.filter((b) => b.tone !== 'container' || b.id.startsWith('shadow'))) expect(overlaps(box, other), `${label.text} / ${other.id}`).toBe(false);
      }
    };
    clear(layerDiagram(d));
    clear(stackDiagram(d));
  });

  it('labels the stack with the model numbers', () => {
    const stack = stackDiagram(llama1b);
    const text = stack.boxes.map((b) => `${b.label} ${b.sub ?? ''}`).join(' | ');
    expect(text).toContain('128256 × 2048');
    expect(text).toContain('16 × LlamaDecoderLayer');
    expect(text).toContain('2048 → 128256, tied to embed_tokens');
    expect(text).toContain('128256 probabilities');
  });
});

const facts: ModelFacts = {
  path: '/m/stories260K.gguf',
  fileName: 'stories260K.gguf',
  name: null,
  architecture: 'llama',
  layers: 5,
  embeddingLength: 64,
  attentionHeads: 8,
  kvHeads: 4,
  trainedContextLength: 2048,
  contextSize: 1024,
  vocabSize: 512,
  parameters: 292_800,
  fileSizeBytes: 1_200_000,
  chatTemplate: 'plain',
  gpu: 'cuda',
  gpuLayers: 6,
  threads: 4,
};

describe('architecture explanations and facts', () => {
  it('says how query heads share KV heads, from the numbers', () => {
    expect(sharingSentence(8, 4)).toBe('2 query heads share each KV head (grouped-query attention)');
    expect(sharingSentence(32, 32)).toMatch(/own KV head/);
    expect(sharingSentence(16, 1)).toMatch(/all 16 query heads share one KV head/);
    expect(sharingSentence(null, 4)).toBeNull();
  });

  it('lists heads, RoPE, context, vocabulary, weights, KV cache and the backend', () => {
    const rows = headRows(stories, facts);
    const get = (label: string): string => {
      const row = rows.find((r) => r.label === label);
      return `${row?.value ?? ''} | ${row?.note ?? ''}`;
    };
    expect(get('Layers')).toMatch(/^5 /);
    expect(get('Query heads')).toMatch(/^8 /);
    expect(get('KV heads')).toBe('4 | 2 query heads share each KV head (grouped-query attention)');
    expect(get('Head size')).toBe('8 | 8 × 8 = 64');
    expect(get('RoPE')).toBe('base 10,000, 8 dims | no scaling');
    expect(get('Trained context')).toMatch(/^2,048 tokens/);
    expect(get('Vocabulary')).toBe('512 tokens | SentencePiece BPE (llama)');
    expect(get('Weights')).toMatch(/^F32 \| 32\.00 bits per weight/);
    expect(get('KV cache')).toBe('640 bytes per token | 640 KiB for the 1,024-token context in use (f16)');
    expect(get('Runs on')).toBe('cuda | all 5 layers + the output layer on the GPU');
    const cpu = headRows(stories, { ...facts, gpu: 'false', gpuLayers: 0 }).find((r) => r.label === 'Runs on');
    expect(cpu).toMatchObject({ value: 'CPU', note: '4 threads' });
  });

  it('computes the KV cache saving of grouped-query attention for Llama-3.2-1B', () => {
    const saving = kvSaving(llama1b)!;
    // 16 layers × 8 KV heads × (64 + 64) key and value numbers × 2 bytes per token.
    expect(saving.actualPer1k).toBe(16 * 8 * 128 * 2 * 1000);
    expect(saving.fullPer1k).toBe(16 * 32 * 128 * 2 * 1000);
    expect(saving.factor).toBe(4);
    const gqa = explanations(llama1b).find((e) => e.id === 'gqa')!;
    const text = gqa.paragraphs.join(' ');
    expect(text).toContain('32 query heads but only 8 KV heads');
    expect(text).toContain('4× less');
    expect(text).toContain('31.3 MiB per 1,000 tokens');
    expect(text).toContain('125 MiB per 1,000 tokens');
  });

  it('writes every explanation with this model’s own numbers', () => {
    const all = explanations(stories);
    expect(all.map((e) => e.id)).toEqual(['layer', 'decoder-only', 'embeddings', 'gqa', 'lm-head']);
    const text = (id: string): string => all.find((e) => e.id === id)!.paragraphs.join(' ');
    expect(text('layer')).toContain('5 such layers');
    expect(text('layer')).toContain('172 numbers');
    expect(text('embeddings')).toContain('512 rows × 64 numbers');
    expect(text('gqa')).toContain('2× less');
    expect(text('lm-head')).toContain('64 × 512');
    expect(explanations(llama1b).find((e) => e.id === 'lm-head')!.paragraphs[0]).toContain('tied');
    const mha = explanations(presets.get('phi3')!).find((e) => e.id === 'gqa')!;
    expect(mha.title).toBe('The KV cache');
  });

  it('splits the parameters by component, with a tied lm_head as a note', () => {
    const bars = componentBars(llama1b);
    expect(bars.find((b) => b.label === 'lm_head')).toMatchObject({ parameters: 0, note: 'tied to embed_tokens' });
    const sum = bars.reduce((s, b) => s + b.share, 0);
    expect(sum).toBeCloseTo(1, 6);
    expect(componentBars(stories).find((b) => b.label === 'lm_head')!.parameters).toBe(32_768);
  });
});
