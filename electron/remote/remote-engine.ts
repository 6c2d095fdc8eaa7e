import type { IncomingMessage } from 'node:http';
import type { GenerateRequest, GenerateResult, LoadOptions, ScoredPrompt, TokenPiece, ChatTurn, Embeddings } from '../contract/engine-protocol';
import { GlassboxError } from '../contract/errors';
import type { ModelFacts } from '../contract/model';
import type { GeneratedToken } from '../contract/token';
import type { Engine, Generation, OnTokens } from '../engine/engine';
import { hostOf, isAbort, MAX_RETRY_WAIT_MS, readText, sendOk, type HttpTarget } from './http';
import { readChunk, record, type ChunkReader, type StreamState } from './openai-chunks';
import { listRemoteModels } from './remote-models';
import { readServerSentEvents } from './sse';

/**
 * An Engine over a remote OpenAI-compatible endpoint (llama-server, `glassbox serve`, vLLM, ...).
 *
 * Probabilities: answers stream from /v1/chat/completions with `logprobs: true, top_logprobs: N`
 * (N = topAlternatives, at most 20 as OpenAI allows). A token's p is exp(logprob) as the server
 * reports it; for `glassbox serve` that is the app's own measure (contract/token.ts), other servers
 * define theirs (OpenAI: the full vocabulary). Alternatives are sorted, most probable first.
 * A server that ignores `logprobs` still streams text: each piece becomes a token with p = 1 and
 * top = [] as placeholders, and the result says `probabilities: 'none'` so nothing shows them.
 *
 * Token ids: the OpenAI API sends token texts, not ids, so a remote token's id is a hash of its text
 * (tokenId in openai-chunks.ts). They only need to be stable within the app: branching from a token finds the
 * chosen alternative by id and sends the prefix as text (GenerateRequest.prefixText).
 *
 * Branching continues the answer through /v1/completions with the rendered chat and the kept prefix
 * as a raw prompt. That needs the server's chat template: llama-server exposes it as
 * POST /apply-template; a server without it gets a 'remote-unsupported' error.
 * tokenize and score need the model's vocabulary and logits: not available remotely.
 */
export interface RemoteEngineConfig {
  /** The endpoint's id (what a conversation records as its engine). */
  id: string;
  name: string;
  baseUrl: string;
  model: string;
  contextLength: number | null;
  /** Read on each request, so a changed key applies at once; null for none. */
  apiKey: () => string | null;
}

/** OpenAI caps top_logprobs at 20. */
export const MAX_TOP_LOGPROBS = 20;

/** The model panel's facts for a remote model: what the server tells, the rest unknown. */
export function remoteFacts(config: RemoteEngineConfig): ModelFacts {
  return {
    path: `${config.baseUrl}#${config.model}`,
    fileName: config.model,
    name: config.model,
    architecture: 'remote',
    layers: null,
    embeddingLength: null,
    attentionHeads: null,
    kvHeads: null,
    trainedContextLength: config.contextLength,
    contextSize: config.contextLength ?? 0,
    vocabSize: null,
    parameters: null,
    fileSizeBytes: 0,
    chatTemplate: `rendered by ${hostOf(config.baseUrl)}`,
    gpu: `remote (${hostOf(config.baseUrl)})`,
    gpuLayers: 0,
    threads: 0,
  };
}

export class RemoteEngine implements Engine {
  readonly pid = null;
  private readonly running = new Set<AbortController>();

  constructor(
    readonly config: RemoteEngineConfig,
    private readonly options: { maxRetryWaitMs?: number } = {},
  ) {}

  private get target(): HttpTarget {
    return { baseUrl: this.config.baseUrl, apiKey: this.config.apiKey() };
  }

  get facts(): ModelFacts {
    return remoteFacts(this.config);
  }

  /** Checks that the server lists the model; the path is ignored (the endpoint names its model). */
  async load(_path: string, _options: LoadOptions, onProgress?: (progress: number) => void): Promise<ModelFacts> {
    const models = await listRemoteModels(this.target);
    const found = models.find((m) => m.id === this.config.model);
    if (!found) {
      throw new GlassboxError(
        'remote-not-found',
        `${hostOf(this.config.baseUrl)} does not list the model '${this.config.model}'. It has: ${models.map((m) => m.id).join(', ') || 'none'}.`,
      );
    }
    onProgress?.(1);
    return remoteFacts({ ...this.config, contextLength: found.contextLength ?? this.config.contextLength });
  }

