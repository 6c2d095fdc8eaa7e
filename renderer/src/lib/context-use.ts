import type { GenerationStats, MessageRole, MessageStatus } from '../../../electron/contract/conversation';
import type { WireError } from '../../../electron/contract/errors';
import { MESSAGE_MAX_CHARS } from '../../../electron/contract/message-limit';
import { formatInteger } from './format';

/** What the composer needs of a message of the open branch. */
export interface ContextMessage {
  role: MessageRole;
  content: string;
  status: MessageStatus;
  stats: GenerationStats | null;
  error: WireError | null;
}

/** How full the model's context is after the last answer of the branch shown. */
export interface ContextUse {
  used: number;
  size: number;
  /** 0–1. */
  share: number;
  /** The branch cannot go on as it is: the last answer stopped on a full context, or the last prompt did not fit. */
  full: boolean;
}

/** Characters per token of English prose for llama-style vocabularies: an estimate, said as "about". */
const CHARS_PER_TOKEN = 4;

export function contextUse(messages: readonly ContextMessage[], size: number): ContextUse | null {
  if (size < 1) return null;
  const last = messages.at(-1);
  const measured = [...messages].reverse().find((m) => m.role === 'assistant' && m.stats !== null);
  const measuredUse = measured?.stats ? measured.stats.promptTokens + measured.stats.tokens : null;
  // An answer cut by a full context counts only while the context is that small (not after a reload with a larger one).
  const cut = last?.stats?.finishReason === 'context-full' && measuredUse !== null && measuredUse >= size - 1;
  const full = last?.error?.kind === 'context-full' || cut;
  if (measuredUse === null && !full) return null;
  const used = full ? size : (measuredUse ?? 0);
  return { used, size, share: Math.min(1, used / size), full };
}

/** 1_234_567 → "1.2 M", 9_500 → "9,500". */
function characters(n: number): string {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)} M` : formatInteger(n);
}

/**
 * Said before sending: a message over the one length limit cannot be sent (blocking), one that
 * will clearly not fit the model's context is warned about. Null when there is nothing to say.
 */
export function draftProblem(text: string, contextSize: number | null): { text: string; blocking: boolean } | null {
  const length = text.length;
  const holds = contextSize === null ? '' : `; the model's context holds about ${formatInteger(contextSize)} tokens`;
  if (length > MESSAGE_MAX_CHARS) {
    return {
      blocking: true,
      text: `This message is ${characters(length)} characters${holds}. Glassbox sends at most ${formatInteger(MESSAGE_MAX_CHARS)} characters at once: shorten it, or add it as a document (+ Document) to ask about it.`,
    };
  }
  if (contextSize !== null && length / CHARS_PER_TOKEN > contextSize) {
    return {
      blocking: false,
      text: `This message is ${characters(length)} characters, about ${formatInteger(Math.round(length / CHARS_PER_TOKEN))} tokens${holds}: it will probably not fit. Shorten it, add it as a document, or load the model with a larger context.`,
    };
  }
  return null;
}

/** The next context size offered above `size` (the load settings' choices), or null at the top. */
export function largerContext(size: number, choices: readonly number[], trained: number | null): number | null {
  const next = choices.find((n) => n > size);
  if (next === undefined) return null;
  return trained !== null && next > trained ? (size < trained ? trained : null) : next;
}

/** The user turns of a branch: a turn is a prompt and the answer after it. */
export function turnCount(messages: readonly ContextMessage[]): number {
  return messages.filter((m) => m.role === 'user').length;
}

/**
 * A plain summary of a conversation that no longer fits, for a new chat's system prompt: its first
 * prompt and the latest exchange, each shortened. Made here, not by the model: a full context has
 * no room left to ask the model for one.
 */
export function carriedSummary(title: string, messages: readonly ContextMessage[], budgetChars: number): string {
  const users = messages.filter((m) => m.role === 'user' && m.content.trim() !== '');
  const answers = messages.filter((m) => m.role === 'assistant' && m.content.trim() !== '');
  const share = Math.max(80, Math.floor(budgetChars / 3));
  const cut = (t: string): string => (t.length > share ? `${t.slice(0, share).trimEnd()}…` : t).trim();
  const parts = [`Summary of an earlier conversation${title ? ` (“${title}”)` : ''}, which grew longer than the model's context:`];
  const first = users[0];
  const lastUser = users.at(-1);
  const lastAnswer = answers.at(-1);
  if (first) parts.push(`It began with: ${cut(first.content)}`);
  if (lastUser && lastUser !== first) parts.push(`Most recently the user wrote: ${cut(lastUser.content)}`);
  if (lastAnswer) parts.push(`The last answer was: ${cut(lastAnswer.content)}`);
  return parts.join('\n\n');
}
