import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ConversationSummary, ExportedFile } from '../../../electron/contract/conversation';
import { flattenGroups, formatWhen, groupByRecency } from '../../../renderer/src/lib/recency';
import { estimateMessageHeight, fixedWindow, offsetOf, variableWindow } from '../../../renderer/src/lib/virtual';
import { base64ToBytes, exportedFileToBlob, safeFileName } from '../../../renderer/src/lib/download';
import { promptLine, samplingLine } from '../../../renderer/src/lib/answer-details';

// A fixed clock, in local time so the test means the same in every time zone: Sat 15 March 2025, 14:30.
const NOW = new Date(2025, 2, 15, 14, 30).getTime();
const at = (year: number, month: number, day: number, hour = 12): number => new Date(year, month - 1, day, hour).getTime();

let seq = 0;
function conversation(updatedAt: number, extra: Partial<ConversationSummary> = {}): ConversationSummary {
  seq++;
  return { id: `c${seq}`, title: `Conversation ${seq}`, createdAt: updatedAt - 1000, updatedAt, pinned: false, ...extra };
}

describe('grouping conversations by recency', () => {
  it('puts each conversation under Pinned, Today, Yesterday, Previous 7 days, Previous 30 days or its month', () => {
    const items = [
      conversation(at(2025, 3, 15, 0)), // today, just after midnight
      conversation(at(2025, 3, 14, 23)), // yesterday, late
      conversation(at(2025, 3, 14, 0)), // yesterday, early
      conversation(at(2025, 3, 10)), // 5 days ago
      conversation(at(2025, 3, 8, 0)), // exactly 7 days before today's midnight
      conversation(at(2025, 3, 7, 23)), // 8 days ago
      conversation(at(2025, 2, 13)), // 30 days ago
      conversation(at(2025, 2, 12)), // 31 days ago: February
      conversation(at(2025, 1, 2)), // January this year
      conversation(at(2024, 12, 31)), // December last year
      conversation(at(2020, 1, 1), { pinned: true }), // old but pinned
    ];
    const groups = groupByRecency(items, NOW);
    expect(groups.map((g) => [g.label, g.items.map((c) => c.id)])).toEqual([
      ['Pinned', [items[10]!.id]],
      ['Today', [items[0]!.id]],
      ['Yesterday', [items[1]!.id, items[2]!.id]],
      ['Previous 7 days', [items[3]!.id, items[4]!.id]],
      ['Previous 30 days', [items[5]!.id, items[6]!.id]],
      ['February', [items[7]!.id]],
      ['January', [items[8]!.id]],
      ['December 2024', [items[9]!.id]],
    ]);
    expect(groups.map((g) => g.key)).toEqual(['pinned', 'today', 'yesterday', 'week', 'month', 'm-2025-02', 'm-2025-01', 'm-2024-12']);
  });

  it('leaves out empty groups and sorts each group by latest activity', () => {
    const older = conversation(at(2025, 3, 15, 9));
    const newer = conversation(at(2025, 3, 15, 13));
    const pinnedOld = conversation(at(2025, 1, 1), { pinned: true });
    const pinnedNew = conversation(at(2025, 3, 15, 10), { pinned: true });
    const groups = groupByRecency([older, pinnedOld, newer, pinnedNew], NOW);
    expect(groups.map((g) => g.label)).toEqual(['Pinned', 'Today']);
    expect(groups[0]!.items.map((c) => c.id)).toEqual([pinnedNew.id, pinnedOld.id]);
    expect(groups[1]!.items.map((c) => c.id)).toEqual([newer.id, older.id]);
    expect(groupByRecency([], NOW)).toEqual([]);
  });

  it('counts a timestamp from the future (a skewed clock) as today', () => {
    const future = conversation(at(2025, 3, 20));
    expect(groupByRecency([future], NOW).map((g) => g.label)).toEqual(['Today']);
  });

  it('uses calendar days, not 24-hour periods, for Yesterday', () => {
    const justAfterMidnight = new Date(2025, 2, 15, 0, 5).getTime();
    const lateYesterday = conversation(at(2025, 3, 14, 23));
    const dayBefore = conversation(at(2025, 3, 13, 23));
    const groups = groupByRecency([lateYesterday, dayBefore], justAfterMidnight);
    expect(groups.map((g) => [g.label, g.items.length])).toEqual([
      ['Yesterday', 1],
      ['Previous 7 days', 1],
    ]);
  });

  it('keeps every conversation exactly once, whatever the times', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ t: fc.integer({ min: at(2000, 1, 1), max: at(2030, 1, 1) }), pinned: fc.boolean() }), { maxLength: 60 }),
        (specs) => {
          const items = specs.map(({ t, pinned }) => conversation(t, { pinned }));
          const groups = groupByRecency(items, NOW);
          const ids = groups.flatMap((g) => g.items.map((c) => c.id));
          expect(ids.sort()).toEqual(items.map((c) => c.id).sort());
          expect(groups.every((g) => g.items.length > 0)).toBe(true);
          expect(new Set(groups.map((g) => g.key)).size).toBe(groups.length);
        },
      ),
    );
  });

  it('flattens groups into heading and item rows', () => {
    const a = conversation(at(2025, 3, 15));
    const b = conversation(at(2025, 3, 14));
    expect(flattenGroups(groupByRecency([a, b], NOW)).map((r) => (r.kind === 'heading' ? `# ${r.label}` : r.key))).toEqual([
      '# Today',
      a.id,
      '# Yesterday',
      b.id,
    ]);
  });

  it('formats dates for lists relative to now', () => {
    expect(formatWhen(new Date(2025, 2, 15, 9, 5).getTime(), NOW)).toBe('09:05');
    expect(formatWhen(at(2025, 3, 14), NOW)).toBe('Yesterday');
    expect(formatWhen(at(2025, 1, 3), NOW)).toBe('Jan 3');
    expect(formatWhen(at(2023, 11, 20), NOW)).toBe('Nov 20, 2023');
  });
});

