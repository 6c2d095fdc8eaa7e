import { z } from 'zod';
import { wireErrorSchema } from './errors';
import { scoredPromptSchema, tokenPieceSchema } from './engine-protocol';
import { modelDescriptionSchema } from './model-description';
import { modelFactsSchema, modelStateSchema, samplingSchema } from './model';
import { generatedTokenSchema, tokenBatchTokensSchema } from './token';
import { tokenDistributionSchema } from './token-distribution';
import { APP_COMMANDS, type CallName } from './names';
import { MESSAGE_MAX_CHARS } from './message-limit';
import { apiRequestLogSchema, apiServerConfigureResultSchema, apiServerConfigureSchema, apiServerStatusSchema } from './api-server';
import {
  documentInfoSchema,
  ingestProgressSchema,
  ingestResultSchema,
  MAX_UPLOAD_PART_CHARS,
  searchResultSchema,
  embeddingStatusSchema,
} from './documents';
import { compareWordSchema, traceAttentionSchema, traceProgressSchema, traceStartSchema, traceSummarySchema, wordVectorsSchema } from './trace';
import { endpointArchitectureFileSchema, endpointSaveSchema, endpointSchema, endpointTestSchema, remoteModelSchema } from './remote';
import {
  catalogueEntrySchema,
  downloadStateSchema,
  fitEstimateSchema,
  libraryStateSchema,
  loadSettingsSchema,
  machineMemorySchema,
} from './model-library';
import {
  conversationDetailSchema,
  conversationSummarySchema,
  backupInfoSchema,
  exportedFileSchema,
  importResultSchema,
  storeRecoverySchema,
  presetSchema,
  searchHitSchema,
  generationStatsSchema,
  messageSchema,
  messageStatusSchema,
} from './conversation';

const id = z.string().min(1).max(100);
const empty = z.object({}).strict();

/**
 * Every call the renderer (or any client) can make, with the schema its arguments are validated
 * against on the receiving side and the shape of its result. Preload, IPC router, WebSocket server
 * and clients are all derived from this table; no other module names a call by a string literal
 * of its own.
 */
