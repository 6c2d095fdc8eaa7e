import { gemma2, gemma3 } from './gemma';
import { llama } from './llama';
import { phi3 } from './phi3';
import { qwen2, qwen3 } from './qwen';
import type { ArchitectureSpec } from './types';

export type { ArchitectureSpec } from './types';

const SPECS: readonly ArchitectureSpec[] = [llama, qwen2, qwen3, gemma2, gemma3, phi3];
const BY_ID = new Map(SPECS.flatMap((spec) => spec.ids.map((id) => [id, spec] as const)));

/** Undefined for architectures without a mapping: the inspector then groups raw tensors by block. */
export function architectureSpec(architecture: string): ArchitectureSpec | undefined {
  return BY_ID.get(architecture);
}

export function mappedArchitectures(): string[] {
  return [...BY_ID.keys()];
}
