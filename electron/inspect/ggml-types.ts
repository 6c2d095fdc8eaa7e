/**
 * GGML tensor types as stored in GGUF files. Block sizes and bytes per block come from ggml's
 * `type_traits` (ggml/src/ggml.c, checked with sizeof() on the block structs of llama.cpp as bundled
 * with node-llama-cpp 3.21.1), so tensor sizes can be computed without loading the native library.
 */
export interface GgmlTypeInfo {
  readonly id: number;
  readonly name: string;
  /** Elements per block; the innermost dimension must be a multiple of it. */
  readonly blockSize: number;
  readonly bytesPerBlock: number;
  /** Ids ggml no longer accepts in GGUF files (runtime repack formats, Q4_2/Q4_3); kept so old files are named. */
  readonly removed?: boolean;
}

const TYPES: readonly GgmlTypeInfo[] = [
  { id: 0, name: 'F32', blockSize: 1, bytesPerBlock: 4 },
  { id: 1, name: 'F16', blockSize: 1, bytesPerBlock: 2 },
  { id: 2, name: 'Q4_0', blockSize: 32, bytesPerBlock: 18 },
  { id: 3, name: 'Q4_1', blockSize: 32, bytesPerBlock: 20 },
  { id: 4, name: 'Q4_2', blockSize: 32, bytesPerBlock: 18, removed: true },
  { id: 5, name: 'Q4_3', blockSize: 32, bytesPerBlock: 20, removed: true },
  { id: 6, name: 'Q5_0', blockSize: 32, bytesPerBlock: 22 },
  { id: 7, name: 'Q5_1', blockSize: 32, bytesPerBlock: 24 },
  { id: 8, name: 'Q8_0', blockSize: 32, bytesPerBlock: 34 },
  { id: 9, name: 'Q8_1', blockSize: 32, bytesPerBlock: 36 },
  { id: 10, name: 'Q2_K', blockSize: 256, bytesPerBlock: 84 },
  { id: 11, name: 'Q3_K', blockSize: 256, bytesPerBlock: 110 },
  { id: 12, name: 'Q4_K', blockSize: 256, bytesPerBlock: 144 },
  { id: 13, name: 'Q5_K', blockSize: 256, bytesPerBlock: 176 },
  { id: 14, name: 'Q6_K', blockSize: 256, bytesPerBlock: 210 },
  { id: 15, name: 'Q8_K', blockSize: 256, bytesPerBlock: 292 },
  { id: 16, name: 'IQ2_XXS', blockSize: 256, bytesPerBlock: 66 },
  { id: 17, name: 'IQ2_XS', blockSize: 256, bytesPerBlock: 74 },
  { id: 18, name: 'IQ3_XXS', blockSize: 256, bytesPerBlock: 98 },
  { id: 19, name: 'IQ1_S', blockSize: 256, bytesPerBlock: 50 },
  { id: 20, name: 'IQ4_NL', blockSize: 32, bytesPerBlock: 18 },
  { id: 21, name: 'IQ3_S', blockSize: 256, bytesPerBlock: 110 },
  { id: 22, name: 'IQ2_S', blockSize: 256, bytesPerBlock: 82 },
  { id: 23, name: 'IQ4_XS', blockSize: 256, bytesPerBlock: 136 },
  { id: 24, name: 'I8', blockSize: 1, bytesPerBlock: 1 },
  { id: 25, name: 'I16', blockSize: 1, bytesPerBlock: 2 },
  { id: 26, name: 'I32', blockSize: 1, bytesPerBlock: 4 },
  { id: 27, name: 'I64', blockSize: 1, bytesPerBlock: 8 },
  { id: 28, name: 'F64', blockSize: 1, bytesPerBlock: 8 },
  { id: 29, name: 'IQ1_M', blockSize: 256, bytesPerBlock: 56 },
  { id: 30, name: 'BF16', blockSize: 1, bytesPerBlock: 2 },
  { id: 31, name: 'Q4_0_4_4', blockSize: 32, bytesPerBlock: 18, removed: true },
  { id: 32, name: 'Q4_0_4_8', blockSize: 32, bytesPerBlock: 18, removed: true },
  { id: 33, name: 'Q4_0_8_8', blockSize: 32, bytesPerBlock: 18, removed: true },
  { id: 34, name: 'TQ1_0', blockSize: 256, bytesPerBlock: 54 },
  { id: 35, name: 'TQ2_0', blockSize: 256, bytesPerBlock: 66 },
  { id: 36, name: 'IQ4_NL_4_4', blockSize: 32, bytesPerBlock: 18, removed: true },
  { id: 37, name: 'IQ4_NL_4_8', blockSize: 32, bytesPerBlock: 18, removed: true },
  { id: 38, name: 'IQ4_NL_8_8', blockSize: 32, bytesPerBlock: 18, removed: true },
  { id: 39, name: 'MXFP4', blockSize: 32, bytesPerBlock: 17 },
  { id: 40, name: 'NVFP4', blockSize: 64, bytesPerBlock: 36 },
  { id: 41, name: 'Q1_0', blockSize: 128, bytesPerBlock: 18 },
  { id: 42, name: 'Q2_0', blockSize: 64, bytesPerBlock: 18 },
];

const BY_ID = new Map(TYPES.map((t) => [t.id, t]));
const BY_NAME = new Map(TYPES.map((t) => [t.name, t]));

/** The ids the test writer and presets use by name. */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q8_0: 8,
  Q4_K: 12,
  Q6_K: 14,
  BF16: 30,
} as const;

export function ggmlTypeInfo(id: number): GgmlTypeInfo | undefined {
  return BY_ID.get(id);
}

export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return BY_NAME.get(name.toUpperCase());
}

/** Unknown ids (a newer ggml than this table) stay visible as `type#N` instead of failing the inspection. */
export function ggmlTypeName(id: number): string {
  return BY_ID.get(id)?.name ?? `type#${id}`;
}

export function allGgmlTypes(): readonly GgmlTypeInfo[] {
  return TYPES;
}

/**
 * Bytes a tensor of this type and shape occupies, or null when the type is unknown or the innermost
 * dimension is not a whole number of blocks (ggml refuses such tensors; we report rather than guess).
 */
export function tensorBytes(typeId: number, dims: readonly number[]): number | null {
  const info = BY_ID.get(typeId);
  if (!info) return null;
  const inner = dims[0] ?? 1;
  if (inner % info.blockSize !== 0) return null;
  let rows = 1;
  for (let i = 1; i < dims.length; i++) rows *= dims[i] ?? 1;
  return (inner / info.blockSize) * info.bytesPerBlock * rows;
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}
