import { TRACE_ARCHITECTURES } from '../contract/trace';

/**
 * Which architectures the trace understands, and which of their layers use a sliding window.
 * llama.cpp does not export its per-layer SWA flags, so we restate its rule
 * (llama_hparams::set_swa_pattern with dense_first=false, src/models/gemma2.cpp / gemma3.cpp):
 * layer il slides when il % pattern < pattern - 1. phi3's window is disabled in this llama.cpp
 * release (src/models/phi3.cpp), so it traces as full attention, as it runs.
 */

export type TraceArchitecture = (typeof TRACE_ARCHITECTURES)[number];

export function isTraceArchitecture(name: string): name is TraceArchitecture {
  return (TRACE_ARCHITECTURES as readonly string[]).includes(name);
}

const DEFAULT_SWA_PATTERN: Partial<Record<TraceArchitecture, number>> = { gemma2: 2, gemma3: 6 };

/** Per layer, whether it attends only to the last `window` positions. */
export function slidingLayers(architecture: TraceArchitecture, layers: number, window: number, patternFromFile: number | null): boolean[] {
  const fallback = DEFAULT_SWA_PATTERN[architecture];
  if (fallback === undefined || window <= 0) return Array.from({ length: layers }, () => false);
  const pattern = patternFromFile !== null && patternFromFile > 0 ? patternFromFile : fallback;
  return Array.from({ length: layers }, (_, il) => il % pattern < pattern - 1);
}
