import { z } from 'zod';
import { GlassboxError } from '../contract/errors';
import { samplingSchema, type Sampling } from '../contract/model';
import { generatedTokenSchema } from '../contract/token';
import { wireErrorSchema } from '../contract/errors';
import { sourceSchema, type Source } from '../contract/documents';
import {
  generationStatsSchema,
  messageRoleSchema,
  messageStatusSchema,
  modelIdentitySchema,
  type ConversationDetail,
  type GenerationStats,
  type Message,
} from '../contract/conversation';

/**
 * Export and import formats.
 *
 * JSON (`glassbox.conversation`, version 1) is the lossless one: every message of the tree with its
 * parent, tokens and probabilities, stats, model and sampling. Markdown is a readable transcript of
 * the branch shown, with a stats line under each answer; it is not imported back.
 */
export const EXPORT_FORMAT = 'glassbox.conversation';
export const EXPORT_VERSION = 1;

const exportedMessageSchema = z.object({
  id: z.string().min(1),
  parentId: z.string().min(1).nullable(),
  role: messageRoleSchema,
  content: z.string(),
  status: messageStatusSchema,
  createdAt: z.number(),
  tokens: z.array(generatedTokenSchema).nullable(),
  stats: generationStatsSchema.nullable(),
  model: modelIdentitySchema.nullable(),
  sampling: samplingSchema.nullable(),
  error: wireErrorSchema.nullable(),
  /** A reasoning model's thought, apart from the answer (absent in files from before it was kept). */
  thought: z.string().nullable().optional(),
  /** The document passages an answer was given and cites as [n] (for reading; importing does not re-attach documents). */
  sources: z.array(sourceSchema).optional(),
});
export type ExportedMessage = z.infer<typeof exportedMessageSchema>;

const exportDocumentSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exportedAt: z.number().optional(),
  conversation: z.object({
    id: z.string().optional(),
    /** Where an imported conversation first came from (its id there); absent for one made here. */
    originId: z.string().optional(),
    title: z.string(),
    createdAt: z.number(),
    updatedAt: z.number(),
    pinned: z.boolean().optional(),
    systemPrompt: z.string().optional(),
    sampling: samplingSchema.partial().optional(),
    currentLeafId: z.string().nullable().optional(),
  }),
  messages: z.array(exportedMessageSchema),
});
export type ExportDocument = z.infer<typeof exportDocumentSchema>;

export interface ConversationExport {
  detail: ConversationDetail;
  /** The id the conversation had where it was first exported from, if it was imported. */
  originId: string | null;
  /** The sampling settings the user changed (not the defaults), as stored. */
  samplingOverrides: Partial<Sampling>;
  /** Every message of the tree, parents before children. */
  tree: Message[];
}

export function toJsonDocument({ detail, originId, samplingOverrides, tree }: ConversationExport, exportedAt: number): ExportDocument {
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt,
    conversation: {
      id: detail.id,
      ...(originId === null ? {} : { originId }),
      title: detail.title,
      createdAt: detail.createdAt,
      updatedAt: detail.updatedAt,
      pinned: detail.pinned,
      systemPrompt: detail.systemPrompt,
      sampling: samplingOverrides,
      currentLeafId: detail.currentLeafId,
    },
    messages: tree.map((m) => ({
      id: m.id,
      parentId: m.parentId,
      role: m.role,
      content: m.content,
      status: m.status,
      createdAt: m.createdAt,
      tokens: m.tokens,
      stats: m.stats,
      model: m.model,
      sampling: m.sampling,
      error: m.error,
      ...(m.thought != null ? { thought: m.thought } : {}),
      ...(m.sources != null && m.sources.length > 0 ? { sources: m.sources } : {}),
    })),
  };
}

function invalid(message: string): GlassboxError {
  return new GlassboxError('invalid-argument', message);
}

/** Parses and checks an export: the format, the version, every field, and that the messages form a tree. */
export function parseJsonDocument(json: string): ExportDocument {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw invalid('This file is not JSON, so it is not a Glassbox conversation export.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('This file is not a Glassbox conversation export (expected a JSON object).');
  }
  const header = value as { format?: unknown; version?: unknown };
  if (header.format !== EXPORT_FORMAT) {
    throw invalid(
      `This file is not a Glassbox conversation export: its format is ${JSON.stringify(header.format ?? null)}, ` +
        `expected "${EXPORT_FORMAT}".`,
    );
  }
  if (typeof header.version === 'number' && header.version > EXPORT_VERSION) {
    throw invalid(
      `This conversation was exported by a newer version of Glassbox (format version ${header.version}; ` +
        `this version reads version ${EXPORT_VERSION}). Update Glassbox to import it.`,
    );
  }
  const parsed = exportDocumentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    throw invalid(`This Glassbox export is damaged${where}: ${issue?.message ?? 'unexpected shape'}.`);
  }
  const document = parsed.data;
  const ids = new Set<string>();
  for (const message of document.messages) {
    if (ids.has(message.id)) throw invalid(`This Glassbox export is damaged: message ${message.id} appears twice.`);
    ids.add(message.id);
  }
  for (const message of document.messages) {
    if (message.parentId !== null && !ids.has(message.parentId)) {
      throw invalid(`This Glassbox export is damaged: message ${message.id} answers a message that is not in the file.`);
    }
  }
  const leaf = document.conversation.currentLeafId;
  if (leaf !== undefined && leaf !== null && !ids.has(leaf)) {
    throw invalid('This Glassbox export is damaged: its current message is not in the file.');
  }
  return document;
}

