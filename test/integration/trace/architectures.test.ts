import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlassboxError } from '../../../electron/contract/errors';
import { traceTokens } from '../../../electron/trace/forward-trace';
import { TraceModelSession } from '../../../electron/trace/model-session';
import { writeGguf } from '../../fixtures/gguf-writer';
import { decoderModel, PRESETS, unknownArchModel, type PresetName } from '../../fixtures/synthetic-models';

// Every architecture the trace claims, on small synthetic GGUFs that real llama.cpp runs
// (random weights: the numbers mean nothing, the graph's shape and the lens's path do).

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'glassbox-trace-arch-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ARCHITECTURES: PresetName[] = ['llama', 'qwen2', 'qwen3', 'gemma2', 'gemma3', 'phi3'];

describe.each(ARCHITECTURES)('trace of a synthetic %s', (name) => {
  it('reads every layer’s causal attention and lenses the last layer to llama.cpp’s own output', async () => {
    const path = join(dir, `${name}.gguf`);
    // Renamed: llama.cpp gives a model *named* phi3 special-token handling that needs <|endoftext|>, which the placeholder vocabulary lacks.
    await writeGguf(path, decoderModel({ ...PRESETS[name], name: 'synthetic' }));
    const session = await TraceModelSession.open(path, { threads: 1 });
    try {
      expect(session.model.architecture).toBe(name);
      const layers: Float32Array[] = [];
      // Token ids, not text: the placeholder vocabulary has no byte pieces for llama.cpp's tokenizer to fall back on.
      const trace = await traceTokens(session, [1, 3, 4, 5, 6, 7, 8, 9], 'all', { onAttention: (layer, w) => void (layers[layer] = w) });
      const n = trace.tokens.length;
      expect(n).toBeGreaterThan(3);
      expect(layers).toHaveLength(session.model.layers);
      for (const w of layers) {
        for (let r = 0; r < session.model.heads * n; r += 1) {
          const q = r % n;
          const rowValues = Array.from(w.subarray(r * n, r * n + n));
          expect(Math.abs(rowValues.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
          expect(rowValues.slice(q + 1).every((p) => p === 0)).toBe(true);
        }
      }
      for (const position of trace.lens) {
        const last = position.layers[session.model.layers - 1]?.top ?? [];
        expect(last.map((c) => c.id)).toEqual(position.final.map((c) => c.id));
        position.final.forEach((c, i) => expect(Math.abs(c.p - (last[i]?.p ?? NaN))).toBeLessThan(1e-3));
      }
    } finally {
      session.close();
    }
  });
});

describe('an architecture the trace does not know', () => {
  it('is refused with a typed error that names it', async () => {
    const path = join(dir, 'mystery.gguf');
    await writeGguf(path, unknownArchModel());
    const error = await TraceModelSession.open(path, { threads: 1 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GlassboxError);
    expect((error as GlassboxError).kind).toBe('trace-unsupported');
    expect((error as GlassboxError).message).toContain('Cannot trace this architecture yet (mysterynet)');
  });
});
