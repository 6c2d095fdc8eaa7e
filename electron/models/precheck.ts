import { basename } from 'node:path';
import { GlassboxError } from '../contract/errors';
import { describeModel } from '../inspect/describe';
import type { ModelDescription } from '../contract/model-description';
import { readGgufHeader, type GgufFileInfo } from '../inspect/gguf-reader';

/** More blocks than any published model has by far (the deepest are ~150); a bigger count is corruption. */
export const MAX_LAYERS = 1024;

/**
 * Reads a model's header with our own reader and refuses what llama.cpp must never see: not a GGUF
 * file, a truncated one, a corrupt header (absurd counts, empty keys, a layer count its tensors do not
 * back). It reads the header only (milliseconds), so it runs before every load.
 */
export async function precheckModel(path: string, contextLength?: number): Promise<ModelDescription> {
  const info = await readGgufHeader(path);
  const problem = headerProblem(info);
  if (problem !== null) throw new GlassboxError('model-invalid', `${basename(path)} is not a usable model: ${problem}`);
  return describeModel(info, contextLength !== undefined ? { contextLength } : {});
}

/** Why the header is unusable, or null. */
export function headerProblem(info: GgufFileInfo): string | null {
  for (const key of info.metadata.keys()) {
    if (key.length === 0) return 'its header has a metadata key with an empty name; the file is corrupt.';
    if (key.length > 1024) return 'its header has a metadata key over 1,024 characters long; the file is corrupt.';
  }
  const arch = info.metadata.get('general.architecture')?.value;
  if (typeof arch !== 'string' || arch.length === 0) return 'its header names no architecture (general.architecture); the file is corrupt or not a model.';
  if (info.tensors.length === 0) return 'it holds no tensors (a vocabulary-only file?), so there are no weights to load.';
  let blocks = 0;
  for (const t of info.tensors) {
    if (t.name.length === 0) return 'a tensor has an empty name; the file is corrupt.';
    if (t.bytes === null) return `tensor ${t.name} has a type (${t.typeName}) this version of llama.cpp does not know.`;
    const m = /^blk\.(\d+)\./.exec(t.name);
    if (m) blocks = Math.max(blocks, Number(m[1]) + 1);
  }
  const declared = info.metadata.get(`${arch}.block_count`)?.value;
  if (declared !== undefined) {
    if (typeof declared !== 'number' || !Number.isInteger(declared) || declared < 0) return `${arch}.block_count is not a layer count; the header is corrupt.`;
    if (declared > MAX_LAYERS) return `its header claims ${declared.toLocaleString('en-US')} layers, far more than any real model; the header is corrupt.`;
    if (blocks > 0 && declared !== blocks) return `its header claims ${declared} layers but its tensors form ${blocks}; the header is corrupt.`;
  }
  return null;
}
