import { COMMON_LAYER_TENSORS, familyClasses, type ArchitectureSpec } from './types';

/**
 * Gemma 2/3 wrap both sublayers in "sandwich" norms. In GGUF, ffn_norm is the norm *before* the MLP
 * (HF pre_feedforward_layernorm), and post_attention_norm / post_ffw_norm are the extra ones after.
 */
const GEMMA_LAYER_TENSORS: Readonly<Record<string, string>> = {
  ...COMMON_LAYER_TENSORS,
  ffn_norm: 'pre_feedforward_layernorm',
  post_attention_norm: 'post_attention_layernorm',
  post_ffw_norm: 'post_feedforward_layernorm',
};

const GEMMA_LAYER_ORDER = [
  'self_attn',
  'mlp',
  'input_layernorm',
  'post_attention_layernorm',
  'pre_feedforward_layernorm',
  'post_feedforward_layernorm',
] as const;

// transformers names the tanh-approximated GELU module PytorchGELUTanh (hidden_activation gelu_pytorch_tanh).
const GELU_TANH = { key: 'act_fn', className: 'PytorchGELUTanh' } as const;

export const gemma2: ArchitectureSpec = {
  ids: ['gemma2'],
  ...familyClasses('Gemma2'),
  activation: GELU_TANH,
  layerTensors: GEMMA_LAYER_TENSORS,
  layerOrder: GEMMA_LAYER_ORDER,
};

/** Gemma 3 text models: Gemma3ForCausalLM over Gemma3TextModel, with q/k norms and a scaled embedding. */
export const gemma3: ArchitectureSpec = {
  ids: ['gemma3'],
  ...familyClasses('Gemma3'),
  baseModelClass: 'Gemma3TextModel',
  embeddingClass: 'Gemma3TextScaledWordEmbedding',
  activation: GELU_TANH,
  layerTensors: GEMMA_LAYER_TENSORS,
  layerOrder: GEMMA_LAYER_ORDER,
};