describe('windowing', () => {
  it('renders only the rows of a fixed-height list that are in view, plus overscan', () => {
    expect(fixedWindow(1000, 34, 0, 340, 5)).toEqual({ start: 0, end: 16, before: 0, after: 984 * 34, total: 34_000 });
    const middle = fixedWindow(1000, 34, 3400, 340, 5);
    expect(middle.start).toBe(95);
    expect(middle.end).toBe(116);
    expect(middle.before).toBe(95 * 34);
    expect(middle.before + (middle.end - middle.start) * 34 + middle.after).toBe(34_000);
    const end = fixedWindow(1000, 34, 1e9, 340, 5);
    expect(end.end).toBe(1000);
    expect(end.after).toBe(0);
    expect(fixedWindow(0, 34, 0, 340)).toEqual({ start: 0, end: 0, before: 0, after: 0, total: 0 });
  });

  it('covers the viewport of a variable-height list and accounts for every pixel', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 2000 }),
        fc.nat({ max: 1000 }),
        (heights, rawTop, viewport, overscan) => {
          const total = heights.reduce((a, b) => a + b, 0);
          const scrollTop = rawTop % (total + 1);
          const w = variableWindow(heights, scrollTop, viewport, overscan);
          expect(w.total).toBe(total);
          expect(w.start).toBeLessThan(w.end);
          expect(w.end).toBeLessThanOrEqual(heights.length);
          const rendered = heights.slice(w.start, w.end).reduce((a, b) => a + b, 0);
          expect(w.before + rendered + w.after).toBe(total);
          expect(w.before).toBe(offsetOf(heights, w.start));
          // What is in view is rendered: the window starts at or above the top and ends at or below the bottom.
          expect(w.before).toBeLessThanOrEqual(Math.max(0, scrollTop - overscan) + 0);
          if (w.end < heights.length) expect(w.before + rendered).toBeGreaterThanOrEqual(Math.min(total, scrollTop + viewport));
        },
      ),
    );
  });

  it('renders a handful of messages out of thousands', () => {
    const heights = Array.from({ length: 5000 }, (_, i) => 60 + (i % 7) * 40);
    const top = offsetOf(heights, 2500);
    const w = variableWindow(heights, top, 800, 600);
    expect(w.end - w.start).toBeLessThan(40);
    expect(w.start).toBeLessThanOrEqual(2500);
    expect(w.end).toBeGreaterThan(2500);
  });

  it('estimates taller heights for longer messages', () => {
    expect(estimateMessageHeight('short', 'user')).toBeLessThan(estimateMessageHeight('x'.repeat(900), 'user'));
    expect(estimateMessageHeight('a\nb\nc', 'assistant')).toBeGreaterThan(estimateMessageHeight('abc', 'assistant'));
  });
});

describe('downloads and answer details', () => {
  it('decodes a base64 export into the original bytes', async () => {
    const bytes = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 255, 128, 10]);
    const base64 = Buffer.from(bytes).toString('base64');
    expect([...base64ToBytes(base64)]).toEqual([...bytes]);
    const file: ExportedFile = { fileName: 'all.zip', mimeType: 'application/zip', encoding: 'base64', content: base64 };
    const blob = exportedFileToBlob(file);
    expect(blob.type).toBe('application/zip');
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([...bytes]);
  });

  it('keeps text exports as UTF-8 text', async () => {
    const file: ExportedFile = { fileName: 'a.md', mimeType: 'text/markdown', encoding: 'utf8', content: '# Título ✓' };
    expect(await exportedFileToBlob(file).text()).toBe('# Título ✓');
  });

  it('makes file names safe', () => {
    expect(safeFileName('a/b:c?.md')).toBe('a-b-c-.md');
    expect(safeFileName('..hidden.json')).toBe('hidden.json');
    expect(safeFileName('')).toBe('glassbox-export');
  });

  it('describes the sampling settings and the prompt compactly', () => {
    expect(samplingLine({ temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, seed: null, maxTokens: 512 })).toBe(
      'temperature 0.8 · top-k 40 · top-p 0.95 · min-p 0.05 · seed random',
    );
    expect(samplingLine({ temperature: 0, topK: 1, topP: 1, minP: 0, seed: 42, maxTokens: 5 })).toBe(
      'temperature 0 · top-k 1 · top-p 1 · min-p 0 · seed 42',
    );
    expect(samplingLine(null)).toBe('');
    const stats = { tokens: 5, promptTokens: 120, evaluatedPromptTokens: 8, ttftMs: 3, tokensPerSecond: 100, totalMs: 50 };
    expect(promptLine(stats)).toBe('prompt 120 tokens (112 from cache)');
    expect(promptLine({ ...stats, evaluatedPromptTokens: 120 })).toBe('prompt 120 tokens');
    expect(promptLine(null)).toBe('');
  });
});
