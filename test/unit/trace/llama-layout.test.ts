import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import { ContextParams, GgmlTensor, llamaApi, ModelParams } from '../../../electron/trace/native/llama-library';

// Our koffi structs must match the C layouts of the llama.cpp build in node-llama-cpp's binaries:
// a field at the wrong offset reads as a wrong default here (and would corrupt every call).

describe('llama.cpp struct layouts as koffi sees them', () => {
  it('reads llama_context_default_params() as llama-context.cpp documents it', () => {
    const params = llamaApi().llama_context_default_params();
    expect(params).toMatchObject({
      n_ctx: 512,
      n_batch: 2048,
      n_ubatch: 512,
      n_seq_max: 1,
      n_rs_seq: 0,
      n_outputs_max: 0,
      n_outputs_max_per_seq: 1,
      rope_scaling_type: -1,
      pooling_type: -1,
      attention_type: -1,
      flash_attn_type: -1,
      yarn_ext_factor: -1,
      yarn_orig_ctx: 0,
      defrag_thold: -1,
      cb_eval: null,
      type_k: 1,
      type_v: 1,
      embeddings: false,
      offload_kqv: true,
      no_perf: true,
      op_offload: true,
      swa_full: true,
      kv_unified: false,
      n_samplers: 0,
      ctx_other: null,
    });
    expect(koffi.sizeof(ContextParams)).toBe(160);
  });

  it('reads llama_model_default_params() as llama-model.cpp documents it', () => {
    expect(llamaApi().llama_model_default_params()).toMatchObject({
      devices: null,
      n_gpu_layers: -1,
      split_mode: 1,
      main_gpu: 0,
      vocab_only: false,
      check_tensors: false,
      use_extra_bufts: true,
      no_host: false,
      no_alloc: false,
      load_mtp: false,
    });
    expect(koffi.sizeof(ModelParams)).toBe(80);
  });

  it('lays out ggml_tensor as ggml.h does (name at 256, 336 bytes)', () => {
    expect(koffi.offsetof(GgmlTensor, 'ne')).toBe(16);
    expect(koffi.offsetof(GgmlTensor, 'data')).toBe(248);
    expect(koffi.offsetof(GgmlTensor, 'name')).toBe(256);
    expect(koffi.sizeof(GgmlTensor)).toBe(336);
  });
});