export const calls = {
  'app.info': {
    args: empty,
    result: z.object({
      version: z.string(),
      mode: z.enum(['electron', 'web']),
      dataDir: z.string(),
      platform: z.string(),
    }),
  },
  'model.state': { args: empty, result: modelStateSchema },
  'model.load': {
    /** settings: the load settings to use (and remember for this file); missing ones are the remembered ones. */
    args: z.object({ path: z.string().min(1).max(4096), settings: loadSettingsSchema.partial().optional() }).strict(),
    result: modelFactsSchema,
  },
  'conversations.list': { args: empty, result: z.array(conversationSummarySchema) },
  'conversations.create': {
    args: z.object({ title: z.string().max(200).optional() }).strict(),
    result: conversationSummarySchema,
  },
  'conversations.get': { args: z.object({ id }).strict(), result: conversationDetailSchema },
  'conversations.rename': {
    args: z.object({ id, title: z.string().trim().min(1).max(200) }).strict(),
    result: conversationSummarySchema,
  },
  /** Moves a conversation out of the list; it can be restored for a while (undo), then it is purged. */
  'conversations.delete': { args: z.object({ id }).strict(), result: z.object({ deleted: z.boolean() }) },
  'conversations.restore': { args: z.object({ id }).strict(), result: conversationSummarySchema },
  'conversations.pin': { args: z.object({ id, pinned: z.boolean() }).strict(), result: conversationSummarySchema },
  'conversations.search': {
    args: z.object({ query: z.string().min(1).max(500), limit: z.number().int().min(1).max(200).optional() }).strict(),
    result: z.array(searchHitSchema),
  },
  'conversations.setSystemPrompt': {
    args: z.object({ id, systemPrompt: z.string().max(50_000) }).strict(),
    result: conversationDetailSchema,
  },
  'conversations.setSampling': {
    args: z.object({ id, sampling: samplingSchema.partial() }).strict(),
    result: conversationDetailSchema,
  },
  /** Shows the branch through messageId: the current leaf becomes the last one visited under it. */
  /** How many of the oldest turns the engine leaves out for this conversation ("drop the oldest turns" when its context is full). */
  'conversations.droppedTurns': { args: z.object({ id }).strict(), result: z.object({ turns: z.number().int() }) },
  'conversations.setDroppedTurns': {
    args: z.object({ id, turns: z.number().int().min(0).max(100_000) }).strict(),
    result: z.object({ turns: z.number().int() }),
  },
  'conversations.selectBranch': {
    args: z.object({ conversationId: id, messageId: id }).strict(),
    result: conversationDetailSchema,
  },
  /** A message's tokens, left out of a conversation's detail (message.tokensOmitted) so opening it stays cheap. */
  'messages.tokens': {
    args: z.object({ conversationId: id, messageId: id }).strict(),
    result: z.object({ tokens: z.array(generatedTokenSchema).nullable() }),
  },
  'conversations.export': {
    args: z.object({ id, format: z.enum(['markdown', 'json']) }).strict(),
    result: exportedFileSchema,
  },
  'conversations.exportAll': { args: empty, result: exportedFileSchema },
  /** A JSON export (utf8) or an "Export all" zip (base64); conversations already here are not added again. */
  'conversations.import': {
    args: z.object({ content: z.string().min(2).max(64 * 1024 * 1024), encoding: z.enum(['utf8', 'base64']).optional() }).strict(),
    result: importResultSchema,
  },
  'store.status': {
    args: empty,
    /** folder: where the backups are (null for a database in memory). */
    result: z.object({ recovery: storeRecoverySchema.nullable(), backups: z.array(backupInfoSchema), folder: z.string().nullable() }),
  },
  /** Makes a backup now (the same copy the app makes on its own), for Settings' "Back up now". */
  'store.backup': { args: empty, result: backupInfoSchema },
  'store.restoreBackup': {
    args: z.object({ fileName: z.string().min(1).max(200) }).strict(),
    result: z.object({ restored: z.boolean() }),
  },
  'presets.list': { args: empty, result: z.array(presetSchema) },
  'presets.save': {
    args: z.object({ id: id.optional(), name: z.string().trim().min(1).max(100), text: z.string().max(50_000) }).strict(),
    result: presetSchema,
  },
  'presets.delete': { args: z.object({ id }).strict(), result: z.object({ deleted: z.boolean() }) },
  'chat.send': {
    args: z
      .object({
        conversationId: id,
        text: z.string().min(1).max(MESSAGE_MAX_CHARS),
        sampling: samplingSchema.partial().optional(),
      })
      .strict(),
    result: z.object({ userMessage: messageSchema, assistantMessage: messageSchema }),
  },
  /** Edits a user message: a new sibling with the new text, answered at once. */
  'chat.edit': {
    args: z.object({ conversationId: id, messageId: id, text: z.string().min(1).max(MESSAGE_MAX_CHARS) }).strict(),
    result: z.object({ userMessage: messageSchema, assistantMessage: messageSchema }),
  },
  /** A new answer to the same prompt, as a sibling of the given assistant message. */
  'chat.regenerate': {
    args: z.object({ conversationId: id, messageId: id }).strict(),
    result: z.object({ assistantMessage: messageSchema }),
  },
  /**
   * Branch from a token: a new sibling answer that keeps the tokens before `tokenIndex`, takes the
   * alternative `tokenId` (one of that token's listed alternatives) and generates on.
   */
  'chat.branchFromToken': {
    args: z
      .object({ conversationId: id, messageId: id, tokenIndex: z.number().int().min(0), tokenId: z.number().int().min(0) })
      .strict(),
    result: z.object({ assistantMessage: messageSchema }),
  },
  /** How probable the model found each token of a user message (the prompt view), with perplexity. */
  'chat.promptProbabilities': {
    args: z.object({ conversationId: id, messageId: id }).strict(),
    result: scoredPromptSchema,
  },
  /** The whole next-token distribution at one token of an answer (the pinned token), exact (contract/token-distribution.ts). */
  'chat.tokenDistribution': {
    args: z.object({ conversationId: id, messageId: id, index: z.number().int().min(0).max(1_048_576) }).strict(),
    result: tokenDistributionSchema,
  },
  /** The loaded model's architecture, read from its GGUF header (KV cache sized for the context in use). */
  'model.inspect': { args: empty, result: modelDescriptionSchema },
  'model.tokenize': {
    args: z.object({ text: z.string().max(MESSAGE_MAX_CHARS) }).strict(),
    result: z.array(tokenPieceSchema),
  },
  'chat.stop': {
    args: z.object({ conversationId: id }).strict(),
    result: z.object({ stopped: z.boolean() }),
  },
  /** The local OpenAI-compatible API server (API tab): settings, whether it runs, recent requests. */
  'apiServer.status': { args: empty, result: apiServerStatusSchema },
  /** Saves API server settings and starts, restarts or stops it; a network address without an API key is refused. */
  'apiServer.configure': { args: apiServerConfigureSchema, result: apiServerConfigureResultSchema },
  /** Remote engines (Settings → Engines): OpenAI-compatible endpoints. API keys go in, never come out. */
  'endpoints.list': { args: empty, result: z.array(endpointSchema) },
  'endpoints.save': { args: endpointSaveSchema, result: endpointSchema },
  'endpoints.remove': { args: z.object({ id }).strict(), result: z.object({ removed: z.boolean() }) },
  /** "Connect and list models": GET /models on the given base URL. */
  'endpoints.test': { args: endpointTestSchema, result: z.object({ models: z.array(remoteModelSchema) }) },
  /** "Architecture from file": the model's .gguf (header only) or config.json; refused unless it describes a model. */
  'endpoints.setArchitectureFile': { args: endpointArchitectureFileSchema, result: endpointSchema },
  /** The architecture from an endpoint's file (KV cache sized for the server's context when it tells it); null without a file. */
  'endpoints.architecture': { args: z.object({ id }).strict(), result: modelDescriptionSchema.nullable() },
  /** Which engine answers in this conversation: 'local' or an endpoint id. */
  'conversations.setEngine': { args: z.object({ id, engine: id }).strict(), result: conversationDetailSchema },
  /** Unloads the model; the engine stays up. */
  'model.unload': { args: empty, result: z.object({ unloaded: z.boolean() }) },
  /**
   * A model file's remembered load settings (overridden by `settings`) and the memory a load with them
   * would need, from its header alone; a corrupt file is refused (model-invalid) without loading it.
   */
  'models.fit': {
    args: z.object({ path: z.string().min(1).max(4096), settings: loadSettingsSchema.partial().optional() }).strict(),
    result: z.object({ settings: loadSettingsSchema, estimate: fitEstimateSchema, memory: machineMemorySchema }),
  },
  /** The first-run catalogue (static, nothing is fetched) with whether each model fits this machine. */
  'models.catalogue': {
    args: empty,
    result: z.object({ memory: machineMemorySchema, entries: z.array(catalogueEntrySchema) }),
  },
  /** The models folder, the .gguf files in it (from their headers) and downloads in progress. */
  'models.library': { args: empty, result: libraryStateSchema },
  'models.setDir': { args: z.object({ dir: z.string().min(1).max(4096) }).strict(), result: libraryStateSchema },
  /** Starts downloading a catalogue model (by id) or an hf:/https: URI; progress comes as 'models.download' events. */
  'models.download': { args: z.object({ model: z.string().min(1).max(2048) }).strict(), result: downloadStateSchema },
  'models.cancelDownload': { args: z.object({ id }).strict(), result: z.object({ cancelled: z.boolean() }) },
  /** Deletes a .gguf file in the models folder (not the loaded one). */
  'models.delete': { args: z.object({ path: z.string().min(1).max(4096) }).strict(), result: z.object({ deleted: z.boolean() }) },
  /** Documents for question answering (electron/documents): the library, adding files, attachments, search. */
  'documents.list': { args: empty, result: z.array(documentInfoSchema) },
  /** Adds a file by path (Electron, CLI); progress comes as 'documents.progress' events for jobId; attached when conversationId is given. */
  'documents.addPath': {
    args: z.object({ path: z.string().min(1).max(4096), jobId: id, conversationId: id.optional() }).strict(),
    result: ingestResultSchema,
  },
  /** Web mode: one part of a dropped file's bytes, base64, appended at offset (the socket carries 1 MiB a message). */
  'documents.uploadPart': {
    args: z
      .object({ uploadId: id, offset: z.number().int().min(0), data: z.string().max(MAX_UPLOAD_PART_CHARS) })
      .strict(),
    result: z.object({ received: z.number().int() }),
  },
  /** Web mode: adds the file whose parts were uploaded. */
  'documents.addUpload': {
    args: z.object({ uploadId: id, name: z.string().min(1).max(500), jobId: id, conversationId: id.optional() }).strict(),
    result: ingestResultSchema,
  },
  'documents.cancel': { args: z.object({ jobId: id }).strict(), result: z.object({ cancelled: z.boolean() }) },
  'documents.remove': { args: z.object({ id }).strict(), result: z.object({ removed: z.boolean() }) },
  'documents.attached': { args: z.object({ conversationId: id }).strict(), result: z.array(documentInfoSchema) },
  'documents.attach': {
    args: z.object({ conversationId: id, documentId: id }).strict(),
    result: z.array(documentInfoSchema),
  },
  'documents.detach': {
    args: z.object({ conversationId: id, documentId: id }).strict(),
    result: z.array(documentInfoSchema),
  },
  /** BM25 search over every document's passages (or only documentIds), best first. */
  'documents.search': {
    args: z
      .object({
        query: z.string().min(1).max(2000),
        top: z.number().int().min(1).max(100).optional(),
        documentIds: z.array(id).max(1000).optional(),
      })
      .strict(),
    result: z.array(searchResultSchema),
  },
  /**
   * The GGUF embedding model for document vectors (null: BM25 alone); it is tried on a word first.
   * Documents added afterwards get vectors; earlier ones need documents.reindexVectors.
   */
  'documents.setEmbeddingModel': {
    args: z.object({ path: z.string().min(1).max(4096).nullable() }).strict(),
    result: embeddingStatusSchema,
  },
  /** The chosen embedding model and how many passages have its vectors. */
  'documents.embeddingStatus': { args: empty, result: embeddingStatusSchema },
  /**
   * Gives every passage without a vector from the chosen embedding model one, in turn with adding
   * documents; 'documents.embedding' events tell the progress. Resolves when done, or early when
   * another model (or none) is chosen.
   */
  'documents.reindexVectors': { args: empty, result: embeddingStatusSchema },
  /**
   * One forward pass of the loaded model over text in the trace process (electron/trace): every
   * layer's attention, residual statistics and the logit lens; 'trace.progress' events for jobId.
   */
  'trace.start': { args: traceStartSchema, result: traceSummarySchema },
  'trace.cancel': { args: z.object({ jobId: id }).strict(), result: z.object({ cancelled: z.boolean() }) },
  /** One layer's attention of the last trace, [head][query][key]. */
  'trace.attention': {
    args: z.object({ traceId: id, layer: z.number().int().min(0).max(1000) }).strict(),
    result: traceAttentionSchema,
  },
  /** The same word's vector in two sentences, at the embedding and after every layer. */
  'trace.compareWord': { args: compareWordSchema, result: wordVectorsSchema },
} as const satisfies { [N in CallName]: { args: z.ZodType; result: z.ZodType } };

