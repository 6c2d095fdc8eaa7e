import koffi from 'koffi';
import { GlassboxError } from '../contract/errors';
import { MAX_TRACE_TOKENS, TRACE_ARCHITECTURES, type TraceModel } from '../contract/trace';
import { isTraceArchitecture, slidingLayers } from './architectures';
import { EvalHook, type CapturePlan } from './native/graph-tensors';
import { LLAMA_FLASH_ATTN_DISABLED, llamaApi, type LlamaApi, type NativePointer } from './native/llama-library';
import { TokenBatch } from './native/token-batch';
import { chooseThreads, usableCores } from '../engine/threads';
import { metaString, readGgufHeader } from '../inspect/gguf-reader';

/**
 * Tokens one decode may hold: the longest trace and the largest lens batch. Outputs at every
 * position cost capacity × vocabulary floats of logits (512 × 262k = 512 MiB for Gemma 3).
 */
export const SESSION_TOKENS = MAX_TRACE_TOKENS;

export interface SessionOptions {
  /** null: as the engine chooses (all usable cores, 1 for tiny models; GLASSBOX_THREADS wins). */
  threads: number | null;
  /** Context and batch size (one ubatch, so each layer's attention arrives whole). */
  tokens?: number;
}

/**
 * A model opened through llama.cpp's C API for tracing: CPU only (n_gpu_layers 0), one context
 * with flash attention off (its fused kernel never materialises kq_soft_max), one ubatch as large
 * as the context, and outputs at every position (llama.cpp otherwise prunes the last layer to the
 * rows it outputs).
 */
export class TraceModelSession {
  readonly model: TraceModel;
  readonly sliding: boolean[];
  readonly capacity: number;
  private readonly api: LlamaApi;
  private readonly hook: EvalHook;
  private readonly batch: TokenBatch;
  private closed = false;

  private constructor(
    private readonly handle: NativePointer,
    private readonly context: NativePointer,
    private readonly vocab: NativePointer,
    api: LlamaApi,
    hook: EvalHook,
    capacity: number,
  ) {
    this.api = api;
    this.hook = hook;
    this.capacity = capacity;
    const architecture = this.meta('general.architecture') ?? 'unknown';
    const layers = api.llama_model_n_layer(handle);
    const window = api.llama_model_n_swa(handle);
    const pattern = Number.parseInt(this.meta(`${architecture}.attention.sliding_window_pattern`) ?? '', 10);
    this.sliding = isTraceArchitecture(architecture) ? slidingLayers(architecture, layers, window, Number.isFinite(pattern) ? pattern : null) : [];
    this.model = {
      architecture,
      layers,
      heads: api.llama_model_n_head(handle),
      kvHeads: api.llama_model_n_head_kv(handle),
      embedding: api.llama_model_n_embd(handle),
      vocabulary: api.llama_vocab_n_tokens(vocab),
      slidingWindow: this.sliding.some(Boolean) ? window : null,
    };
    this.batch = new TokenBatch(api, capacity);
  }

  static async open(path: string, options: SessionOptions): Promise<TraceModelSession> {
    const api = llamaApi();
    const modelParams = api.llama_model_default_params();
    modelParams.n_gpu_layers = 0;
    const handle = api.llama_model_load_from_file(path, modelParams);
    if (handle === null) {
      // An architecture llama.cpp itself does not know fails here: name it rather than "could not load".
      const architecture = await readGgufHeader(path).then((info) => metaString(info, 'general.architecture'), () => null);
      if (architecture !== null && !isTraceArchitecture(architecture)) throw unsupported(architecture);
      throw new GlassboxError('model-load-failed', `llama.cpp could not load ${path} for tracing.`);
    }
    const architecture = readMeta(api, handle, 'general.architecture') ?? 'unknown';
    if (!isTraceArchitecture(architecture)) {
      api.llama_model_free(handle);
      throw unsupported(architecture);
    }
    const threads =
      options.threads ?? chooseThreads({ requested: null, env: process.env.GLASSBOX_THREADS, cores: usableCores(), parameters: Number(api.llama_model_n_params(handle)) });
    const hook = new EvalHook(api);
    const capacity = options.tokens ?? SESSION_TOKENS;
    const params = api.llama_context_default_params();
    Object.assign(params, {
      n_ctx: capacity,
      n_batch: capacity,
      n_ubatch: capacity,
      n_seq_max: 1,
      n_outputs_max: 0,
      n_outputs_max_per_seq: 0,
      n_threads: threads,
      n_threads_batch: threads,
      flash_attn_type: LLAMA_FLASH_ATTN_DISABLED,
      cb_eval: hook.callback,
      no_perf: true,
    });
    const context = api.llama_init_from_model(handle, params);
    if (context === null) {
      api.llama_model_free(handle);
      throw new GlassboxError('model-load-failed', `llama.cpp could not create a context of ${capacity} tokens for tracing.`);
    }
    return new TraceModelSession(handle, context, api.llama_model_get_vocab(handle), api, hook, capacity);
  }

  private meta(key: string): string | null {
    return readMeta(this.api, this.handle, key);
  }

  /** The text's token ids, with the model's start-of-text token when its tokenizer adds one. */
  tokenize(text: string): number[] {
    const bytes = Buffer.from(text, 'utf8');
    let room = bytes.length + 8;
    for (;;) {
      const out = new Int32Array(room);
      const n = this.api.llama_tokenize(this.vocab, bytes, bytes.length, out, room, true, false);
      if (n >= 0) return Array.from(out.subarray(0, n));
      room = -n;
    }
  }

  piece(token: number): string {
    const buf = Buffer.alloc(256);
    const n = this.api.llama_token_to_piece(this.vocab, token, buf, buf.length, 0, true);
    return n > 0 ? buf.subarray(0, n).toString('utf8') : '';
  }

  /** One decode of tokens at positions 0…n-1 on an empty cache, with plan receiving the graph's tensors. */
  decode(tokens: readonly number[], plan: CapturePlan, outputs: 'all' | 'last' = 'all'): void {
    this.assertOpen();
    this.api.llama_memory_clear(this.api.llama_get_memory(this.context), true);
    const batch = this.batch.fill(tokens, outputs);
    const status = this.hook.runWithPlan(plan, () => this.api.llama_decode(this.context, batch));
    if (status !== 0) throw new GlassboxError(status === 2 ? 'cancelled' : 'internal', `llama_decode returned ${status}.`);
  }

  /** A copy of the logits llama.cpp computed for output i of the last decode. */
  logits(i: number): Float32Array {
    const pointer = this.api.llama_get_logits_ith(this.context, i);
    if (pointer === null) throw new Error(`No logits for output ${i}`);
    return new Float32Array(koffi.view(pointer, this.model.vocabulary * 4).slice(0));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.batch.free();
    this.api.llama_free(this.context);
    this.api.llama_model_free(this.handle);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The trace session is closed.');
  }
}

function unsupported(architecture: string): GlassboxError {
  return new GlassboxError('trace-unsupported', `Cannot trace this architecture yet (${architecture}). Traces work for ${TRACE_ARCHITECTURES.join(', ')}.`);
}

function readMeta(api: LlamaApi, model: NativePointer, key: string): string | null {
  const buf = Buffer.alloc(512);
  const n = api.llama_model_meta_val_str(model, key, buf, buf.length);
  return n < 0 ? null : buf.subarray(0, Math.min(n, buf.length - 1)).toString('utf8');
}
