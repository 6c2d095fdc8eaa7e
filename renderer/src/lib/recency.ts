import type { ConversationSummary } from '../../../electron/contract/conversation';

/** One heading of the conversation list and the conversations under it, newest first. */
export interface RecencyGroup<T extends ConversationSummary = ConversationSummary> {
  /** Stable across renders: 'pinned', 'today', 'yesterday', 'week', 'month', or 'm-2024-03'. */
  key: string;
  label: string;
  items: T[];
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** Local midnight of the day `days` days after the day of `date` (negative: before). */
function startOfDay(date: Date, days = 0): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days).getTime();
}

/**
 * Groups conversations for the list: Pinned, Today, Yesterday, Previous 7 days, Previous 30 days,
 * then one group per month ("March", or "March 2024" for other years). Calendar days are local
 * ones, so "Yesterday" means the previous calendar day, whatever the hour. Pure: `now` is given.
 * Empty groups are left out; within a group the most recently active come first.
 */
export function groupByRecency<T extends ConversationSummary>(items: readonly T[], now: number | Date): RecencyGroup<T>[] {
  const today = new Date(now);
  const todayStart = startOfDay(today);
  const yesterdayStart = startOfDay(today, -1);
  const weekStart = startOfDay(today, -7);
  const monthStart = startOfDay(today, -30);

  const sorted = [...items].sort((a, b) => b.updatedAt - a.updatedAt || b.createdAt - a.createdAt);
  const groups = new Map<string, RecencyGroup<T>>();
  const add = (key: string, label: string, item: T): void => {
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, label, items: [] }));
    group.items.push(item);
  };

  for (const item of sorted) {
    const at = item.updatedAt;
    if (item.pinned) add('pinned', 'Pinned', item);
    else if (at >= todayStart) add('today', 'Today', item);
    else if (at >= yesterdayStart) add('yesterday', 'Yesterday', item);
    else if (at >= weekStart) add('week', 'Previous 7 days', item);
    else if (at >= monthStart) add('month', 'Previous 30 days', item);
    else {
      const date = new Date(at);
      const year = date.getFullYear();
      const month = date.getMonth();
      const name = MONTHS[month] ?? '';
      const label = year === today.getFullYear() ? name : `${name} ${year}`;
      add(`m-${year}-${String(month + 1).padStart(2, '0')}`, label, item);
    }
  }
  // Map keeps insertion order; pinned may have been inserted after others, so put it first.
  const pinned = groups.get('pinned');
  const rest = [...groups.values()].filter((g) => g.key !== 'pinned');
  return pinned ? [pinned, ...rest] : rest;
}

/** A row of the (virtualized) conversation list: a group heading or a conversation. */
export type ListRow<T extends ConversationSummary = ConversationSummary> =
  | { kind: 'heading'; key: string; label: string }
  | { kind: 'item'; key: string; conversation: T };

/** The groups flattened into rows of equal height, for windowing. */
export function flattenGroups<T extends ConversationSummary>(groups: readonly RecencyGroup<T>[]): ListRow<T>[] {
  const rows: ListRow<T>[] = [];
  for (const group of groups) {
    rows.push({ kind: 'heading', key: `h:${group.key}`, label: group.label });
    for (const conversation of group.items) rows.push({ kind: 'item', key: conversation.id, conversation });
  }
  return rows;
}

/** A short date for lists: "14:05" today, "Yesterday", "Mar 5" this year, "Mar 5, 2024" before. */
export function formatWhen(at: number, now: number | Date): string {
  const today = new Date(now);
  const date = new Date(at);
  if (at >= startOfDay(today) && at < startOfDay(today, 1)) {
    return date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  }
  if (at >= startOfDay(today, -1) && at < startOfDay(today)) return 'Yesterday';
  const month = (MONTHS[date.getMonth()] ?? '').slice(0, 3);
  return date.getFullYear() === today.getFullYear()
    ? `${month} ${date.getDate()}`
    : `${month} ${date.getDate()}, ${date.getFullYear()}`;
}
