import { GlassboxError } from '../contract/errors';
import { LENS_TOP, type LensCandidate, type LensPosition, type TraceSummary } from '../contract/trace';
import { headStats, topAttended } from './attention-stats';
import { distribution } from './distribution';
import { ForwardCapture } from './forward-capture';
import { lensDistributions } from './logit-lens';
import type { TraceModelSession } from './model-session';
import { readF32, writeF32 } from './native/graph-tensors';
import { llamaApi } from './native/llama-library';

/**
 * Above this many lens vectors (positions × layers) 'auto' lenses only the last position: each
 * vector costs one token's forward pass, and lensing all 64 positions of a 1B model's prompt took
 * 8-12× the plain evaluation (trace.ratioToEvalLensAll) against the goal of 3×.
 */
export const MAX_AUTO_LENS_VECTORS = 512;
const TOP_ATTENDED = 3;

export type LensChoice = 'all' | 'last' | 'auto';

export interface TraceEvents {
  onAttention?: (layer: number, weights: Float32Array) => void;
  onProgress?: (stage: 'forward' | 'lens', done: number, total: number) => void;
  isCancelled?: () => boolean;
}

export type ForwardTrace = Omit<TraceSummary, 'traceId'>;

export function lensPositions(choice: LensChoice, tokens: number, layers: number): number[] {
  const all = choice === 'all' || (choice === 'auto' && tokens * layers <= MAX_AUTO_LENS_VECTORS);
  return all ? Array.from({ length: tokens }, (_, i) => i) : [tokens - 1];
}

/** One forward pass over text: every layer's attention (streamed to onAttention), residual statistics and the logit lens. */
export async function traceText(session: TraceModelSession, text: string, lens: LensChoice, events: TraceEvents = {}): Promise<ForwardTrace> {
  const ids = session.tokenize(text);
  if (ids.length === 0) throw new GlassboxError('invalid-argument', 'The text has no tokens to trace.');
  if (ids.length > session.capacity) {
    throw new GlassboxError('invalid-argument', `The text is ${ids.length} tokens; a trace holds at most ${session.capacity}.`);
  }
  return traceTokens(session, ids, lens, events);
}

export async function traceTokens(session: TraceModelSession, ids: readonly number[], lens: LensChoice, events: TraceEvents = {}): Promise<ForwardTrace> {
  const api = llamaApi();
  const { model } = session;
  const n = ids.length;
  const positions = lensPositions(lens, n, model.layers);
  const stats: ForwardTrace['layers'] = [];
  const started = performance.now();
  const capture = new ForwardCapture({
    tokens: n,
    layers: model.layers,
    heads: model.heads,
    keep: positions,
    read: (tensor) => readF32(api, tensor),
    onAttention: (layer, weights) => {
      stats[layer] = {
        index: layer,
        sliding: session.sliding[layer] ?? false,
        heads: headStats(weights, model.heads, n),
        topAttended: topAttended(weights, model.heads, n, TOP_ATTENDED),
        residualNorm: [],
        similarityToPrevious: [],
      };
      events.onAttention?.(layer, weights);
    },
    onLayerDone: (layer) => events.onProgress?.('forward', layer + 1, model.layers),
    isCancelled: events.isCancelled,
  });
  session.decode(ids, capture);
  const finals = positions.map((p) => distribution(session.logits(p), LENS_TOP));
  const forwardMs = performance.now() - started;

  capture.layers.forEach((layer, i) => {
    const entry = stats[i];
    if (entry !== undefined) Object.assign(entry, layer);
  });
  const candidate = (id: number, p: number): LensCandidate => ({ id, text: session.piece(id), p });
  // The vectors after each layer (kept[p][0] is the embedding, not lensed).
  const vectors = positions.flatMap((p) => (capture.kept.get(p) ?? []).slice(1));
  const lensStarted = performance.now();
  // Let the forward pass's messages (attention, progress) leave before the lens starts.
  await new Promise((resolve) => setImmediate(resolve));
  const read = await lensDistributions(
    { capacity: session.capacity, layers: model.layers, decode: (t, plan) => session.decode(t, plan), logits: (i) => session.logits(i) },
    { write: (tensor, data) => writeF32(api, tensor, data) },
    vectors,
    ids[0] ?? 0,
    LENS_TOP,
    (done) => {
      events.onProgress?.('lens', done, vectors.length);
      return !(events.isCancelled?.() ?? false);
    },
  );
  if (read.length < vectors.length) throw new GlassboxError('cancelled', 'The trace was cancelled.');
  const lensOut: LensPosition[] = positions.map((position, i) => {
    const final = finals[i];
    const predicted = final?.top[0]?.id ?? 0;
    return {
      position,
      final: (final?.top ?? []).map((c) => candidate(c.id, c.p)),
      layers: Array.from({ length: model.layers }, (_, layer) => {
        const d = read[i * model.layers + layer];
        return { layer, top: (d?.top ?? []).map((c) => candidate(c.id, c.p)), pFinal: d?.probability(predicted) ?? 0 };
      }),
    };
  });
  return {
    model,
    tokens: ids.map((id) => ({ id, text: session.piece(id) })),
    layers: stats,
    lens: lensOut,
    lensCoverage: positions.length === n ? 'all' : 'last',
    timings: { forwardMs, lensMs: performance.now() - lensStarted },
  };
}
