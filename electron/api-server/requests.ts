import type { ChatTurn, GenerateRequest } from '../contract/engine-protocol';
import { DEFAULT_SAMPLING, type ModelFacts, type Sampling } from '../contract/model';
import { ApiError, invalidRequest, unsupported } from './errors';
import type { ChatCompletionRequest, ChatMessage, CompletionRequest } from './openai-schema';

/**
 * OpenAI request bodies → the engine's GenerateRequest. A request with logprobs asks the engine for
 * exact probabilities (contract/token.ts: the whole-vocabulary softmax at temperature 1, as OpenAI
 * and llama-server's n_probs mean them), whatever the request's temperature/top_p; they become
 * logprobs in responses.ts. Without logprobs the cheaper top-K shares are generated and not shown.
 */

/** Alternatives the engine is asked for per token: never fewer than the app's own ten. */
export const MIN_ALTERNATIVES = 10;

export interface PreparedRequest {
  request: GenerateRequest;
  /** The client's stop strings (matched on the answer's text here, not in the engine). */
  stops: string[];
  stream: boolean;
  includeUsage: boolean;
  /** Alternatives listed per token in the response's logprobs; null: no logprobs. */
  logprobs: { top: number } | null;
}

/** The id clients use for the loaded model: its file name without `.gguf`. */
export function modelId(facts: ModelFacts): string {
  return facts.fileName.replace(/\.gguf$/i, '');
}

export function matchesModel(requested: string, facts: ModelFacts): boolean {
  return requested === modelId(facts) || requested === facts.fileName || requested === facts.path;
}

type SamplingBody = Pick<
  ChatCompletionRequest,
  'temperature' | 'top_p' | 'top_k' | 'min_p' | 'seed' | 'n' | 'presence_penalty' | 'frequency_penalty' | 'logit_bias' | 'stop'
>;

/** OpenAI's defaults (temperature 1, top_p 1, no min-p); top_k defaults to the app's 40. */
export function toSampling(body: SamplingBody, maxTokens: number): Sampling {
  if (body.n != null && body.n !== 1) throw unsupported('n', 'More than one choice (n > 1)');
  if (body.presence_penalty) throw unsupported('presence_penalty', 'A presence penalty');
  if (body.frequency_penalty) throw unsupported('frequency_penalty', 'A frequency penalty');
  if (body.logit_bias && Object.keys(body.logit_bias).length > 0) throw unsupported('logit_bias', 'logit_bias');
  const topP = body.top_p ?? 1;
  return {
    // top_p 0 keeps only the most probable token: greedy, which is temperature 0 here.
    temperature: topP === 0 ? 0 : (body.temperature ?? 1),
    topK: body.top_k ?? DEFAULT_SAMPLING.topK,
    topP: topP === 0 ? 1 : topP,
    minP: body.min_p ?? 0,
    // OpenAI's seed is any 64-bit integer; the engine's is 32 bits.
    seed: body.seed == null ? null : ((body.seed % 2 ** 32) + 2 ** 32) % 2 ** 32,
    maxTokens,
  };
}

function stopsOf(stop: string | string[] | null | undefined): string[] {
  if (stop == null) return [];
  return typeof stop === 'string' ? [stop] : stop;
}

function defaultMaxTokens(facts: ModelFacts): number {
  return Math.max(1, Math.min(32768, facts.contextSize));
}

export function prepareChat(body: ChatCompletionRequest, facts: ModelFacts): PreparedRequest {
  if (body.tools && body.tools.length > 0) throw unsupported('tools', 'Tool calling');
  if (body.functions && body.functions.length > 0) throw unsupported('functions', 'Function calling');
  if (body.response_format && body.response_format.type !== 'text') throw unsupported('response_format', `response_format '${body.response_format.type}'`);
  if (body.top_logprobs != null && body.top_logprobs > 0 && body.logprobs !== true) {
    throw invalidRequest('top_logprobs requires logprobs to be true.', 'top_logprobs', 'invalid_value');
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? defaultMaxTokens(facts);
  const top = body.logprobs === true ? (body.top_logprobs ?? 0) : null;
  return {
    request: {
      messages: body.messages.map(toTurn),
      sampling: toSampling(body, maxTokens),
      topAlternatives: Math.max(top ?? 0, MIN_ALTERNATIVES),
      ...(top !== null ? { exactProbabilities: true } : {}),
    },
    stops: stopsOf(body.stop),
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    logprobs: top === null ? null : { top },
  };
}

/**
 * A raw prompt. The engine takes chat turns: for a model without a chat template (a base model)
 * a single user turn is rendered as plain text — BOS and the prompt, continued directly — which is
 * exactly a raw completion. A model with a template sees the prompt as one user message.
 */
export function prepareCompletion(body: CompletionRequest): PreparedRequest {
  if (body.echo === true) throw unsupported('echo', 'echo');
  if (body.suffix != null && body.suffix.length > 0) throw unsupported('suffix', 'suffix (fill-in-the-middle)');
  if (body.best_of != null && body.best_of !== 1) throw unsupported('best_of', 'best_of');
  const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
  if (prompts.length !== 1) throw unsupported('prompt', 'More than one prompt per request');
  const prompt = prompts[0] ?? '';
  if (prompt.length === 0) throw invalidRequest('prompt must not be empty.', 'prompt', 'invalid_value');
  const top = body.logprobs ?? null;
  return {
    request: {
      messages: [{ role: 'user', content: prompt }],
      // The legacy endpoint's max_tokens defaults to 16, as OpenAI's does.
      sampling: toSampling(body, body.max_tokens ?? 16),
      topAlternatives: Math.max(top ?? 0, MIN_ALTERNATIVES),
      ...(top !== null ? { exactProbabilities: true } : {}),
    },
    stops: stopsOf(body.stop),
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    logprobs: top === null ? null : { top },
  };
}

function toTurn(message: ChatMessage, index: number): ChatTurn {
  const role = message.role === 'developer' ? 'system' : message.role;
  if (role === 'tool' || role === 'function') throw unsupported(`messages.${index}.role`, `The '${role}' role`);
  return { role, content: contentText(message.content, index) };
}

function contentText(content: ChatMessage['content'], index: number): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  let text = '';
  for (const [i, part] of content.entries()) {
    if (part.type !== 'text' || typeof part.text !== 'string') {
      throw new ApiError(400, `Content of type '${part.type}' is not supported: the loaded model reads text only.`, 'invalid_request_error', 'unsupported_content', `messages.${index}.content.${i}`);
    }
    text += part.text;
  }
  return text;
}
