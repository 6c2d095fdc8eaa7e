import type { CapturePlan, GraphTensor } from './native/graph-tensors';
import { distribution, type Distribution } from './distribution';

/**
 * The logit lens done by llama.cpp itself: a decode of k placeholder tokens whose last-layer
 * residual (`l_out-<L-1>`, computed just before the final norm) we overwrite with k residual
 * vectors read earlier. The graph then applies the model's own final norm (its epsilon, Gemma's
 * weight convention), output head (tied or not, any quantization) and final soft-capping, so each
 * output row is exactly "this vector, read out as if it were the last layer's". The placeholder
 * tokens' forward pass is the price: one token's compute per vector.
 */

export interface LensDecoder {
  readonly capacity: number;
  readonly layers: number;
  decode(tokens: readonly number[], plan: CapturePlan): void;
  logits(output: number): Float32Array;
}

export interface LensTensorIo {
  write(tensor: GraphTensor, data: Float32Array): void;
}

class InjectLastResidual implements CapturePlan {
  constructor(
    private readonly name: string,
    private readonly vectors: Float32Array,
    private readonly dim: number,
    private readonly io: LensTensorIo,
  ) {}

  wants(name: string): boolean {
    return name === this.name;
  }

  take(tensor: GraphTensor): boolean {
    const [dim, rows] = tensor.shape;
    if (dim !== this.dim || rows * dim !== this.vectors.length) throw new Error(`${tensor.name} is ${dim}×${rows}, the lens has ${this.vectors.length / this.dim} vectors of ${this.dim}`);
    this.io.write(tensor, this.vectors);
    return true;
  }
}

/**
 * Each vector's next-token distribution as the output head reads it, in batches of the decoder's
 * capacity; `onBatch` reports progress and may stop the work (returns false). Between batches the
 * event loop runs, so a trace process's progress messages leave while it works.
 */
export async function lensDistributions(
  decoder: LensDecoder,
  io: LensTensorIo,
  vectors: readonly Float32Array[],
  placeholder: number,
  k: number,
  onBatch: (done: number) => boolean = () => true,
): Promise<Distribution[]> {
  const out: Distribution[] = [];
  const dim = vectors[0]?.length ?? 0;
  for (let start = 0; start < vectors.length; start += decoder.capacity) {
    const chunk = vectors.slice(start, start + decoder.capacity);
    const packed = new Float32Array(chunk.length * dim);
    chunk.forEach((vector, i) => packed.set(vector, i * dim));
    const plan = new InjectLastResidual(`l_out-${decoder.layers - 1}`, packed, dim, io);
    decoder.decode(
      chunk.map(() => placeholder),
      plan,
    );
    for (let i = 0; i < chunk.length; i += 1) out.push(distribution(decoder.logits(i), k));
    if (!onBatch(out.length)) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}
