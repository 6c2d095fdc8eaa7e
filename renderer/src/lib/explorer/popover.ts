/** What a token's popover says, and where it goes. Pure, so the text is unit-tested. */
import type { GeneratedToken } from '../../../../electron/contract/token';
import { formatPercent } from '../format';
import { quoteToken, visibleToken } from '../tokens';
import { candidatesOf, rankOf } from './distribution';

export interface PopoverRow {
  id: number;
  /** The token's text with whitespace made visible (· for a space, ↵ for a newline). */
  label: string;
  percent: string;
  /** Bar length in [0, 1], relative to the whole distribution (not to the top row). */
  bar: number;
  chosen: boolean;
}

export interface PopoverModel {
  title: string;
  rank: string;
  rows: PopoverRow[];
  /** Listed alternatives that did not fit. */
  more: number;
}

/** How many alternatives the popover lists. */
export const POPOVER_ROWS = 5;

/** The popover of a token: its text and probability, its rank, and the top alternatives as bars. */
export function popoverModel(token: GeneratedToken, limit = POPOVER_ROWS): PopoverModel {
  const all = candidatesOf(token);
  let shown = all.slice(0, limit);
  // The chosen token always appears, even when it ranked below the rows shown.
  if (!shown.some((c) => c.id === token.id)) {
    const chosen = all.find((c) => c.id === token.id);
    if (chosen) shown = [...shown.slice(0, Math.max(0, limit - 1)), chosen];
  }
  const rank = rankOf(token);
  return {
    title: `${quoteToken(token.text)} ${formatPercent(token.p)}`,
    rank: rankText(rank, token.top.length),
    rows: shown.map((c) => ({
      id: c.id,
      label: visibleToken(c.text),
      percent: formatPercent(c.p),
      bar: Math.min(1, Math.max(0, c.p)),
      chosen: c.id === token.id,
    })),
    more: Math.max(0, token.top.length - shown.filter((c) => token.top.some((a) => a.id === c.id)).length),
  };
}

/** "chosen: 1st of 10" / "chosen: not among the 10 listed". */
export function rankText(rank: number | null, listed: number): string {
  if (rank === null) return `chosen: not among the ${listed} listed`;
  return `chosen: ${ordinal(rank)} of ${listed}`;
}

export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  const suffix = ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where the popover goes: below the token (above when it would leave the viewport), its left edge
 * at the token's, kept inside the viewport with a margin.
 */
export function placePopover(
  anchor: Rect,
  size: { width: number; height: number },
  viewport: { width: number; height: number },
  gap = 6,
  margin = 8,
): { left: number; top: number; placement: 'below' | 'above' } {
  const below = anchor.top + anchor.height + gap;
  const fitsBelow = below + size.height <= viewport.height - margin;
  const above = anchor.top - gap - size.height;
  const placement = fitsBelow || above < margin ? 'below' : 'above';
  const top = placement === 'below' ? below : above;
  const maxLeft = Math.max(margin, viewport.width - margin - size.width);
  const left = Math.min(maxLeft, Math.max(margin, anchor.left));
  return { left: Math.round(left), top: Math.round(top), placement };
}
