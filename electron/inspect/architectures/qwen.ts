import { COMMON_LAYER_ORDER, COMMON_LAYER_TENSORS, familyClasses, type ArchitectureSpec } from './types';

/** Qwen2 is Llama plus q/k/v biases; the biases arrive as `attn_q.bias` etc. and need no extra mapping. */
export const qwen2: ArchitectureSpec = {
  ids: ['qwen2'],
  ...familyClasses('Qwen2'),
  activation: { key: 'act_fn', className: 'SiLU' },
  layerTensors: COMMON_LAYER_TENSORS,
  layerOrder: COMMON_LAYER_ORDER,
};

/** Qwen3 drops the biases and adds per-head RMSNorms on queries and keys (q_norm, k_norm). */
export const qwen3: ArchitectureSpec = {
  ids: ['qwen3'],
  ...familyClasses('Qwen3'),
  activation: { key: 'act_fn', className: 'SiLU' },
  layerTensors: COMMON_LAYER_TENSORS,
  layerOrder: COMMON_LAYER_ORDER,
};
