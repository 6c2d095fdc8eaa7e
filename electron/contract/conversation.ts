import { z } from 'zod';
import { samplingSchema } from './model';
import { generatedTokenSchema } from './token';
import { wireErrorSchema } from './errors';

export const MESSAGE_STATUSES = ['complete', 'streaming', 'stopped', 'interrupted', 'error'] as const;
export const messageStatusSchema = z.enum(MESSAGE_STATUSES);
export type MessageStatus = z.infer<typeof messageStatusSchema>;

export const messageRoleSchema = z.enum(['system', 'user', 'assistant']);
export type MessageRole = z.infer<typeof messageRoleSchema>;

export const generationStatsSchema = z.object({
  /** Tokens generated for this answer. */
  tokens: z.number().int(),
  /** Tokens in the rendered prompt (the whole conversation so far). */
  promptTokens: z.number().int(),
  /** Prompt tokens actually evaluated; the rest came from the KV cache. */
  evaluatedPromptTokens: z.number().int(),
  ttftMs: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  totalMs: z.number(),
});
export type GenerationStats = z.infer<typeof generationStatsSchema>;

export const modelIdentitySchema = z.object({
  fileName: z.string(),
  path: z.string(),
  architecture: z.string(),
  fileSizeBytes: z.number(),
});
export type ModelIdentity = z.infer<typeof modelIdentitySchema>;

export const messageSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  parentId: z.string().nullable(),
  role: messageRoleSchema,
  content: z.string(),
  status: messageStatusSchema,
  createdAt: z.number(),
  tokens: z.array(generatedTokenSchema).nullable(),
  stats: generationStatsSchema.nullable(),
  model: modelIdentitySchema.nullable(),
  sampling: samplingSchema.nullable(),
  error: wireErrorSchema.nullable(),
});
export type Message = z.infer<typeof messageSchema>;

export const conversationSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type ConversationSummary = z.infer<typeof conversationSummarySchema>;

export const conversationDetailSchema = conversationSummarySchema.extend({
  currentLeafId: z.string().nullable(),
  /** The messages on the branch currently shown, root first. */
  messages: z.array(messageSchema),
});
export type ConversationDetail = z.infer<typeof conversationDetailSchema>;
