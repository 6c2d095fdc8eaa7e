import type { IncomingMessage } from 'node:http';
import type { GenerateRequest, GenerateResult, LoadOptions, ScoredPrompt, TokenPiece, ChatTurn, Embeddings } from '../contract/engine-protocol';
import { GlassboxError } from '../contract/errors';
import type { ModelFacts } from '../contract/model';
import type { Alternative, GeneratedToken } from '../contract/token';
import type { Engine, Generation } from '../engine/engine';
import { getJson, hostOf, isAbort, MAX_RETRY_WAIT_MS, readText, sendOk, type HttpTarget } from './http';

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
 * (tokenId below). They only need to be stable within the app: branching from a token finds the
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

export interface RemoteModel {
  id: string;
  contextLength: number | null;
}

/** A stable 31-bit id for a token text (FNV-1a over its UTF-16 code units). */
export function tokenId(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 1;
}

export function probabilityOf(logprob: unknown): number {
  if (typeof logprob !== 'number' || Number.isNaN(logprob)) return 0;
  const p = Math.exp(logprob);
  return p > 1 ? 1 : p < 0 ? 0 : p;
}

/** Alternatives from `[{token, logprob}]` (chat) or `{token: logprob}` (legacy completions), sorted, one per text. */
export function alternativesOf(top: unknown, limit: number): Alternative[] {
  const pairs: [string, unknown][] = [];
  if (Array.isArray(top)) {
    for (const entry of top as unknown[]) {
      if (typeof entry === 'object' && entry !== null && typeof (entry as { token?: unknown }).token === 'string') {
        pairs.push([(entry as { token: string }).token, (entry as { logprob?: unknown }).logprob]);
      }
    }
  } else if (typeof top === 'object' && top !== null) {
    pairs.push(...Object.entries(top as Record<string, unknown>));
  }
  const byText = new Map<string, Alternative>();
  for (const [text, logprob] of pairs) {
    const p = probabilityOf(logprob);
    const seen = byText.get(text);
    if (!seen || seen.p < p) byText.set(text, { id: tokenId(text), text, p });
  }
  return [...byText.values()].sort((a, b) => b.p - a.p).slice(0, limit);
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function positiveInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

/** The context length where servers expose one (llama-server meta.n_ctx_train, vLLM max_model_len, OpenRouter context_length). */
function contextLengthOf(model: Record<string, unknown>): number | null {
  const meta = record(model.meta);
  return (
    positiveInt(meta?.n_ctx) ??
    positiveInt(meta?.n_ctx_train) ??
    positiveInt(model.max_model_len) ??
    positiveInt(model.context_length) ??
    positiveInt(model.context_window) ??
    null
  );
}

/** GET /v1/models: what "Connect and list models" shows. */
export async function listRemoteModels(target: HttpTarget, signal?: AbortSignal): Promise<RemoteModel[]> {
  const body = record(await getJson(target, 'models', 'the model list (GET /models)', signal));
  const data = body?.data;
  if (!Array.isArray(data)) {
    throw new GlassboxError('remote-failed', `${hostOf(target.baseUrl)} answered GET /models without a model list. Is the base URL right (it usually ends in /v1)?`);
  }
  const models: RemoteModel[] = [];
  for (const item of data as unknown[]) {
    const model = record(item);
    if (model && typeof model.id === 'string') models.push({ id: model.id, contextLength: contextLengthOf(model) });
  }
  return models;
}

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

interface StreamState {
  index: number;
  text: string;
  count: number;
  missing: boolean;
  firstAt: number | null;
  lastAt: number | null;
  finish: string | null;
  done: boolean;
  promptTokens: number | null;
  completionTokens: number | null;
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

  generate(request: GenerateRequest, onToken: (index: number, token: GeneratedToken) => void): Generation {
    const controller = new AbortController();
    this.running.add(controller);
    const result = this.run(request, onToken, controller.signal).finally(() => this.running.delete(controller));
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

  private async run(request: GenerateRequest, onToken: (index: number, token: GeneratedToken) => void, signal: AbortSignal): Promise<GenerateResult> {
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
    const emit = (token: GeneratedToken): void => {
      const now = performance.now();
      state.firstAt ??= now;
      state.lastAt = now;
      state.text += token.text;
      state.count++;
      onToken(state.index++, token);
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
        await this.readStream(reply.body, (chunk) => this.onChunk(chunk, state, emit, top, branching), state, signal);
      } else {
        // A server that ignored stream: true answers in one piece.
        const text = await readText(reply.body);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text) as unknown;
        } catch {
          throw new GlassboxError('remote-failed', `${hostOf(this.config.baseUrl)} sent an answer that is neither a stream nor JSON.`);
        }
        this.onChunk(parsed, state, emit, top, branching);
        state.done = true;
      }
    } catch (error) {
      if (!signal.aborted && !isAbort(error)) throw error;
      // The user stopped: what arrived is the answer.
      return this.result(state, started, 'stopped', 'cancelled', prefixText);
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

  /** Server-sent events: `data: {json}` blocks separated by a blank line, ending with `data: [DONE]`. */
  private async readStream(body: IncomingMessage, onData: (chunk: unknown) => void, state: StreamState, signal: AbortSignal): Promise<void> {
    body.setEncoding('utf8');
    let buffer = '';
    const handle = (block: string): void => {
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data === '') return;
      if (data === '[DONE]') {
        state.done = true;
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(data) as unknown;
      } catch {
        throw new GlassboxError('remote-failed', `${hostOf(this.config.baseUrl)} sent a stream event that is not JSON.`);
      }
      onData(parsed);
    };
    try {
      for await (const chunk of body) {
        buffer += chunk as string;
        let at: number;
        while ((at = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at).replace(/^\r?\n\r?\n/, '');
          handle(block);
          if (state.done) return;
        }
      }
      if (buffer.trim() !== '') handle(buffer);
    } catch (error) {
      if (signal.aborted || error instanceof GlassboxError) throw error;
      // The socket closed or reset mid-stream: treated as a cut below (state.done stays false).
    }
  }

  private onChunk(chunk: unknown, state: StreamState, emit: (token: GeneratedToken) => void, top: number, legacy: boolean): void {
    const body = record(chunk);
    if (!body) return;
    const error = body.error;
    if (error !== undefined && error !== null) {
      const message = typeof error === 'string' ? error : (record(error)?.message ?? JSON.stringify(error));
      throw new GlassboxError('remote-failed', `${hostOf(this.config.baseUrl)} reported an error mid-answer: ${String(message).slice(0, 300)}`);
    }
    const usage = record(body.usage);
    if (usage) {
      state.promptTokens = positiveInt(usage.prompt_tokens) ?? state.promptTokens;
      state.completionTokens = positiveInt(usage.completion_tokens) ?? state.completionTokens;
    }
    const choices = Array.isArray(body.choices) ? (body.choices as unknown[]) : [];
    const choice = record(choices[0]);
    if (!choice) return;
    const message = record(choice.delta) ?? record(choice.message);
    const text = legacy ? choice.text : message?.content;
    const logprobs = record(choice.logprobs);
    let emitted = 0;
    if (legacy && logprobs && Array.isArray(logprobs.tokens)) {
      const tokens = logprobs.tokens as unknown[];
      const values = Array.isArray(logprobs.token_logprobs) ? (logprobs.token_logprobs as unknown[]) : [];
      const tops = Array.isArray(logprobs.top_logprobs) ? (logprobs.top_logprobs as unknown[]) : [];
      tokens.forEach((token, i) => {
        if (typeof token !== 'string') return;
        emit({ id: tokenId(token), text: token, p: probabilityOf(values[i]), top: alternativesOf(tops[i], top) });
        emitted++;
      });
    } else if (!legacy && logprobs && Array.isArray(logprobs.content)) {
      for (const entry of logprobs.content as unknown[]) {
        const item = record(entry);
        if (!item || typeof item.token !== 'string') continue;
        emit({ id: tokenId(item.token), text: item.token, p: probabilityOf(item.logprob), top: alternativesOf(item.top_logprobs, top) });
        emitted++;
      }
    }
    if (emitted === 0 && typeof text === 'string' && text.length > 0) {
      // No logprobs for this piece: the text still streams, with placeholders (see the class comment).
      state.missing = true;
      emit({ id: tokenId(text), text, p: 1, top: [] });
    }
    if (typeof choice.finish_reason === 'string') state.finish = choice.finish_reason;
  }
}
