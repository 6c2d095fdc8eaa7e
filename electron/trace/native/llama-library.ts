import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import koffi from 'koffi';

/**
 * llama.cpp's C API, called through koffi in node-llama-cpp's own prebuilt shared libraries
 * (@node-llama-cpp/<platform>/bins/<platform>/libllama*): no compiler on the user's machine, and the
 * trace runs on the very llama.cpp build that serves chat. Struct layouts are copied from the
 * release's llama.h / ggml.h (node_modules/node-llama-cpp/llama/gitRelease.bundle) and checked by
 * test/unit/trace/llama-layout.test.ts against llama_*_default_params().
 */

const pointer = 'void *';
const bool = 'bool';

export const ModelParams = koffi.struct('glassbox_llama_model_params', {
  devices: pointer,
  tensor_buft_overrides: pointer,
  n_gpu_layers: 'int32_t',
  split_mode: 'int32_t',
  load_mode: 'int32_t',
  lazy_mode: 'int32_t',
  main_gpu: 'int32_t',
  tensor_split: pointer,
  progress_callback: pointer,
  progress_callback_user_data: pointer,
  kv_overrides: pointer,
  vocab_only: bool,
  check_tensors: bool,
  use_extra_bufts: bool,
  no_host: bool,
  no_alloc: bool,
  load_mtp: bool,
});

export const ContextParams = koffi.struct('glassbox_llama_context_params', {
  n_ctx: 'uint32_t',
  n_batch: 'uint32_t',
  n_ubatch: 'uint32_t',
  n_seq_max: 'uint32_t',
  n_rs_seq: 'uint32_t',
  n_outputs_max: 'uint32_t',
  n_outputs_max_per_seq: 'uint32_t',
  n_threads: 'int32_t',
  n_threads_batch: 'int32_t',
  ctx_type: 'int32_t',
  rope_scaling_type: 'int32_t',
  pooling_type: 'int32_t',
  attention_type: 'int32_t',
  flash_attn_type: 'int32_t',
  rope_freq_base: 'float',
  rope_freq_scale: 'float',
  yarn_ext_factor: 'float',
  yarn_attn_factor: 'float',
  yarn_beta_fast: 'float',
  yarn_beta_slow: 'float',
  yarn_orig_ctx: 'uint32_t',
  defrag_thold: 'float',
  cb_eval: pointer,
  cb_eval_user_data: pointer,
  type_k: 'int32_t',
  type_v: 'int32_t',
  abort_callback: pointer,
  abort_callback_data: pointer,
  embeddings: bool,
  offload_kqv: bool,
  no_perf: bool,
  op_offload: bool,
  swa_full: bool,
  kv_unified: bool,
  samplers: pointer,
  n_samplers: 'size_t',
  ctx_other: pointer,
});

export const Batch = koffi.struct('glassbox_llama_batch', {
  n_tokens: 'int32_t',
  token: pointer,
  embd: pointer,
  pos: pointer,
  n_seq_id: pointer,
  seq_id: pointer,
  logits: pointer,
});

/** ggml.h's struct ggml_tensor (GGML_MAX_DIMS 4, GGML_MAX_OP_PARAMS 64, GGML_MAX_SRC 10, GGML_MAX_NAME 64). */
export const GgmlTensor = koffi.struct('glassbox_ggml_tensor', {
  type: 'int32_t',
  buffer: pointer,
  ne: koffi.array('int64_t', 4),
  nb: koffi.array('size_t', 4),
  op: 'int32_t',
  op_params: koffi.array('int32_t', 16),
  flags: 'int32_t',
  src: koffi.array(pointer, 10),
  view_src: pointer,
  view_offs: 'size_t',
  data: pointer,
  name: koffi.array('char', 64),
  extra: pointer,
  padding: koffi.array('char', 8),
});

/** ggml_backend_sched_eval_callback: called with ask=true to choose tensors, then ask=false with each chosen one computed. */
export const EvalCallback = koffi.proto('bool glassbox_ggml_eval_cb(void *tensor, bool ask, void *user_data)');

export const LLAMA_FLASH_ATTN_DISABLED = 0;
export const GGML_TYPE_F32 = 0;

export interface ModelParamsValue {
  n_gpu_layers: number;
  split_mode: number;
  use_extra_bufts: boolean;
  vocab_only: boolean;
  [field: string]: unknown;
}

