import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  getLlama,
  LlamaLogLevel,
  resolveChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
} from 'node-llama-cpp';
import type { LoadOptions } from '../contract/engine-protocol';
import type { ModelFacts } from '../contract/model';
import { formatName, promptFormatFor, type PromptFormat } from './chat-prompt';
import { installExactProbabilities, type ExactProbabilities } from './exact-probabilities';
import { classifyLoadError } from './load-errors';
import { chooseThreads, usableCores } from './threads';

/** Everything a generation needs: one model, one context with a single sequence, how prompts are rendered. */
export interface LoadedModel {
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
  /** The model's chat wrapper, or null: no chat template in the GGUF, rendered as plain text (chat-prompt.ts). */
  format: PromptFormat;
  facts: ModelFacts;
  /** Whole-vocabulary probabilities on request (exact-probabilities.ts); null where node-llama-cpp's internals differ. */
  exact: ExactProbabilities | null;
}

const DEFAULT_MAX_CONTEXT = 4096;
const LOG_LINES_KEPT = 20;

/**
 * Owns node-llama-cpp in the engine process: the Llama instance (GPU backend or CPU) and the one
 * loaded model. llama.cpp logs go to stderr (warnings and up) so stdout stays clean, and the last
 * lines are kept to explain load failures.
 */
export class LlamaRuntime {
  private readonly llamas = new Map<LoadOptions['gpu'], Promise<Llama>>();
  private readonly recentLog: string[] = [];
  private current: LoadedModel | null = null;

  get loaded(): LoadedModel | null {
    return this.current;
  }

  async load(path: string, options: LoadOptions, onProgress: (progress: number) => void): Promise<ModelFacts> {
    await this.unload();
    this.recentLog.length = 0;
    try {
      const info = await stat(path);
      if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      const llama = await this.llama(options.gpu);
      const gpuLayers = llama.gpu === false ? 0 : (options.gpuLayers ?? 'auto');
      const model = await llama.loadModel({ modelPath: path, onLoadProgress: onProgress, gpuLayers });
      try {
        this.current = await this.prepare(llama, model, path, info.size, options);
      } catch (error) {
        await model.dispose();
        throw error;
      }
      return this.current.facts;
    } catch (error) {
      throw await classifyLoadError(error, path, this.recentLog);
    }
  }

  async unload(): Promise<void> {
    const loaded = this.current;
    this.current = null;
    if (loaded === null) return;
    loaded.exact?.dispose();
    await loaded.context.dispose();
    await loaded.model.dispose();
  }

  private async prepare(llama: Llama, model: LlamaModel, path: string, fileSizeBytes: number, options: LoadOptions): Promise<LoadedModel> {
    const insights = model.fileInsights;
    const arch = model.fileInfo.architectureMetadata as ArchitectureMetadata;
    const parameters = safeNumber(() => insights.totalParameters);
    const threads = chooseThreads({ requested: options.threads, env: process.env.GLASSBOX_THREADS, cores: usableCores(), parameters });
    const trained = model.trainContextSize > 0 ? model.trainContextSize : null;
    // swaFullCache: sliding-window models could otherwise not reuse a cached prefix across turns.
    // Without this the context may use the library's maxThreads (max(4, cores)) instead: 1000x slower on 2 cores.
    llama.maxThreads = threads;
    const context = await model.createContext({
      contextSize: options.contextSize ?? Math.min(trained ?? DEFAULT_MAX_CONTEXT, DEFAULT_MAX_CONTEXT),
      threads,
      sequences: 1,
      swaFullCache: true,
      ...(options.batchSize != null ? { batchSize: options.batchSize } : {}),
      ...(typeof options.flashAttention === 'boolean' ? { flashAttention: options.flashAttention } : {}),
    });
    const gpuInfo = await gpuFacts(llama);
    const format = promptFormatFor(model, (m) => resolveChatWrapper(m));
    const facts: ModelFacts = {
      path,
      fileName: basename(path),
      name: stringOrNull(model.fileInfo.metadata.general?.name),
      architecture: String(model.fileInfo.metadata.general?.architecture ?? 'unknown'),
      layers: intOrNull(arch.block_count),
      embeddingLength: intOrNull(arch.embedding_length),
      attentionHeads: intOrNull(arch.attention?.head_count),
      kvHeads: intOrNull(arch.attention?.head_count_kv ?? arch.attention?.head_count),
      trainedContextLength: trained,
      contextSize: context.contextSize,
      vocabSize: intOrNull(model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? arch.vocab_size),
      parameters,
      fileSizeBytes,
      chatTemplate: formatName(format),
      gpu: llama.gpu === false ? 'cpu' : llama.gpu,
      gpuLayers: model.gpuLayers,
      threads,
      ...gpuInfo,
      totalLayers: safeNumber(() => insights.totalLayers) ?? undefined,
      batchSize: context.batchSize,
      flashAttention: context.flashAttention,
    };
    return { model, context, sequence: context.getSequence(), format, facts, exact: installExactProbabilities(model, context) };
  }

  /** One Llama per backend choice; 'auto' falls back to the CPU when no GPU backend starts. Never builds from source. */
  private llama(gpu: LoadOptions['gpu']): Promise<Llama> {
    let llama = this.llamas.get(gpu);
    if (llama === undefined) {
      const common = {
        build: 'never' as const,
        skipDownload: true,
        progressLogs: false,
        logLevel: LlamaLogLevel.warn,
        logger: (level: LlamaLogLevel, message: string) => this.log(level, message),
      };
      llama =
        gpu === 'cpu'
          ? getLlama({ ...common, gpu: false })
          : getLlama({ ...common, gpu: 'auto' }).catch((error: unknown) => {
              this.log(LlamaLogLevel.warn, `GPU backend failed to start, using the CPU: ${String(error)}`);
              return getLlama({ ...common, gpu: false });
            });
      // A failed start is not cached, so the next load tries again.
      llama.catch(() => this.llamas.delete(gpu));
      this.llamas.set(gpu, llama);
    }
    return llama;
  }

  private log(level: LlamaLogLevel, message: string): void {
    const line = message.endsWith('\n') ? message : `${message}\n`;
    process.stderr.write(`[llama.cpp ${level}] ${line}`);
    if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal || level === LlamaLogLevel.warn) {
      this.recentLog.push(line.trim());
      if (this.recentLog.length > LOG_LINES_KEPT) this.recentLog.shift();
    }
  }
}

/** Device names and VRAM of a GPU backend, for the side panel and the next fit estimate; nothing on the CPU. */
async function gpuFacts(llama: Llama): Promise<Pick<ModelFacts, 'gpuDevices' | 'vram'>> {
  if (llama.gpu === false) return {};
  try {
    const [devices, vram] = await Promise.all([llama.getGpuDeviceNames(), llama.getVramState()]);
    return { gpuDevices: devices, vram: { total: vram.total, used: vram.used, free: vram.free } };
  } catch {
    return {};
  }
}

/** The architecture block of GGUF metadata, as far as we read it (keys vary by architecture). */
interface ArchitectureMetadata {
  block_count?: unknown;
  embedding_length?: unknown;
  vocab_size?: unknown;
  attention?: { head_count?: unknown; head_count_kv?: unknown };
}

function intOrNull(value: unknown): number | null {
  // head_count can be an array (one per layer) in some models; report the first.
  const v = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'bigint' ? Number(v) : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function safeNumber(read: () => number): number | null {
  try {
    const n = read();
    return Number.isFinite(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}
