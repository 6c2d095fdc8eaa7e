import { z } from 'zod';

/**
 * Request bodies of the OpenAI endpoints we answer, validated before anything runs. Unknown fields
 * are ignored (clients send many optional ones); fields we cannot honour are refused with a 400
 * naming them (see unsupported() in requests.ts) rather than silently ignored.
 */

const nullish = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const otherPart = z.object({ type: z.string() }).loose();

export const chatMessageSchema = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: nullish(z.union([z.string(), z.array(z.union([textPart, otherPart]))])),
    name: z.string().optional(),
  })
  .loose();
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** Sampling fields shared by both completion endpoints (OpenAI's names; top_k and min_p as llama.cpp's server spells them). */
const samplingFields = {
  model: z.string().min(1).max(500),
  temperature: nullish(z.number().min(0).max(2)),
  top_p: nullish(z.number().min(0).max(1)),
  top_k: nullish(z.number().int().min(1).max(1000)),
  min_p: nullish(z.number().min(0).max(1)),
  max_tokens: nullish(z.number().int().min(1).max(32768)),
  stop: nullish(z.union([z.string().min(1), z.array(z.string().min(1)).max(4)])),
  seed: nullish(z.number().int().refine(Number.isSafeInteger, 'seed must be a safe integer')),
  stream: nullish(z.boolean()),
  stream_options: nullish(z.object({ include_usage: nullish(z.boolean()) }).loose()),
  n: nullish(z.number().int().min(1).max(128)),
  presence_penalty: nullish(z.number().min(-2).max(2)),
  frequency_penalty: nullish(z.number().min(-2).max(2)),
  logit_bias: nullish(z.record(z.string(), z.number())),
  user: nullish(z.string().max(200)),
};

export const chatCompletionRequestSchema = z
  .object({
    ...samplingFields,
    messages: z.array(chatMessageSchema).min(1).max(10_000),
    max_completion_tokens: nullish(z.number().int().min(1).max(32768)),
    logprobs: nullish(z.boolean()),
    top_logprobs: nullish(z.number().int().min(0).max(20)),
    tools: nullish(z.array(z.unknown())),
    functions: nullish(z.array(z.unknown())),
    response_format: nullish(z.object({ type: z.string() }).loose()),
  })
  .loose();
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

export const completionRequestSchema = z
  .object({
    ...samplingFields,
    prompt: z.union([z.string(), z.array(z.string()).min(1)]),
    /** The legacy API's logprobs is a number: how many alternatives to list per token. */
    logprobs: nullish(z.number().int().min(0).max(20)),
    echo: nullish(z.boolean()),
    suffix: nullish(z.string()),
    best_of: nullish(z.number().int().min(1).max(20)),
  })
  .loose();
export type CompletionRequest = z.infer<typeof completionRequestSchema>;
