import { open, type FileHandle } from 'node:fs/promises';
import { GlassboxError } from '../contract/errors';
import { ggmlTypeInfo, ggmlTypeName, tensorBytes } from './ggml-types';
import { invalid, NEED_MORE, Window } from './gguf-window';

/** GGUF metadata value types (gguf.h `enum gguf_type`). */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type GgufValueTypeId = (typeof GgufValueType)[keyof typeof GgufValueType];

/**
 * An array value. `values` is null when the reader skipped it (see ReadGgufOptions.keepArrays): the
 * tokenizer's 128k tokens and 280k merges are most of a header and most views need only their count.
 */
export interface GgufArray {
  readonly itemType: GgufValueTypeId;
  readonly length: number;
  readonly values: GgufValue[] | null;
}

/** 64-bit integers become numbers when they are safe integers, bigints otherwise. */
export type GgufValue = number | bigint | boolean | string | GgufArray;

export interface GgufKv {
  readonly key: string;
  readonly type: GgufValueTypeId;
  readonly value: GgufValue;
}

export interface GgufTensorInfo {
  readonly name: string;
  /** Innermost first, as GGUF stores them: a Linear's weight is [in_features, out_features]. */
  readonly dims: readonly number[];
  readonly type: number;
  readonly typeName: string;
  /** Relative to the start of the data section. */
  readonly offset: number;
  readonly fileOffset: number;
  /** Null when the type id is unknown to ggml-types.ts. */
  readonly bytes: number | null;
}

export interface GgufFileInfo {
  readonly path: string;
  readonly fileSize: number;
  readonly version: number;
  readonly alignment: number;
  /** Where tensor data starts (end of the header, aligned). */
  readonly dataOffset: number;
  readonly metadata: ReadonlyMap<string, GgufKv>;
  readonly tensors: readonly GgufTensorInfo[];
  /** Bytes actually read from disk: the header (plus re-reads when it outgrew a window), never tensor data. */
  readonly bytesRead: number;
}

export interface ReadGgufOptions {
  /**
   * Which arrays keep their values: 'small' (up to smallArrayLimit items, the default), 'all', or the
   * keys listed (plus small ones). Skipped arrays keep their type and length.
   */
  readonly keepArrays?: 'small' | 'all' | readonly string[];
  readonly smallArrayLimit?: number;
}

const MAGIC = 0x46554747; // "GGUF" read little-endian
const DEFAULT_ALIGNMENT = 32;
const MAX_DIMS = 4;
const MAX_ARRAY_DEPTH = 8;
const FIXED_SIZE: Partial<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
/** Smallest encoding of one item, used to reject counts the rest of the file cannot hold. */
const MIN_ITEM_SIZE: Record<number, number> = { ...(FIXED_SIZE as Record<number, number>), 8: 8, 9: 12 };