/** Events pushed to every connected client. Deltas only: a token event never carries the whole chat. */
export const events = {
  /**
   * Consecutive tokens of the answer being written, one event per batch the engine sent
   * (contract/token-batch.ts): `tokens[i]` is the answer's token `first + i`.
   */
  'chat.tokens': z.object({
    conversationId: z.string(),
    messageId: z.string(),
    first: z.number().int().min(0),
    tokens: tokenBatchTokensSchema,
  }),
  'chat.end': z.object({
    conversationId: z.string(),
    messageId: z.string(),
    status: messageStatusSchema,
    content: z.string(),
    stats: generationStatsSchema.nullable(),
    error: wireErrorSchema.nullable(),
  }),
  'model.state': modelStateSchema,
  'conversations.changed': z.object({ conversation: conversationSummarySchema }),
  'engine.crashed': z.object({ message: z.string() }),
  /** A command from the desktop app's native menu, for the renderer to carry out. */
  'app.command': z.object({ command: z.enum(APP_COMMANDS) }),
  /** The API server started, stopped or failed to start (the recent-request list travels in 'apiServer.request'). */
  'apiServer.status': apiServerStatusSchema.omit({ recent: true }),
  /** One finished request to the API server, for the API tab's list. */
  'apiServer.request': apiRequestLogSchema,
  /** A download's progress (a few times a second), then its end (done, error or cancelled). */
  'models.download': downloadStateSchema,
  /** Adding a document: reading, indexing, then done, error or cancelled (one job per file). */
  'documents.progress': ingestProgressSchema,
  /** The embedding model was chosen, or passages were given vectors (after each batch, then at the end). */
  'documents.embedding': embeddingStatusSchema,
  /** A trace's progress: loading, layers read, lens vectors done, then done, error or cancelled. */
  'trace.progress': traceProgressSchema,
} as const;

export type Calls = typeof calls;
export { CALL_NAMES, IPC_CHANNELS, isCallName, type CallName } from './names';
export type CallArgs<N extends CallName> = z.input<Calls[N]['args']>;
export type CallResult<N extends CallName> = z.output<Calls[N]['result']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

/** What a client sees, whatever the transport. Errors are thrown as GlassboxError. */
export interface GlassboxClient {
  call<N extends CallName>(name: N, args: CallArgs<N>): Promise<CallResult<N>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
}
