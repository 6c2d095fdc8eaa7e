import { z } from 'zod';
import { wireErrorSchema } from './errors';
import { modelFactsSchema, samplingSchema } from './model';
import { generatedTokenSchema } from './token';
import { messageRoleSchema } from './conversation';

/**
 * Messages between the main process (host) and the engine process (worker). The engine may crash
 * at any time; the host treats every request as possibly unanswered.
 */
export const loadOptionsSchema = z.object({
  /** Threads for decoding; null picks from the cores this process may use. */
  threads: z.number().int().min(1).max(256).nullable(),
  /** 'auto' tries CUDA, Vulkan or Metal and falls back to the CPU. */
  gpu: z.enum(['auto', 'cpu']),
  /** Context size in tokens; null uses min(trained context, 4096). */
  contextSize: z.number().int().min(64).max(1_048_576).nullable(),
});
export type LoadOptions = z.infer<typeof loadOptionsSchema>;

export const DEFAULT_LOAD_OPTIONS: LoadOptions = { threads: null, gpu: 'auto', contextSize: null };

export const chatTurnSchema = z.object({ role: messageRoleSchema, content: z.string() });
export type ChatTurn = z.infer<typeof chatTurnSchema>;

export const generateRequestSchema = z.object({
  messages: z.array(chatTurnSchema).min(1),
  sampling: samplingSchema,
  /** How many alternatives each token reports (the shown top-k). */
  topAlternatives: z.number().int().min(1).max(100),
});
export type GenerateRequest = z.infer<typeof generateRequestSchema>;

export const generateResultSchema = z.object({
  status: z.enum(['complete', 'stopped']),
  /** Why it ended: an end-of-generation token, a stop string, the token limit, or the user. */
  finishReason: z.enum(['eog', 'stop-string', 'max-tokens', 'context-full', 'cancelled']),
  text: z.string(),
  tokens: z.number().int(),
  promptTokens: z.number().int(),
  evaluatedPromptTokens: z.number().int(),
  ttftMs: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  totalMs: z.number(),
});
export type GenerateResult = z.infer<typeof generateResultSchema>;

export const hostToEngineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('load'), id: z.number().int(), path: z.string(), options: loadOptionsSchema }),
  z.object({ type: z.literal('unload'), id: z.number().int() }),
  z.object({ type: z.literal('generate'), id: z.number().int(), request: generateRequestSchema }),
  /** Cancels the generation whose request id is `target`. */
  z.object({ type: z.literal('stop'), target: z.number().int() }),
]);
export type HostToEngine = z.infer<typeof hostToEngineSchema>;

export const engineToHostSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({ type: z.literal('load-progress'), id: z.number().int(), progress: z.number() }),
  z.object({ type: z.literal('loaded'), id: z.number().int(), facts: modelFactsSchema }),
  z.object({ type: z.literal('unloaded'), id: z.number().int() }),
  z.object({ type: z.literal('token'), id: z.number().int(), index: z.number().int(), token: generatedTokenSchema }),
  z.object({ type: z.literal('generated'), id: z.number().int(), result: generateResultSchema }),
  z.object({ type: z.literal('error'), id: z.number().int(), error: wireErrorSchema }),
]);
export type EngineToHost = z.infer<typeof engineToHostSchema>;
