/**
 * How one GGUF architecture maps to its Hugging Face transformers module names. The GGUF tensor
 * names come from llama.cpp's llama-arch.cpp; the HF names and class names from transformers'
 * modeling_<arch>.py, so the tree reads like `print(model)` in PyTorch.
 */
export interface ArchitectureSpec {
  /** `general.architecture` values this spec covers. */
  readonly ids: readonly string[];
  readonly modelClass: string;
  readonly baseModelClass: string;
  readonly layerClass: string;
  readonly attentionClass: string;
  readonly mlpClass: string;
  readonly normClass: string;
  readonly rotaryClass: string;
  readonly embeddingClass: string;
  readonly activation: { readonly key: string; readonly className: string };
  /** GGUF per-block tensor base name (without `blk.N.` and `.weight`) → HF path inside the decoder layer. */
  readonly layerTensors: Readonly<Record<string, string>>;
  /** Order of the decoder layer's direct children, as the HF class declares them. */
  readonly layerOrder: readonly string[];
}

/** Shared by every Llama-like decoder; specs override what differs. */
export const COMMON_LAYER_TENSORS: Readonly<Record<string, string>> = {
  attn_norm: 'input_layernorm',
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_qkv: 'self_attn.qkv_proj',
  attn_output: 'self_attn.o_proj',
  attn_q_norm: 'self_attn.q_norm',
  attn_k_norm: 'self_attn.k_norm',
  // Llama's norm before the MLP is called post_attention_layernorm in HF (it follows the attention block).
  ffn_norm: 'post_attention_layernorm',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
};

export const COMMON_LAYER_ORDER = ['self_attn', 'mlp', 'input_layernorm', 'post_attention_layernorm'] as const;

/** Class names follow one pattern per family: LlamaDecoderLayer, LlamaAttention, LlamaMLP, ... */
export function familyClasses(prefix: string): Pick<
  ArchitectureSpec,
  'modelClass' | 'baseModelClass' | 'layerClass' | 'attentionClass' | 'mlpClass' | 'normClass' | 'rotaryClass' | 'embeddingClass'
> {
  return {
    modelClass: `${prefix}ForCausalLM`,
    baseModelClass: `${prefix}Model`,
    layerClass: `${prefix}DecoderLayer`,
    attentionClass: `${prefix}Attention`,
    mlpClass: `${prefix}MLP`,
    normClass: `${prefix}RMSNorm`,
    rotaryClass: `${prefix}RotaryEmbedding`,
    embeddingClass: 'Embedding',
  };
}
