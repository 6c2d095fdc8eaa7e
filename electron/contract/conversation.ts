import { z } from 'zod';
import { samplingSchema } from './model';
import { generatedTokenSchema, probabilityMeaningSchema } from './token';
import { wireErrorSchema } from './errors';
import { sourceSchema } from './documents';

/** A conversation's title until it has one: created without a title, or before its first prompt names it. */
export const DEFAULT_TITLE = 'New chat';

export const MESSAGE_STATUSES = ['complete', 'streaming', 'stopped', 'interrupted', 'error'] as const;
export const messageStatusSchema = z.enum(MESSAGE_STATUSES);
export type MessageStatus = z.infer<typeof messageStatusSchema>;

export const messageRoleSchema = z.enum(['system', 'user', 'assistant']);
export type MessageRole = z.infer<typeof messageRoleSchema>;

/** Why a generation ended: the model's end-of-text, a stop string, the answer length limit, a full context, or Stop. */
export const finishReasonSchema = z.enum(['eog', 'stop-string', 'max-tokens', 'context-full', 'cancelled']);
export type FinishReason = z.infer<typeof finishReasonSchema>;

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
  /** Why the answer ended (absent: not recorded, in answers saved before it was, and from remote engines). */
  finishReason: finishReasonSchema.optional(),
  /** 'none': the (remote) engine returned no probabilities for this answer; its tokens' p and top are placeholders. Absent: exact. */
  probabilities: z.enum(['exact', 'none']).optional(),
  /** A reasoning model's thought: its tokens, and how long it thought (null: the thought never ended). Absent: no thought. */
  thoughtTokens: z.number().int().optional(),
  thoughtMs: z.number().nullable().optional(),
  /**
   * What the tokens' p and alternatives mean (contract/probability-meaning.ts): a remote endpoint's
   * logprobs are whole-vocabulary, the local engine streams top-K shares. Absent: 'top-k-share'.
   */
  meaning: probabilityMeaningSchema.optional(),
  /** The rendered prompt's fingerprint (GenerateResult.promptHash); absent in older answers and remote ones. */
  promptHash: z.string().max(64).optional(),
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
  /**
   * true: the message has tokens, left out here (tokens is null) because a conversation's detail
   * does not decode them; the 'messages.tokens' call fetches them. Absent: tokens is all there is.
   */
  tokensOmitted: z.boolean().optional(),
  stats: generationStatsSchema.nullable(),
  model: modelIdentitySchema.nullable(),
  sampling: samplingSchema.nullable(),
  error: wireErrorSchema.nullable(),
  /** The ids of this message and its siblings (same parent), oldest first: the ‹ 2/3 › switcher. */
  siblingIds: z.array(z.string()),
  /** Document passages this answer was given, cited as [n] (electron/documents). Absent or null: none. */
  sources: z.array(sourceSchema).nullable().optional(),
  /**
   * A reasoning model's thinking before the answer (its markers removed), stored apart from
   * `content`, which is the answer alone; its tokens are the ones of `tokens` with segment 'thought'.
   * Absent or null: none.
   */
  thought: z.string().nullable().optional(),
});
export type Message = z.infer<typeof messageSchema>;

export const conversationSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  pinned: z.boolean(),
});
export type ConversationSummary = z.infer<typeof conversationSummarySchema>;

export const conversationDetailSchema = conversationSummarySchema.extend({
  currentLeafId: z.string().nullable(),
  /** Sent to the model before the first message; '' for none. */
  systemPrompt: z.string(),
  /** Sampling settings chosen for this conversation (defaults fill what is not set). */
  sampling: samplingSchema,
  /** The messages on the branch currently shown, root first. */
  messages: z.array(messageSchema),
  /** Which engine answers: 'local' (the loaded GGUF) or a remote endpoint's id (electron/remote). Absent: local. */
  engine: z.string().optional(),
});
export type ConversationDetail = z.infer<typeof conversationDetailSchema>;

/** A full-text search hit: a conversation title or one message, with the matching words marked. */
export const searchHitSchema = z.object({
  conversationId: z.string(),
  title: z.string(),
  /** null when the title matched rather than a message. */
  messageId: z.string().nullable(),
  role: messageRoleSchema.nullable(),
  /** The snippet as segments, so no HTML crosses the boundary: matched words have match = true. */
  snippet: z.array(z.object({ text: z.string(), match: z.boolean() })),
  updatedAt: z.number(),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const presetSchema = z.object({ id: z.string(), name: z.string(), text: z.string() });
export type Preset = z.infer<typeof presetSchema>;

export const exportedFileSchema = z.object({
  fileName: z.string(),
  mimeType: z.string(),
  /**
   * Text formats travel as text, archives as base64. 'saved': the desktop app has already written
   * the file where the user chose, and `content` is that path (nothing to download).
   */
  encoding: z.enum(['utf8', 'base64', 'saved']),
  content: z.string(),
});
export type ExportedFile = z.infer<typeof exportedFileSchema>;

/** What "Import…" did with a file (a JSON export or an "Export all" zip). */
export const importResultSchema = z.object({
  /** Conversations added, in the file's order. */
  imported: z.array(conversationSummarySchema),
  /** Conversations of the file that were already here (the same conversation, or imported before): not added again. */
  alreadyPresent: z.array(conversationSummarySchema),
});
export type ImportResult = z.infer<typeof importResultSchema>;

export const backupInfoSchema = z.object({ fileName: z.string(), createdAt: z.number(), bytes: z.number() });
export type BackupInfo = z.infer<typeof backupInfoSchema>;

export const storeRecoverySchema = z.object({
  /** Where the unreadable database was moved. */
  movedTo: z.string(),
  reason: z.string(),
});
export type StoreRecovery = z.infer<typeof storeRecoverySchema>;
