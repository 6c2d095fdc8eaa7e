import { COMMON_LAYER_ORDER, COMMON_LAYER_TENSORS, familyClasses, type ArchitectureSpec } from './types';

/**
 * Phi-3 stores fused projections: attn_qkv (HF qkv_proj, out = q + k + v) and ffn_up holding gate and
 * up stacked (HF gate_up_proj, out = 2 * intermediate). There is no separate ffn_gate.
 */
export const phi3: ArchitectureSpec = {
  ids: ['phi3'],
  ...familyClasses('Phi3'),
  activation: { key: 'activation_fn', className: 'SiLU' },
  layerTensors: { ...COMMON_LAYER_TENSORS, ffn_up: 'mlp.gate_up_proj' },
  layerOrder: COMMON_LAYER_ORDER,
};