  async unload(): Promise<void> {}

  generate(request: GenerateRequest, onTokens: OnTokens): Generation {
    const controller = new AbortController();
    this.running.add(controller);
    const result = this.run(request, onTokens, controller.signal).finally(() => this.running.delete(controller));
    return { result, stop: () => controller.abort() };
  }

  async tokenize(_text: string): Promise<TokenPiece[]> {
    throw this.unsupported('Showing how text splits into tokens');
  }

  async score(_messages: ChatTurn[], _topAlternatives: number): Promise<ScoredPrompt> {
    throw this.unsupported('Prompt probabilities');
  }

  async embed(_modelPath: string, _texts: string[]): Promise<Embeddings> {
    throw new GlassboxError('remote-unsupported', `Document embeddings are made by a local embedding model, not by the remote endpoint '${this.config.name}'.`);
  }

  onCrash(_listener: (message: string) => void): () => void {
    return () => {};
  }

  async dispose(): Promise<void> {
    for (const controller of this.running) controller.abort();
  }

  private unsupported(what: string): GlassboxError {
    return new GlassboxError(
      'remote-unsupported',
      `${what} needs the model's own tokenizer and logits, which the remote endpoint '${this.config.name}' does not expose. Switch this conversation to the local engine to see them.`,
    );
  }

