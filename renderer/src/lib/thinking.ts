/** What the Thinking block says about a reasoning model's thought. Pure functions, no DOM. */
import type { GenerationStats, MessageStatus } from '../../../electron/contract/conversation';
import type { GeneratedToken } from '../../../electron/contract/token';
import { formatDuration, formatInteger } from './format';

/** Still thinking: the answer is streaming and nothing of the answer itself has come yet. */
export function isThinkingNow(status: MessageStatus, tokens: readonly GeneratedToken[]): boolean {
  return status === 'streaming' && !tokens.some((t) => t.segment === undefined);
}

/**
 * The block's title: "Thinking… 2.1 s" while it thinks (elapsed as the view counts it), then
 * "Thought for 2.3 s" as the engine measured it, with the thought's token count.
 */
export function thinkingTitle(now: boolean, elapsedMs: number | null, stats: GenerationStats | null, thoughtTokens: number): string {
  if (now) return elapsedMs === null ? 'Thinking…' : `Thinking… ${Math.floor(elapsedMs / 1000)} s`;
  const ms = stats?.thoughtMs;
  const tokens = `${formatInteger(thoughtTokens)} token${thoughtTokens === 1 ? '' : 's'}`;
  return typeof ms === 'number' ? `Thought for ${formatDuration(ms)} · ${tokens}` : `Thinking · ${tokens}`;
}
