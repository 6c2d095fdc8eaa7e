import { GlassboxError } from '../contract/errors';
import { samplingSchema } from '../contract/model';
import type { ConversationSummary } from '../contract/conversation';

// What the store's modules share: the tables' row shapes, column lists and the errors they throw.

export interface ConversationRow {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
  current_leaf_id: string | null;
  pinned: number;
  system_prompt: string;
  sampling: string | null;
  deleted_at: number | null;
  /** NULL: the local engine; else a remote endpoint's id (migration 004). */
  engine: string | null;
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  role: string;
  content: string;
  status: string;
  created_at: number;
  tokens: string | null;
  stats: string | null;
  model: string | null;
  sampling: string | null;
  error: string | null;
  /** A reasoning model's thought (migration 007). */
  thought: string | null;
}

/**
 * A message row as an array, in MESSAGE_COLUMNS order: bulk reads use better-sqlite3's raw mode,
 * which skips building a keyed object per row inside the addon (half the cost of a 1,000-message read).
 */
export type RawMessageRow = [
  string,
  string,
  string | null,
  string,
  string,
  string,
  number,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
];

export function fromRaw(r: RawMessageRow): MessageRow {
  return {
    id: r[0],
    conversation_id: r[1],
    parent_id: r[2],
    role: r[3],
    content: r[4],
    status: r[5],
    created_at: r[6],
    tokens: r[7],
    stats: r[8],
    model: r[9],
    sampling: r[10],
    error: r[11],
    thought: r[12],
  };
}

export const CONVERSATION_COLUMNS =
  'id, title, created_at, updated_at, current_leaf_id, pinned, system_prompt, sampling, deleted_at, engine';
export const MESSAGE_COLUMNS =
  'id, conversation_id, parent_id, role, content, status, created_at, tokens, stats, model, sampling, error, thought';
export const LIST_ORDER = 'ORDER BY pinned DESC, updated_at DESC, rowid DESC';

export function notFound(what: string, id: string): GlassboxError {
  return new GlassboxError('not-found', `No ${what} with id ${id}`);
}

export function invalid(message: string): GlassboxError {
  return new GlassboxError('invalid-argument', message);
}

export function toSummary(row: ConversationRow): ConversationSummary {
  return { id: row.id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at, pinned: row.pinned === 1 };
}

export const samplingOverridesSchema = samplingSchema.partial();