/** Reads a GGUF v2/v3 header: metadata, tensor infos, alignment and data offset. Tensor data is never read. */
export async function readGgufHeader(path: string, options: ReadGgufOptions = {}): Promise<GgufFileInfo> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GlassboxError('not-found', `Model file not found: ${path}`, { cause: error });
    throw new GlassboxError('model-invalid', `Cannot open ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw invalid(path, 'is not a regular file.');
    return await parse(handle, path, stat.size, options);
  } finally {
    await handle.close();
  }
}

async function parse(handle: FileHandle, path: string, fileSize: number, options: ReadGgufOptions): Promise<GgufFileInfo> {
  const w = new Window(path, fileSize);
  const keep = arrayKeeper(options);

  if (fileSize < 4) throw invalid(path, `is not a GGUF model file (only ${fileSize} bytes).`);
  let version = 0;
  let tensorCount = 0;
  let kvCount = 0;
  await resumable(w, handle, () => {
    const at = w.take(4, 'magic');
    if (w.buf.readUInt32LE(at) !== MAGIC) {
      const head = [...w.buf.subarray(at, at + 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      throw invalid(path, `is not a GGUF model file (it starts with bytes ${head}, not "GGUF").`);
    }
    version = w.u32('version');
    if (version !== 2 && version !== 3) {
      const swapped = ((version & 0xff) << 24) | ((version >>> 8) & 0xff) << 16 | ((version >>> 16) & 0xff) << 8 | (version >>> 24);
      if (swapped === 2 || swapped === 3) throw invalid(path, 'is a big-endian GGUF file, which Glassbox cannot read.');
      throw invalid(path, `uses GGUF version ${version}; only versions 2 and 3 are supported. Convert it again with a current llama.cpp.`);
    }
    tensorCount = w.count('the tensor count', 24);
    kvCount = w.count('the metadata key count', 12);
  });

  const metadata = new Map<string, GgufKv>();
  let index = 0;
  await resumable(w, handle, () => {
    for (; index < kvCount; index++) {
      const key = w.string(`metadata key #${index}`);
      const type = w.u32(`type of ${key}`);
      const value = readValue(w, type, key, keep(key), 0);
      if (metadata.has(key)) throw invalid(path, `metadata key "${key}" appears twice; the header is corrupt.`);
      metadata.set(key, { key, type: type as GgufValueTypeId, value });
      w.checkpoint();
    }
  });

  const raw: { name: string; dims: number[]; type: number; offset: number }[] = [];
  await resumable(w, handle, () => {
    while (raw.length < tensorCount) {
      const name = w.string(`name of tensor #${raw.length}`);
      const nDims = w.u32(`dimension count of ${name}`);
      if (nDims > MAX_DIMS) throw invalid(path, `tensor ${name} has ${nDims} dimensions; GGUF allows at most ${MAX_DIMS}.`);
      const dims: number[] = [];
      let elements = 1;
      for (let d = 0; d < nDims; d++) {
        const dim = w.size(`dimension ${d} of ${name}`);
        elements *= dim;
        dims.push(dim);
      }
      if (!Number.isSafeInteger(elements)) throw invalid(path, `tensor ${name} has an absurd shape [${dims.join(', ')}]; the header is corrupt.`);
      const type = w.u32(`type of ${name}`);
      const offset = w.size(`data offset of ${name}`);
      raw.push({ name, dims, type, offset });
      w.checkpoint();
    }
  });

  const alignment = readAlignment(path, metadata);
  const dataOffset = Math.ceil(w.pos / alignment) * alignment;
  const tensors = finishTensors(path, raw, alignment, dataOffset, fileSize);
  return { path, fileSize, version, alignment, dataOffset, metadata, tensors, bytesRead: w.bytesRead };
}

async function resumable(w: Window, handle: FileHandle, step: () => void): Promise<void> {
  w.checkpoint();
  for (;;) {
    try {
      step();
      return;
    } catch (error) {
      if (error !== NEED_MORE) throw error;
      await w.fill(handle, w.mark);
    }
  }
}

function arrayKeeper(options: ReadGgufOptions): (key: string) => (length: number) => boolean {
  const limit = options.smallArrayLimit ?? 1024;
  const mode = options.keepArrays ?? 'small';
  if (mode === 'all') return () => () => true;
  const named = new Set(mode === 'small' ? [] : mode);
  return (key) => (named.has(key) ? () => true : (length) => length <= limit);
}

function readValue(w: Window, type: number, key: string, keep: (length: number) => boolean, depth: number): GgufValue {
  const buf = w.buf;
  switch (type) {
    case GgufValueType.UINT8:
      return buf.readUInt8(w.take(1, key));
    case GgufValueType.INT8:
      return buf.readInt8(w.take(1, key));
    case GgufValueType.UINT16:
      return buf.readUInt16LE(w.take(2, key));
    case GgufValueType.INT16:
      return buf.readInt16LE(w.take(2, key));
    case GgufValueType.UINT32:
      return buf.readUInt32LE(w.take(4, key));
    case GgufValueType.INT32:
      return buf.readInt32LE(w.take(4, key));
    case GgufValueType.FLOAT32:
      return buf.readFloatLE(w.take(4, key));
    case GgufValueType.BOOL:
      return buf.readUInt8(w.take(1, key)) !== 0;
    case GgufValueType.STRING:
      return w.string(key);
    case GgufValueType.UINT64:
      return safe(buf.readBigUInt64LE(w.take(8, key)));
    case GgufValueType.INT64:
      return safe(buf.readBigInt64LE(w.take(8, key)));
    case GgufValueType.FLOAT64:
      return buf.readDoubleLE(w.take(8, key));
    case GgufValueType.ARRAY:
      return readArray(w, key, keep, depth);
    default:
      throw invalid(w.path, `metadata key "${key}" has unknown value type ${type}; the header is corrupt or from a newer GGUF version.`);
  }
}