export interface ContextParamsValue {
  n_ctx: number;
  n_batch: number;
  n_ubatch: number;
  n_seq_max: number;
  n_outputs_max: number;
  n_outputs_max_per_seq: number;
  n_threads: number;
  n_threads_batch: number;
  flash_attn_type: number;
  cb_eval: unknown;
  cb_eval_user_data: unknown;
  embeddings: boolean;
  no_perf: boolean;
  swa_full: boolean;
  kv_unified: boolean;
  [field: string]: unknown;
}

export interface BatchValue {
  n_tokens: number;
  token: unknown;
  embd: unknown;
  pos: unknown;
  n_seq_id: unknown;
  seq_id: unknown;
  logits: unknown;
}

/** An opaque native pointer (koffi external). */
export type NativePointer = object;

export interface LlamaApi {
  llama_backend_init(): void;
  ggml_backend_load_all_from_path(dir: string): void;
  llama_model_default_params(): ModelParamsValue;
  llama_context_default_params(): ContextParamsValue;
  llama_model_load_from_file(path: string, params: ModelParamsValue): NativePointer | null;
  llama_model_free(model: NativePointer): void;
  llama_init_from_model(model: NativePointer, params: ContextParamsValue): NativePointer | null;
  llama_free(ctx: NativePointer): void;
  llama_model_get_vocab(model: NativePointer): NativePointer;
  llama_model_n_layer(model: NativePointer): number;
  llama_model_n_embd(model: NativePointer): number;
  llama_model_n_head(model: NativePointer): number;
  llama_model_n_head_kv(model: NativePointer): number;
  llama_model_n_swa(model: NativePointer): number;
  llama_model_n_ctx_train(model: NativePointer): number;
  llama_model_n_params(model: NativePointer): number;
  llama_model_meta_val_str(model: NativePointer, key: string, buf: Buffer, size: number): number;
  llama_vocab_n_tokens(vocab: NativePointer): number;
  llama_tokenize(vocab: NativePointer, text: Buffer, length: number, tokens: Int32Array, max: number, addSpecial: boolean, parseSpecial: boolean): number;
  llama_token_to_piece(vocab: NativePointer, token: number, buf: Buffer, length: number, lstrip: number, special: boolean): number;
  llama_batch_init(nTokens: number, embd: number, nSeqMax: number): BatchValue;
  llama_batch_free(batch: BatchValue): void;
  llama_decode(ctx: NativePointer, batch: BatchValue): number;
  llama_get_logits_ith(ctx: NativePointer, i: number): NativePointer | null;
  llama_get_memory(ctx: NativePointer): NativePointer;
  llama_memory_clear(memory: NativePointer, data: boolean): void;
  ggml_get_name(tensor: NativePointer): string;
  ggml_nbytes(tensor: NativePointer): number;
  ggml_nelements(tensor: NativePointer): number;
  ggml_backend_tensor_get(tensor: NativePointer, data: Float32Array, offset: number, size: number): void;
  ggml_backend_tensor_set(tensor: NativePointer, data: Float32Array, offset: number, size: number): void;
}

/** The folder of node-llama-cpp's prebuilt CPU binaries for this platform. */
export function prebuiltBinariesDir(): string {
  const require = createRequire(import.meta.url);
  const platform = `${process.platform === 'win32' ? 'win' : process.platform === 'darwin' ? 'mac' : process.platform}-${process.arch}`;
  // The package exports only its dist/index.js; the binaries sit beside dist/ in bins/<platform>.
  const entry = require.resolve(`@node-llama-cpp/${platform}`);
  const dir = join(dirname(entry), '..', 'bins', platform);
  if (!existsSync(dir)) throw new Error(`llama.cpp's prebuilt binaries are missing at ${dir}`);
  return dir;
}

function libraryFile(dir: string, base: 'llama' | 'ggml' | 'ggml-base'): string {
  const versioned = base === 'ggml-base' ? null : `lib${base}.v0.4.0`;
  const names =
    process.platform === 'win32'
      ? [`${base}.dll`]
      : process.platform === 'darwin'
        ? [`${versioned ?? `lib${base}`}.dylib`, `lib${base}.dylib`]
        : [`${versioned ?? `lib${base}`}.so`, `lib${base}.so`];
  const found = names.map((name) => join(dir, name)).find((path) => existsSync(path));
  if (found === undefined) throw new Error(`${names.join(' or ')} not found in ${dir}`);
  return found;
}

