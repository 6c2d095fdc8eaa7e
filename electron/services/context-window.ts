import type { MessageRole } from '../contract/conversation';
import type { Store } from '../store/store';

/**
 * "Drop the oldest turns": a conversation that outgrew the model's context goes on without its
 * first N turns (a turn is a prompt and the answers after it). They stay saved and shown; only
 * what the engine is given leaves them out. Kept as a setting per conversation, so every later
 * prompt, edit and regeneration sees the same window.
 */
const KEY = 'conversation.droppedTurns:';

type Settings = Pick<Store, 'getSetting' | 'setSetting'>;

export function droppedTurns(store: Settings, conversationId: string): number {
  const n = Number(store.getSetting(KEY + conversationId) ?? 0);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

export function setDroppedTurns(store: Settings, conversationId: string, turns: number): number {
  store.setSetting(KEY + conversationId, String(Math.max(0, Math.floor(turns))));
  return droppedTurns(store, conversationId);
}

/** The history from the (turns + 1)-th prompt on; the last prompt is always kept. */
export function withoutOldestTurns<T extends { role: MessageRole }>(history: readonly T[], turns: number): T[] {
  if (turns <= 0) return [...history];
  const prompts = history.flatMap((m, i) => (m.role === 'user' ? [i] : []));
  const start = prompts[Math.min(turns, prompts.length - 1)];
  return start === undefined ? [...history] : history.slice(start);
}
