import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GgmlType } from '../../../electron/inspect/ggml-types';
import type { ModelDescription } from '../../../electron/contract/model-description';
import { CATALOGUE, catalogueShape } from '../../../electron/models/catalogue';
import { DEFAULT_LOAD_SETTINGS, type LoadSettings, type MachineMemory } from '../../../electron/contract/model-library';
import { estimateFit, shapeFromDescription } from '../../../electron/models/fit';
import { precheckModel } from '../../../electron/models/precheck';
import { writeGguf } from '../../fixtures/gguf-writer';
import { decoderModel, LLAMA32_1B, type DecoderConfig } from '../../fixtures/synthetic-models';

/** Llama-3.2-3B's published shape: 28 layers, 3072 wide, FFN 8192, 24 heads, 8 KV heads, tied embeddings. */
const LLAMA32_3B: DecoderConfig = { ...LLAMA32_1B, name: 'Llama-3.2-3B (synthetic)', layers: 28, embedding: 3072, feedForward: 8192, heads: 24, kvHeads: 8 };

const GB = 1e9;
/** Machines are sized in binary gigabytes, as the summaries print them. */
const GiB = 2 ** 30;
const cpuMachine = (ram: number): MachineMemory => ({ totalRam: ram, availableRam: ram, gpu: null });
const gpuMachine = (ram: number, vram: number): MachineMemory => ({
  totalRam: ram,
  availableRam: ram,
  gpu: { backend: 'cuda', devices: ['Test GPU'], totalVram: vram, freeVram: vram },
});
const settings = (patch: Partial<LoadSettings> = {}): LoadSettings => ({ ...DEFAULT_LOAD_SETTINGS, ...patch });

