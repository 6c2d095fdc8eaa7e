import type { AttentionDescription, SlidingWindow } from '../contract/model-description';
import { metaArray, metaNumber, type GgufFileInfo } from './gguf-reader';

/**
 * Which layers attend through a sliding window, as llama.cpp decides it when it loads the file
 * (src/models/gemma2.cpp, gemma3.cpp; llama_hparams::set_swa_pattern): `<arch>.attention.sliding_window`
 * gives the window; `<arch>.attention.sliding_window_pattern` (a period, or one flag per layer) the
 * layers, else the architecture's own period; in each period the last layer is global. Gemma 3's
 * local layers use RoPE base 10000 (`rope.freq_base_swa`, llama.cpp's default when the key is absent).
 */
const ARCHITECTURE_DEFAULTS: Readonly<Record<string, { period: number; localRopeBase: number | null }>> = {
  gemma2: { period: 2, localRopeBase: null },
  gemma3: { period: 6, localRopeBase: 10000 },
};

export function describeSlidingWindow(
  info: GgufFileInfo,
  architecture: string,
  layers: number | null,
  attention: AttentionDescription,
  contextLength: number | null,
): SlidingWindow | null {
  const window = metaNumber(info, `${architecture}.attention.sliding_window`);
  const defaults = ARCHITECTURE_DEFAULTS[architecture];
  if (window === null || window <= 0 || layers === null || defaults === undefined) return null;
  const flags = metaArray(info, `${architecture}.attention.sliding_window_pattern`)?.values;
  const period = flags ? null : (metaNumber(info, `${architecture}.attention.sliding_window_pattern`) ?? defaults.period);
  const isLocal = (layer: number): boolean => (flags ? flags[layer] === true : period === 0 || layer % (period ?? 1) < (period ?? 1) - 1);
  const all = Array.from({ length: layers }, (_, i) => i);
  const localLayers = all.filter(isLocal);
  const globalLayers = all.filter((i) => !isLocal(i));
  const { kvHeads, keyLength, valueLength } = attention;
  const perLayerToken = kvHeads !== null && keyLength !== null && valueLength !== null ? kvHeads * (keyLength + valueLength) * 2 : null;
  const windowedKvBytes =
    perLayerToken !== null && contextLength !== null
      ? perLayerToken * (globalLayers.length * contextLength + localLayers.length * Math.min(window, contextLength))
      : null;
  return {
    window,
    period,
    localLayers,
    globalLayers,
    localRopeBase: metaNumber(info, `${architecture}.rope.freq_base_swa`) ?? defaults.localRopeBase,
    windowedKvBytes,
  };
}
