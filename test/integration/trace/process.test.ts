import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { GlassboxError } from '../../../electron/contract/errors';
import type { TraceProgress } from '../../../electron/contract/trace';
import { createTraceRunner } from '../../../electron/trace/launch';
import type { TraceJson } from '../../../electron/cli/trace';
import { PROJECT_ROOT, SMOLLM2_135M, STORIES_260K } from '../../models';

// Runs the built trace process (out/main/trace-worker.js) and CLI: build first (`npm run build`).

const run = promisify(execFile);

describe('the trace process', () => {
  const runner = createTraceRunner();
  afterAll(() => runner.dispose());

  it('streams every layer’s attention and progress, then the trace', async () => {
    const stages: TraceProgress['stage'][] = [];
    const layers: number[] = [];
    const trace = await runner.trace(
      { model: STORIES_260K(), threads: null, text: 'Once upon a time', lens: 'auto' },
      { onProgress: (stage) => stages.push(stage), onAttention: (layer, weights) => {
        layers.push(layer);
        expect(weights).toBeInstanceOf(Float32Array);
      } },
    ).result;
    expect(layers).toEqual([0, 1, 2, 3, 4]);
    expect(stages[0]).toBe('loading');
    expect(stages).toContain('forward');
    expect(stages).toContain('lens');
    expect(trace.lensCoverage).toBe('all');
    expect(trace.lens).toHaveLength(trace.tokens.length);
  });

  it('cancels a running trace by ending the process, and traces again afterwards', async () => {
    const text = Array.from({ length: 40 }, (_, i) => `Sentence ${i} is here.`).join(' ');
    let cancel: () => void = () => {};
    const running = runner.trace(
      { model: SMOLLM2_135M(), threads: null, text, lens: 'all' },
      // 'loading' is sent as the work starts; the process is then busy in llama.cpp for seconds.
      { onProgress: (stage) => {
        if (stage === 'loading') cancel();
      } },
    );
    cancel = running.cancel;
    const error = await running.result.then(() => null, (e: unknown) => e as GlassboxError);
    expect(error?.kind).toBe('cancelled');
    const again = await runner.trace({ model: STORIES_260K(), threads: null, text: 'Once upon a time', lens: 'last' }).result;
    expect(again.lensCoverage).toBe('last');
  });

  it('compares one word in two sentences', async () => {
    const vectors = await runner.compare({ model: STORIES_260K(), threads: null, a: 'The bird sat on the tree.', b: 'The dog saw a bird.', word: 'bird' }).result;
    expect(vectors.sameToken).toBe(true);
    expect(vectors.layers[0]?.cosine).toBeCloseTo(1, 6);
  });
});

describe('glassbox trace --json', () => {
  it('prints tokens and, per layer, attention[head][query][key] and the lens at every position', async () => {
    const { stdout } = await run(process.execPath, ['bin/glassbox.mjs', 'trace', STORIES_260K(), '--prompt', 'Once upon a time', '--json'], {
      cwd: PROJECT_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    const out = JSON.parse(stdout) as TraceJson;
    const n = out.tokens.length;
    expect(out.tokens[1]).toEqual({ id: expect.any(Number), text: ' Once' });
    expect(out.layers).toHaveLength(5);
    for (const layer of out.layers) {
      expect(layer.attention).toHaveLength(8);
      expect(layer.attention[0]).toHaveLength(n);
      expect(layer.attention[0]?.[0]).toEqual([1, ...Array.from({ length: n - 1 }, () => 0)]);
      expect(layer.lens.map((l) => l.position)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(layer.lens[0]?.top).toHaveLength(5);
    }
  });
});