  private async run(request: GenerateRequest, onTokens: OnTokens, signal: AbortSignal): Promise<GenerateResult> {
    const started = performance.now();
    const prefixCount = request.prefixTokens?.length ?? 0;
    const branching = prefixCount > 0;
    const top = Math.min(request.topAlternatives, MAX_TOP_LOGPROBS);
    const state: StreamState = {
      index: prefixCount,
      text: '',
      count: 0,
      missing: false,
      firstAt: null,
      lastAt: null,
      finish: null,
      done: false,
      promptTokens: null,
      completionTokens: null,
    };
    // The tokens of one network read (however many stream events it held) go on as one batch.
    let held: GeneratedToken[] = [];
    const emit = (token: GeneratedToken): void => {
      const now = performance.now();
      state.firstAt ??= now;
      state.lastAt = now;
      state.text += token.text;
      state.count++;
      state.index++;
      held.push(token);
    };
    const flush = (): void => {
      if (held.length === 0) return;
      const batch = { first: state.index - held.length, tokens: held };
      held = [];
      onTokens(batch);
    };
    const { sampling } = request;
    const common = {
      model: this.config.model,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: sampling.maxTokens,
      temperature: sampling.temperature,
      top_p: sampling.topP,
      ...(sampling.seed === null ? {} : { seed: sampling.seed }),
    };
    const maxWait = this.options.maxRetryWaitMs ?? MAX_RETRY_WAIT_MS;
    const what = `the model '${this.config.model}'`;
    let prefixText: string | undefined;
    try {
      let reply;
      if (branching) {
        prefixText = request.prefixText;
        if (prefixText === undefined) throw new GlassboxError('invalid-argument', 'A remote engine continues a branch from its text; the prefix text is missing.');
        const prompt = (await this.renderChat(request.messages, signal)) + prefixText;
        reply = await this.sendBranch({ ...common, prompt, logprobs: top }, signal, maxWait);
      } else {
        reply = await sendOk(
          this.target,
          'POST',
          'chat/completions',
          { ...common, messages: request.messages, logprobs: true, top_logprobs: top },
          what,
          signal,
          maxWait,
        );
      }
      const type = String(reply.headers['content-type'] ?? '');
      if (type.includes('text/event-stream')) {
        await this.readStream(reply.body, state, { host: hostOf(this.config.baseUrl), top, legacy: branching, emit }, flush, signal);
      } else {
        // A server that ignored stream: true answers in one piece.
        const text = await readText(reply.body);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text) as unknown;
        } catch {
          throw new GlassboxError('remote-failed', `${hostOf(this.config.baseUrl)} sent an answer that is neither a stream nor JSON.`);
        }
        readChunk(parsed, state, { host: hostOf(this.config.baseUrl), top, legacy: branching, emit });
        state.done = true;
      }
    } catch (error) {
      if (!signal.aborted && !isAbort(error)) throw error;
      // The user stopped: what arrived is the answer.
      return this.result(state, started, 'stopped', 'cancelled', prefixText);
    } finally {
      // What the last read (or a one-piece answer) held, before the result or the error.
      flush();
    }
    if (signal.aborted) return this.result(state, started, 'stopped', 'cancelled', prefixText);
    if (!state.done && state.finish === null) {
      throw new GlassboxError(
        'remote-stream-cut',
        `The connection to ${hostOf(this.config.baseUrl)} closed in the middle of the answer. What arrived is kept; regenerate to try again.`,
      );
    }
    const finish = state.finish === 'length' ? 'max-tokens' : 'eog';
    return this.result(state, started, 'complete', finish, prefixText);
  }

  private result(
    state: StreamState,
    started: number,
    status: GenerateResult['status'],
    finishReason: GenerateResult['finishReason'],
    prefixText: string | undefined,
  ): GenerateResult {
    const end = performance.now();
    const span = state.firstAt !== null && state.lastAt !== null ? (state.lastAt - state.firstAt) / 1000 : 0;
    return {
      status,
      finishReason,
      text: (prefixText ?? '') + state.text,
      tokens: state.count,
      promptTokens: state.promptTokens ?? 0,
      // A remote server does not say what its cache held: count everything as evaluated.
      evaluatedPromptTokens: state.promptTokens ?? 0,
      ttftMs: state.firstAt === null ? null : state.firstAt - started,
      tokensPerSecond: state.count > 1 && span > 0 ? (state.count - 1) / span : null,
      totalMs: end - started,
      ...(prefixText === undefined ? {} : { prefixText }),
      probabilities: state.missing ? 'none' : 'exact',
      // OpenAI's and llama-server's logprobs are the log-softmax over the whole vocabulary.
      ...(state.missing ? {} : { meaning: 'whole-vocabulary' as const }),
    };
  }

  /** The chat as the server's template renders it (llama-server: POST /apply-template). */
  private async renderChat(messages: ChatTurn[], signal: AbortSignal): Promise<string> {
    let reply;
    try {
      reply = await sendOk(this.target, 'POST', '/apply-template', { messages }, 'a chat template endpoint (/apply-template)', signal);
    } catch (error) {
      if (error instanceof GlassboxError && (error.kind === 'remote-not-found' || error.kind === 'remote-failed')) throw this.cannotBranch();
      throw error;
    }
    const body = record(JSON.parse(await readText(reply.body)) as unknown);
    if (typeof body?.prompt !== 'string') throw this.cannotBranch();
    return body.prompt;
  }

  private async sendBranch(body: Record<string, unknown>, signal: AbortSignal, maxWait: number): ReturnType<typeof sendOk> {
    try {
      return await sendOk(this.target, 'POST', 'completions', body, `the model '${this.config.model}' (/completions)`, signal, maxWait);
    } catch (error) {
      if (error instanceof GlassboxError && error.kind === 'remote-not-found' && !/model/i.test(error.message.split('The server said:')[1] ?? '')) {
        throw this.cannotBranch();
      }
      throw error;
    }
  }

  private cannotBranch(): GlassboxError {
    return new GlassboxError(
      'remote-unsupported',
      `${hostOf(this.config.baseUrl)} cannot continue an answer from a chosen token: that needs /v1/completions and the server's chat template (/apply-template, as llama-server has). Regenerate instead, or branch with the local engine.`,
    );
  }

  /** The answer's server-sent events: one JSON chunk each, ending with `data: [DONE]`. */
  private async readStream(body: IncomingMessage, state: StreamState, reader: ChunkReader, afterRead: () => void, signal: AbortSignal): Promise<void> {
    body.setEncoding('utf8');
    try {
      await readServerSentEvents(
        body,
        (data) => {
          if (data === '[DONE]') {
            state.done = true;
            return 'done';
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(data) as unknown;
          } catch {
            throw new GlassboxError('remote-failed', `${reader.host} sent a stream event that is not JSON.`);
          }
          readChunk(parsed, state, reader);
          return 'more';
        },
        afterRead,
      );
    } catch (error) {
      if (signal.aborted || error instanceof GlassboxError) throw error;
      // The socket closed or reset mid-stream: treated as a cut by the caller (state.done stays false).
    }
  }
}
