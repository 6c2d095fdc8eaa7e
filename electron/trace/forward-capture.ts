import type { CapturePlan, GraphTensor } from './native/graph-tensors';
import { cosine, norm, row } from './vector-math';

/**
 * What the trace reads from one decode of n tokens, layer by layer as llama.cpp computes them:
 * `embd` (the token embeddings), `kq_soft_max-<il>` (attention probabilities, [n_kv, n, heads])
 * and `l_out-<il>` (the residual stream after the layer, [dim, n]). Each layer's tensors are
 * reduced as they arrive and dropped, so memory stays at one layer plus the rows kept for the lens.
 */

export interface LayerAttentionSink {
  /** weights: [head][query][key] over the n tokens, flat. */
  (layer: number, weights: Float32Array): void;
}

export interface CapturedLayer {
  residualNorm: number[];
  similarityToPrevious: number[];
}

export interface ForwardCaptureOptions {
  tokens: number;
  layers: number;
  heads: number;
  /** Positions whose vectors are kept at every layer (for the lens and for word vectors). */
  keep: readonly number[];
  /** Null when the attention is not wanted (word vectors). */
  onAttention: LayerAttentionSink | null;
  onLayerDone?: (layer: number) => void;
  isCancelled?: () => boolean;
  read(tensor: GraphTensor): Float32Array;
}

const ATTENTION = /^kq_soft_max-(\d+)$/;
const LAYER_OUT = /^l_out-(\d+)$/;
const EMBEDDING = 'embd';

export class ForwardCapture implements CapturePlan {
  readonly layers: CapturedLayer[] = [];
  /** kept[position] = [embedding, after layer 0, …, after layer L-1]. */
  readonly kept = new Map<number, Float32Array[]>();
  private previous: Float32Array | null = null;
  private dim = 0;

  constructor(private readonly options: ForwardCaptureOptions) {
    for (const position of options.keep) this.kept.set(position, []);
  }

  wants(name: string): boolean {
    if (name === EMBEDDING) return this.previous === null;
    if (ATTENTION.test(name)) return this.options.onAttention !== null;
    return LAYER_OUT.test(name);
  }

  take(tensor: GraphTensor): boolean {
    const attention = ATTENTION.exec(tensor.name);
    if (attention !== null) this.takeAttention(Number(attention[1]), tensor);
    else if (tensor.name === EMBEDDING) this.takeEmbedding(tensor);
    else {
      const layer = LAYER_OUT.exec(tensor.name);
      if (layer !== null) this.takeResidual(Number(layer[1]), tensor);
    }
    return !(this.options.isCancelled?.() ?? false);
  }

  private takeEmbedding(tensor: GraphTensor): void {
    const data = this.checkedRows(tensor);
    this.previous = data;
    for (const [position, rows] of this.kept) rows.push(row(data, this.dim, position).slice());
  }

  private takeAttention(layer: number, tensor: GraphTensor): void {
    const { tokens: n, heads } = this.options;
    const [nKv, queries, h] = tensor.shape;
    if (queries !== n || h !== heads || nKv < n) throw new Error(`${tensor.name} has shape ${tensor.shape.join('×')}, expected [≥${n}, ${n}, ${heads}]`);
    const source = this.options.read(tensor);
    // Keep only the keys that are our tokens (the cache is padded to 256 cells).
    const weights = new Float32Array(heads * n * n);
    for (let r = 0; r < heads * n; r += 1) weights.set(source.subarray(r * nKv, r * nKv + n), r * n);
    this.options.onAttention?.(layer, weights);
  }

  private takeResidual(layer: number, tensor: GraphTensor): void {
    const data = this.checkedRows(tensor);
    const n = this.options.tokens;
    const residualNorm: number[] = [];
    const similarityToPrevious: number[] = [];
    for (let p = 0; p < n; p += 1) {
      const current = row(data, this.dim, p);
      residualNorm.push(norm(current));
      similarityToPrevious.push(this.previous === null ? 1 : cosine(row(this.previous, this.dim, p), current));
    }
    this.layers[layer] = { residualNorm, similarityToPrevious };
    for (const [position, rows] of this.kept) rows.push(row(data, this.dim, position).slice());
    this.previous = data;
    this.options.onLayerDone?.(layer);
  }

  private checkedRows(tensor: GraphTensor): Float32Array {
    const [dim, rows] = tensor.shape;
    if (rows !== this.options.tokens) {
      throw new Error(`${tensor.name} has ${rows} rows for ${this.options.tokens} tokens: outputs must be requested at every position`);
    }
    this.dim = dim;
    return this.options.read(tensor);
  }
}
