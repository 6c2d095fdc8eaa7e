/** Windowing math for long lists. Pure: the components measure, these functions decide. */

export interface WindowRange {
  /** First index to render. */
  start: number;
  /** One past the last index to render. */
  end: number;
  /** Space to leave above the first rendered row (px). */
  before: number;
  /** Space to leave below the last rendered row (px). */
  after: number;
  total: number;
}

/** Rows of one fixed height: which to render for the viewport, with `overscan` rows either side. */
export function fixedWindow(
  count: number,
  rowHeight: number,
  scrollTop: number,
  viewportHeight: number,
  overscan = 8,
): WindowRange {
  const total = count * rowHeight;
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0, before: 0, after: 0, total: 0 };
  const top = Math.max(0, Math.min(scrollTop, Math.max(0, total - viewportHeight)));
  const first = Math.floor(top / rowHeight);
  const visible = Math.ceil(Math.max(viewportHeight, rowHeight) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end, before: start * rowHeight, after: (count - end) * rowHeight, total };
}

/**
 * Rows of different heights (measured where rendered, estimated elsewhere): the rows that
 * intersect the viewport grown by `overscanPx` above and below.
 */
export function variableWindow(
  heights: readonly number[],
  scrollTop: number,
  viewportHeight: number,
  overscanPx = 600,
): WindowRange {
  const count = heights.length;
  let total = 0;
  for (const h of heights) total += h;
  if (count === 0) return { start: 0, end: 0, before: 0, after: 0, total: 0 };
  const from = Math.max(0, scrollTop - overscanPx);
  const to = Math.max(from, scrollTop + viewportHeight + overscanPx);

  let offset = 0;
  let start = 0;
  while (start < count - 1 && offset + (heights[start] ?? 0) <= from) {
    offset += heights[start] ?? 0;
    start++;
  }
  const before = offset;
  let end = start;
  while (end < count && offset < to) {
    offset += heights[end] ?? 0;
    end++;
  }
  end = Math.max(end, start + 1);
  return { start, end, before, after: Math.max(0, total - offset), total };
}

/** The top offset of row `index` (the sum of the heights above it). */
export function offsetOf(heights: readonly number[], index: number): number {
  let offset = 0;
  for (let i = 0; i < index && i < heights.length; i++) offset += heights[i] ?? 0;
  return offset;
}

/**
 * A guess at a message's rendered height before it has been measured: a line per ~90 characters
 * (hard line breaks count), plus room for the bubble or the stats line and the gap below.
 */
export function estimateMessageHeight(content: string, role: 'user' | 'assistant' | 'system', lineChars = 90): number {
  let lines = 0;
  for (const line of content.split('\n')) lines += Math.max(1, Math.ceil(line.length / lineChars));
  const lineHeight = 22.5;
  const chrome = role === 'assistant' ? 60 : 44;
  return Math.round(chrome + lines * lineHeight);
}