let loaded: LlamaApi | null = null;

/** Loads the libraries once per process and initialises llama.cpp's backends (CPU variant chosen at run time). */
export function llamaApi(): LlamaApi {
  if (loaded !== null) return loaded;
  const dir = prebuiltBinariesDir();
  const base = koffi.load(libraryFile(dir, 'ggml-base'));
  const ggml = koffi.load(libraryFile(dir, 'ggml'));
  const llama = koffi.load(libraryFile(dir, 'llama'));
  const api: LlamaApi = {
    llama_backend_init: llama.func('void llama_backend_init(void)'),
    ggml_backend_load_all_from_path: ggml.func('void ggml_backend_load_all_from_path(const char *dir)'),
    llama_model_default_params: llama.func('llama_model_default_params', ModelParams, []),
    llama_context_default_params: llama.func('llama_context_default_params', ContextParams, []),
    llama_model_load_from_file: llama.func('llama_model_load_from_file', pointer, ['const char *', ModelParams]),
    llama_model_free: llama.func('void llama_model_free(void *model)'),
    llama_init_from_model: llama.func('llama_init_from_model', pointer, [pointer, ContextParams]),
    llama_free: llama.func('void llama_free(void *ctx)'),
    llama_model_get_vocab: llama.func('void *llama_model_get_vocab(void *model)'),
    llama_model_n_layer: llama.func('int32_t llama_model_n_layer(void *model)'),
    llama_model_n_embd: llama.func('int32_t llama_model_n_embd(void *model)'),
    llama_model_n_head: llama.func('int32_t llama_model_n_head(void *model)'),
    llama_model_n_head_kv: llama.func('int32_t llama_model_n_head_kv(void *model)'),
    llama_model_n_swa: llama.func('int32_t llama_model_n_swa(void *model)'),
    llama_model_n_ctx_train: llama.func('int32_t llama_model_n_ctx_train(void *model)'),
    llama_model_n_params: llama.func('uint64_t llama_model_n_params(void *model)'),
    llama_model_meta_val_str: llama.func('int32_t llama_model_meta_val_str(void *model, const char *key, _Out_ uint8_t *buf, size_t size)'),
    llama_vocab_n_tokens: llama.func('int32_t llama_vocab_n_tokens(void *vocab)'),
    llama_tokenize: llama.func(
      'int32_t llama_tokenize(void *vocab, const uint8_t *text, int32_t len, _Out_ int32_t *tokens, int32_t max, bool add_special, bool parse_special)',
    ),
    llama_token_to_piece: llama.func('int32_t llama_token_to_piece(void *vocab, int32_t token, _Out_ uint8_t *buf, int32_t len, int32_t lstrip, bool special)'),
    llama_batch_init: llama.func('llama_batch_init', Batch, ['int32_t', 'int32_t', 'int32_t']),
    llama_batch_free: llama.func('llama_batch_free', 'void', [Batch]),
    llama_decode: llama.func('llama_decode', 'int32_t', [pointer, Batch]),
    llama_get_logits_ith: llama.func('void *llama_get_logits_ith(void *ctx, int32_t i)'),
    llama_get_memory: llama.func('void *llama_get_memory(void *ctx)'),
    llama_memory_clear: llama.func('void llama_memory_clear(void *mem, bool data)'),
    ggml_get_name: base.func('const char *ggml_get_name(void *tensor)'),
    ggml_nbytes: base.func('size_t ggml_nbytes(void *tensor)'),
    ggml_nelements: base.func('int64_t ggml_nelements(void *tensor)'),
    ggml_backend_tensor_get: base.func('void ggml_backend_tensor_get(void *tensor, _Out_ float *data, size_t offset, size_t size)'),
    ggml_backend_tensor_set: base.func('void ggml_backend_tensor_set(void *tensor, const float *data, size_t offset, size_t size)'),
  } as LlamaApi;
  api.llama_backend_init();
  api.ggml_backend_load_all_from_path(dir);
  loaded = api;
  return api;
}