let dir = '';
let one: ModelDescription;
let three: ModelDescription;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-fit-'));
  // Sparse Q4_K files (header only on disk): the 1B is ~0.7 GB, the 3B ~1.8 GB of declared weights.
  const write = async (name: string, config: DecoderConfig): Promise<ModelDescription> => {
    const path = join(dir, name);
    await writeGguf(path, decoderModel(config, { weightType: GgmlType.Q4_K }), { mode: 'sparse' });
    return precheckModel(path);
  };
  one = await write('llama32-1b.gguf', LLAMA32_1B);
  three = await write('llama32-3b.gguf', LLAMA32_3B);
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fit estimates from GGUF headers', () => {
  it('reads the 1B and 3B shapes: parameters, KV bytes per token', () => {
    expect(one.parameters).toBe(1_235_814_400);
    expect(one.kvCache.bytesPerToken).toBe(16 * 8 * (64 + 64) * 2); // 32 KiB a token
    expect(three.parameters).toBe(3_212_749_824);
    expect(three.kvCache.bytesPerToken).toBe(28 * 8 * (128 + 128) * 2); // 112 KiB a token
    expect(three.tiedEmbeddings).toBe(true);
  });

  it('1B at 4096 tokens runs on the CPU in about 1.2 GB', () => {
    const fit = estimateFit(shapeFromDescription(one), settings(), cpuMachine(16 * GiB));
    expect(fit.verdict).toBe('cpu');
    expect(fit.contextSize).toBe(4096);
    expect(fit.kvCacheBytes).toBe(32768 * 4096);
    expect(fit.weightsBytes).toBeGreaterThan(0.69 * GB);
    expect(fit.weightsBytes).toBeLessThan(0.71 * GB);
    expect(fit.ramBytes).toBeGreaterThan(1.0 * GB);
    expect(fit.ramBytes).toBeLessThan(1.3 * GB);
    expect(fit.vramBytes).toBe(0);
    expect(fit.summary).toMatch(/^Runs on the CPU: about 1\.\d GB of 16 GB available RAM\.$/);
  });

  it('3B at 4096 tokens needs about 2.5 GB; at its full 131072 tokens the KV cache alone is 14 GB', () => {
    const small = estimateFit(shapeFromDescription(three), settings(), cpuMachine(16 * GiB));
    expect(small.verdict).toBe('cpu');
    expect(small.ramBytes).toBeGreaterThan(2.4 * GB);
    expect(small.ramBytes).toBeLessThan(2.9 * GB);
    const full = estimateFit(shapeFromDescription(three), settings({ contextSize: 131072 }), cpuMachine(12 * GiB));
    expect(full.kvCacheBytes).toBe(114688 * 131072);
    expect(full.verdict).toBe('too-large');
    expect(full.summary).toMatch(/^Does not fit: needs about \d+ GB of memory, 12 GB is available\./);
  });

  it('does not fit in a small machine, fits once the context is smaller', () => {
    expect(estimateFit(shapeFromDescription(three), settings({ contextSize: 32768 }), cpuMachine(4 * GiB)).verdict).toBe('too-large');
    expect(estimateFit(shapeFromDescription(three), settings({ contextSize: 2048 }), cpuMachine(4 * GiB)).verdict).toBe('cpu');
  });

  it('splits layers between GPU and CPU by free VRAM', () => {
    const shape = shapeFromDescription(three);
    const whole = estimateFit(shape, settings(), gpuMachine(16 * GiB, 8 * GiB));
    expect(whole.verdict).toBe('gpu');
    expect(whole.gpuLayers).toBe(28);
    expect(whole.vramBytes).toBeGreaterThan(2.3 * GB);
    const part = estimateFit(shape, settings(), gpuMachine(16 * GiB, 1.5 * GiB));
    expect(part.verdict).toBe('partial');
    expect(part.gpuLayers).toBeGreaterThan(0);
    expect(part.gpuLayers).toBeLessThan(28);
    expect(part.vramBytes).toBeLessThanOrEqual(1.5 * GiB);
    expect(part.ramBytes + part.vramBytes).toBeGreaterThan(whole.ramBytes + whole.vramBytes - 1); // a compute buffer on each side
    const manual = estimateFit(shape, settings({ gpuLayers: 10 }), gpuMachine(16 * GiB, 8 * GiB));
    expect(manual).toMatchObject({ verdict: 'partial', gpuLayers: 10 });
    expect(estimateFit(shape, settings({ gpuLayers: 0 }), gpuMachine(16 * GiB, 8 * GiB)).verdict).toBe('cpu');
    const tooMany = estimateFit(shape, settings({ gpuLayers: 28, contextSize: 65536 }), gpuMachine(64 * GiB, 4 * GiB));
    expect(tooMany.verdict).toBe('too-large');
    expect(tooMany.summary).toMatch(/VRAM/);
  });

  it('logs the estimates for the record', () => {
    const rows = [
      ['1B', one, 4096],
      ['1B', one, 131072],
      ['3B', three, 4096],
      ['3B', three, 131072],
    ] as const;
    for (const [label, d, context] of rows) {
      const f = estimateFit(shapeFromDescription(d), settings({ contextSize: context }), cpuMachine(16 * GiB));
      const mib = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MiB`;
      console.log(`${label} ctx ${context}: weights ${mib(f.weightsBytes)}, KV ${mib(f.kvCacheBytes)}, compute ${mib(f.computeBytes)}, RAM ${mib(f.ramBytes)} -> ${f.verdict}`);
    }
  });

  it('flash attention (on, or auto as llama.cpp resolves it) drops the attention scores from the compute buffer', () => {
    const shape = shapeFromDescription(one);
    const plain = estimateFit(shape, settings({ contextSize: 32768, flashAttention: false }), cpuMachine(64 * GiB));
    const flash = estimateFit(shape, settings({ contextSize: 32768, flashAttention: true }), cpuMachine(64 * GiB));
    expect(flash.computeBytes).toBeLessThan(plain.computeBytes / 4);
    expect(estimateFit(shape, settings({ contextSize: 32768 }), cpuMachine(64 * GiB)).computeBytes).toBe(flash.computeBytes);
  });

  it('the catalogue entries for the same models estimate within 25% of the headers', () => {
    for (const [id, d] of [['llama-3.2-1b-instruct', one], ['llama-3.2-3b-instruct', three]] as const) {
      const entry = CATALOGUE.find((m) => m.id === id);
      expect(entry).toBeDefined();
      const fromCatalogue = estimateFit(catalogueShape(entry!), settings(), cpuMachine(16 * GiB), true);
      const fromHeader = estimateFit(shapeFromDescription(d), settings(), cpuMachine(16 * GiB));
      expect(fromCatalogue.kvBytesPerToken).toBe(fromHeader.kvBytesPerToken);
      expect(Math.abs(fromCatalogue.ramBytes - fromHeader.ramBytes) / fromHeader.ramBytes).toBeLessThan(0.25);
      expect(fromCatalogue.approximate).toBe(true);
    }
  });
});
