import type { LoadSettings } from './model-library';

/** Load settings when none are remembered for a file; apart from contract.ts (zod) because the renderer needs the value. */
export const DEFAULT_LOAD_SETTINGS: LoadSettings = {
  contextSize: null,
  gpuLayers: 'auto',
  threads: null,
  batchSize: null,
  flashAttention: 'auto',
};