/** The ids a conversation in an export is known by: its own there, and where it came from before that. */
export function originIds(document: ExportDocument): string[] {
  const { id, originId } = document.conversation;
  return [id, originId].filter((value): value is string => value !== undefined && value !== '');
}

/** The messages ordered parents first; throws if they do not form a tree (a cycle). */
export function parentsFirst(messages: readonly ExportedMessage[]): ExportedMessage[] {
  const children = new Map<string | null, ExportedMessage[]>();
  for (const message of messages) {
    const list = children.get(message.parentId);
    if (list === undefined) children.set(message.parentId, [message]);
    else list.push(message);
  }
  const ordered: ExportedMessage[] = [];
  const queue = [...(children.get(null) ?? [])];
  for (let i = 0; i < queue.length; i++) {
    const message = queue[i];
    if (message === undefined) continue;
    ordered.push(message);
    queue.push(...(children.get(message.id) ?? []));
  }
  if (ordered.length !== messages.length) {
    throw invalid('This Glassbox export is damaged: its messages do not form a tree (a message is its own ancestor).');
  }
  return ordered;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

function statsLine(message: Message): string | null {
  const parts: string[] = [];
  if (message.model !== null) parts.push(message.model.fileName);
  const stats: GenerationStats | null = message.stats;
  if (stats !== null) {
    parts.push(`${stats.tokens} tokens`);
    if (stats.tokensPerSecond !== null) parts.push(`${stats.tokensPerSecond.toFixed(1)} tokens/s`);
    if (stats.ttftMs !== null) parts.push(`first token after ${formatMs(stats.ttftMs)}`);
    parts.push(`${formatMs(stats.totalMs)} in all`);
    parts.push(`prompt ${stats.promptTokens} tokens (${stats.evaluatedPromptTokens} evaluated)`);
  }
  if (message.sampling !== null) parts.push(`temperature ${message.sampling.temperature}`);
  if (message.status !== 'complete') parts.push(message.status);
  if (message.error !== null) parts.push(`error: ${message.error.message}`);
  return parts.length === 0 ? null : parts.join(' · ');
}

const ROLE_HEADING = { system: 'System', user: 'You', assistant: 'Assistant' } as const;

/** A reasoning model's thought as a quote above its answer: plain Markdown, whatever the thought holds. */
function thinkingQuote(message: Message): string[] {
  const ms = message.stats?.thoughtMs;
  const heading = `> **Thinking**${typeof ms === 'number' ? ` · ${formatMs(ms)}` : ''}`;
  return [heading, '>', ...(message.thought ?? '').trim().split('\n').map((line) => (line === '' ? '>' : `> ${line}`))];
}

/** The passages an answer cites as [n], each with where it is and its text quoted, under the answer. */
function sourcesList(sources: readonly Source[]): string[] {
  const lines = ['**Sources**', ''];
  for (const source of sources) {
    const place = [source.documentName, source.page !== null ? `page ${source.page}` : null, source.heading || null].filter((p) => p !== null).join(', ');
    lines.push(`${source.n}. [${source.n}] ${place}`, '', ...source.text.trim().split('\n').map((line) => (line === '' ? '   >' : `   > ${line}`)), '');
  }
  return lines;
}

/** A readable transcript of the branch shown, for people (not re-imported). */
export function toMarkdown(detail: ConversationDetail, exportedAt: number): string {
  const lines: string[] = [`# ${detail.title.replace(/\s+/gu, ' ')}`, ''];
  lines.push(
    `_Exported from Glassbox on ${new Date(exportedAt).toISOString()}. ` +
      `Started ${new Date(detail.createdAt).toISOString()}, last activity ${new Date(detail.updatedAt).toISOString()}. ` +
      `${detail.messages.length} message${detail.messages.length === 1 ? '' : 's'} on the branch shown._`,
    '',
  );
  if (detail.systemPrompt !== '') {
    lines.push('## System prompt', '', detail.systemPrompt, '');
  }
  for (const message of detail.messages) {
    const when = new Date(message.createdAt).toISOString().replace('T', ' ').slice(0, 19);
    lines.push(`## ${ROLE_HEADING[message.role]} · ${when}`, '');
    if (message.thought != null && message.thought.trim() !== '') lines.push(...thinkingQuote(message), '');
    lines.push(message.content === '' ? '_(empty)_' : message.content, '');
    if (message.sources != null && message.sources.length > 0) lines.push(...sourcesList(message.sources), '');
    const stats = statsLine(message);
    if (stats !== null) lines.push(`> ${stats}`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** A file name from a title: no path separators or characters Windows refuses, not too long. */
export function safeFileName(title: string, id: string): string {
  const base = title
    .normalize('NFC')
    .replace(/[\\/:*?"<>|\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(/^\.+/u, '')
    .slice(0, 60)
    .trim();
  return `${base === '' ? 'conversation' : base} (${id.slice(0, 8)})`;
}
