import koffi from 'koffi';
import { EvalCallback, GGML_TYPE_F32, GgmlTensor, type LlamaApi, type NativePointer } from './llama-library';

/**
 * Reading and writing the tensors llama.cpp's scheduler hands to cb_eval. One callback is
 * registered per process; what it does is the current plan's business, swapped per decode.
 */

export interface GraphTensor {
  readonly name: string;
  /** Dimensions, innermost first (ggml's ne). */
  readonly shape: readonly [number, number, number, number];
  readonly pointer: NativePointer;
}

/** What one decode wants from the graph. take() returns false to stop the computation (cancel). */
export interface CapturePlan {
  wants(name: string): boolean;
  take(tensor: GraphTensor): boolean;
}

interface DecodedTensor {
  type: number;
  ne: ArrayLike<bigint | number>;
  nb: ArrayLike<bigint | number>;
}

export function tensorHeader(api: LlamaApi, pointer: NativePointer): GraphTensor & { type: number; strides: number[] } {
  const decoded = koffi.decode(pointer, GgmlTensor) as DecodedTensor;
  const ne = Array.from(decoded.ne, Number);
  return {
    name: api.ggml_get_name(pointer),
    shape: [ne[0] ?? 1, ne[1] ?? 1, ne[2] ?? 1, ne[3] ?? 1],
    pointer,
    type: decoded.type,
    strides: Array.from(decoded.nb, Number),
  };
}

function assertContiguousF32(api: LlamaApi, pointer: NativePointer): GraphTensor {
  const header = tensorHeader(api, pointer);
  const [n0, n1, n2] = header.shape;
  const expected = [4, 4 * n0, 4 * n0 * n1, 4 * n0 * n1 * n2];
  if (header.type !== GGML_TYPE_F32 || header.strides.some((stride, i) => stride !== expected[i])) {
    throw new Error(`${header.name} is not a contiguous F32 tensor (type ${header.type}, strides ${header.strides.join(',')})`);
  }
  return header;
}

/** The tensor's values (CPU or GPU memory alike, through ggml_backend_tensor_get). */
export function readF32(api: LlamaApi, tensor: GraphTensor): Float32Array {
  assertContiguousF32(api, tensor.pointer);
  const [n0, n1, n2, n3] = tensor.shape;
  const data = new Float32Array(n0 * n1 * n2 * n3);
  api.ggml_backend_tensor_get(tensor.pointer, data, 0, data.byteLength);
  return data;
}

export function writeF32(api: LlamaApi, tensor: GraphTensor, data: Float32Array): void {
  assertContiguousF32(api, tensor.pointer);
  const [n0, n1, n2, n3] = tensor.shape;
  if (data.length !== n0 * n1 * n2 * n3) throw new Error(`${tensor.name}: ${data.length} values for a tensor of ${n0 * n1 * n2 * n3}`);
  api.ggml_backend_tensor_set(tensor.pointer, data, 0, data.byteLength);
}

/**
 * The process's one cb_eval. An exception thrown inside would cross into C++, so it is kept and
 * rethrown by runWithPlan once llama_decode has returned.
 */
export class EvalHook {
  /** The registered function pointer, for llama_context_params.cb_eval. */
  readonly callback: unknown;
  private plan: CapturePlan | null = null;
  private failure: unknown = null;

  constructor(private readonly api: LlamaApi) {
    this.callback = koffi.register((pointer: NativePointer, ask: boolean): boolean => this.onTensor(pointer, ask), koffi.pointer(EvalCallback));
  }

  private onTensor(pointer: NativePointer, ask: boolean): boolean {
    const plan = this.plan;
    if (plan === null) return !ask;
    try {
      if (ask) return plan.wants(this.api.ggml_get_name(pointer));
      return plan.take(tensorHeader(this.api, pointer));
    } catch (error) {
      this.failure ??= error;
      return false;
    }
  }

  /** Runs decode() with plan receiving the graph's tensors; returns decode's status. */
  runWithPlan(plan: CapturePlan, decode: () => number): number {
    this.plan = plan;
    this.failure = null;
    try {
      const status = decode();
      if (this.failure !== null) throw this.failure;
      return status;
    } finally {
      this.plan = null;
    }
  }
}
