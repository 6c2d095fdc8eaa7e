import { COMMON_LAYER_ORDER, COMMON_LAYER_TENSORS, familyClasses, type ArchitectureSpec } from './types';

/** Llama 2/3, Mistral 7B and SmolLM all convert to GGUF architecture `llama`, so they share LlamaDecoderLayer. */
export const llama: ArchitectureSpec = {
  ids: ['llama'],
  ...familyClasses('Llama'),
  activation: { key: 'act_fn', className: 'SiLU' },
  layerTensors: COMMON_LAYER_TENSORS,
  layerOrder: COMMON_LAYER_ORDER,
};