function readArray(w: Window, key: string, keep: (length: number) => boolean, depth: number): GgufArray {
  if (depth >= MAX_ARRAY_DEPTH) throw invalid(w.path, `metadata key "${key}" nests arrays more than ${MAX_ARRAY_DEPTH} deep; the header is corrupt.`);
  const itemType = w.u32(`item type of ${key}`);
  const minSize = MIN_ITEM_SIZE[itemType];
  if (minSize === undefined) throw invalid(w.path, `metadata array "${key}" has unknown item type ${itemType}; the header is corrupt.`);
  const length = w.count(`the length of array ${key}`, minSize);
  const fixed = FIXED_SIZE[itemType];
  if (!keep(length)) {
    if (fixed !== undefined) w.take(length * fixed, key);
    else if (itemType === GgufValueType.STRING) w.skipStrings(length, key);
    else for (let i = 0; i < length; i++) readArray(w, key, () => false, depth + 1);
    return { itemType: itemType as GgufValueTypeId, length, values: null };
  }
  const values: GgufValue[] = new Array<GgufValue>(length);
  for (let i = 0; i < length; i++) values[i] = readValue(w, itemType, key, keep, depth + 1);
  return { itemType: itemType as GgufValueTypeId, length, values };
}

function safe(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

function readAlignment(path: string, metadata: ReadonlyMap<string, GgufKv>): number {
  const kv = metadata.get('general.alignment');
  if (!kv) return DEFAULT_ALIGNMENT;
  const value = kv.value;
  if (kv.type !== GgufValueType.UINT32 || typeof value !== 'number' || value === 0 || (value & (value - 1)) !== 0) {
    throw invalid(path, `general.alignment must be a u32 power of two (found ${String(value)}).`);
  }
  return value;
}

function finishTensors(
  path: string,
  raw: readonly { name: string; dims: number[]; type: number; offset: number }[],
  alignment: number,
  dataOffset: number,
  fileSize: number,
): GgufTensorInfo[] {
  const seen = new Set<string>();
  // Only tensor extents count: a vocab-only file legitimately ends before its aligned data offset.
  let end = 0;
  const tensors = raw.map(({ name, dims, type, offset }) => {
    if (seen.has(name)) throw invalid(path, `tensor ${name} appears twice; the header is corrupt.`);
    seen.add(name);
    if (offset % alignment !== 0) throw invalid(path, `tensor ${name} starts at data offset ${offset}, which is not a multiple of the alignment ${alignment}.`);
    const info = ggmlTypeInfo(type);
    const bytes = tensorBytes(type, dims);
    if (info && bytes === null) {
      throw invalid(path, `tensor ${name} has rows of ${dims[0] ?? 1} elements, not a whole number of ${info.name} blocks of ${info.blockSize}.`);
    }
    const fileOffset = dataOffset + offset;
    if (bytes !== null) end = Math.max(end, fileOffset + bytes);
    return { name, dims, type, typeName: ggmlTypeName(type), offset, fileOffset, bytes };
  });
  if (end > fileSize) {
    throw invalid(path, `the model file is truncated: expected ${end} bytes, file has ${fileSize}. The download may be incomplete.`);
  }
  return tensors;
}

/* Typed accessors: GGUF files disagree on integer widths (u32 vs u64 vs i32), so callers ask for a number. */

export function metaNumber(info: GgufFileInfo, key: string): number | null {
  const value = info.metadata.get(key)?.value;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return null;
}

export function metaString(info: GgufFileInfo, key: string): string | null {
  const value = info.metadata.get(key)?.value;
  return typeof value === 'string' ? value : null;
}

export function metaArray(info: GgufFileInfo, key: string): GgufArray | null {
  const value = info.metadata.get(key)?.value;
  return typeof value === 'object' ? value : null;
}
