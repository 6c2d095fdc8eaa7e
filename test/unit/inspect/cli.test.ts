import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../electron/cli/args';
import { runInspect } from '../../../electron/cli/inspect';
import { writeGguf } from '../../fixtures/gguf-writer';
import { presetModel } from '../../fixtures/synthetic-models';

let dir = '';
let path = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-cli-'));
  path = join(dir, 'tiny.gguf');
  await writeGguf(path, presetModel('qwen2'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await runInspect(argv), out };
  } finally {
    spy.mockRestore();
  }
}

describe('glassbox inspect', () => {
  it('--json prints the documented fields with 2-space indent', async () => {
    const { code, out } = await capture([path, '--json']);
    expect(code).toBe(0);
    expect(out).toMatch(/^\{\n {2}"file"/);
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(json).toMatchObject({
      architecture: 'qwen2',
      layers: 2,
      embeddingLength: 64,
      feedForwardLength: 128,
      contextLength: 512,
      vocabSize: 256,
      attention: { heads: 4, kvHeads: 2, headDim: 16, groupSize: 2 },
      tiedEmbeddings: true,
    });
    expect(typeof json.parameters).toBe('number');
    type Node = { name: string; children: Node[] };
    const all: Node[] = [];
    const walk = (n: Node): void => {
      all.push(n);
      n.children.forEach(walk);
    };
    walk(json.modules as Node);
    expect(all.find((n) => n.name === 'layers.0.self_attn.k_proj')).toMatchObject({ kind: 'linear', in: 64, out: 32, bias: true, type: 'F32' });
  });

  it('prints a PyTorch-style tree without --json', async () => {
    const { out } = await capture([path, '--context', '4096']);
    expect(out).toContain('Qwen2ForCausalLM(\n  (model): Qwen2Model(');
    expect(out).toContain('(0-1): 2 x Qwen2DecoderLayer(');
    expect(out).toContain('2 query heads share each KV head');
    expect(out).toMatch(/KV cache \(f16\): 256 B per token, 1\.00 MiB for 4096 tokens/);
  });

  it('rejects bad usage', async () => {
    await expect(runInspect([])).rejects.toBeInstanceOf(UsageError);
    await expect(runInspect([path, '--context', 'lots'])).rejects.toBeInstanceOf(UsageError);
    await expect(runInspect([join(dir, 'missing.gguf')])).rejects.toMatchObject({ kind: 'not-found' });
  });
});
