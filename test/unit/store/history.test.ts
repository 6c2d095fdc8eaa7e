import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SAMPLING } from '../../../electron/contract/model';
import { kindOf } from './helpers';
import { openStore } from '../../../electron/store/sqlite-store';
import type { NewMessage, Store } from '../../../electron/store/store';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => {
  store.close();
  vi.useRealTimers();
});

function say(conversationId: string, parentId: string | null, content: string, role: NewMessage['role'] = 'user') {
  return store.appendMessage({ conversationId, parentId, role, content, status: 'complete' });
}


describe('soft delete', () => {
  it('hides a conversation from list, get and search until restored', () => {
    const kept = store.createConversation('Kept');
    const gone = store.createConversation('Gone');
    say(gone.id, null, 'a unique word: zanzibar');
    expect(store.search('zanzibar', 10)).toHaveLength(1);

    expect(store.deleteConversation(gone.id)).toBe(true);
    expect(store.deleteConversation(gone.id)).toBe(false); // already deleted
    expect(store.deleteConversation('nope')).toBe(false);
    expect(store.listConversations().map((c) => c.id)).toEqual([kept.id]);
    expect(store.search('zanzibar', 10)).toEqual([]);
    expect(store.search('gone', 10)).toEqual([]);
    expect(kindOf(() => store.getConversation(gone.id))).toBe('not-found');
    expect(kindOf(() => say(gone.id, null, 'x'))).toBe('not-found');

    expect(store.restoreConversation(gone.id).title).toBe('Gone');
    expect(store.listConversations().map((c) => c.id).sort()).toEqual([kept.id, gone.id].sort());
    expect(store.search('zanzibar', 10)).toHaveLength(1);
    expect(kindOf(() => store.restoreConversation('nope'))).toBe('not-found');
  });

  it('still finds a live hit behind many better-ranked deleted ones', () => {
    for (let i = 0; i < 40; i++) {
      const c = store.createConversation();
      say(c.id, null, 'buried buried buried');
      store.deleteConversation(c.id);
    }
    const live = store.createConversation();
    const m = say(live.id, null, 'buried among many other words in a longer message');
    expect(store.search('buried', 1).map((h) => h.messageId)).toEqual([m.id]);
  });

  it('purges only what was deleted long enough ago, messages and index included', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const old = store.createConversation('Old');
    say(old.id, null, 'ancient text');
    const recent = store.createConversation('Recent');
    const live = store.createConversation('Live');
    store.deleteConversation(old.id);
    vi.setSystemTime(1_000_000 + 60_000);
    store.deleteConversation(recent.id);

    expect(store.purgeDeleted(30_000)).toBe(1);
    expect(kindOf(() => store.restoreConversation(old.id))).toBe('not-found');
    expect(store.restoreConversation(recent.id).id).toBe(recent.id);
    expect(store.listConversations().map((c) => c.id).sort()).toEqual([recent.id, live.id].sort());
    expect(store.purgeDeleted(0)).toBe(0);
    expect(store.integrityCheck()).toEqual([]);
  });
});

describe('list order and paging', () => {
  it('lists pinned first, then by last activity; pinning does not count as activity', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      vi.setSystemTime(1000 + i);
      ids.push(store.createConversation(`c${i}`).id);
    }
    const [c0, c1, c2, c3, c4] = ids as [string, string, string, string, string];
    vi.setSystemTime(2000);
    say(c1, null, 'activity');
    expect(store.setPinned(c3, true)).toMatchObject({ id: c3, pinned: true, updatedAt: 1003 });
    store.setPinned(c0, true);
    expect(store.listConversations().map((c) => c.id)).toEqual([c3, c0, c1, c4, c2]);
    store.setPinned(c3, false);
    expect(store.listConversations().map((c) => c.id)).toEqual([c0, c1, c4, c3, c2]);
    expect(kindOf(() => store.setPinned('nope', true))).toBe('not-found');
  });

  it('pages with a limit and the id of the last conversation seen', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(5000);
    // Same updatedAt for all: the order must still be total and stable.
    const ids = Array.from({ length: 7 }, (_, i) => store.createConversation(`c${i}`).id);
    const all = store.listConversations().map((c) => c.id);
    expect(all.slice().sort()).toEqual(ids.slice().sort());
    const pages: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = store.listConversations({ limit: 3, after });
      pages.push(...page.map((c) => c.id));
      if (page.length < 3) break;
      after = page[page.length - 1]?.id;
    }
    expect(pages).toEqual(all);
    expect(store.listConversations({ limit: 0 })).toEqual([]);
    expect(kindOf(() => store.listConversations({ limit: 2, after: 'nope' }))).toBe('not-found');
    expect(kindOf(() => store.listConversations({ limit: -1 }))).toBe('invalid-argument');
  });
});

describe('system prompt and sampling', () => {
  it('keeps a system prompt', () => {
    const c = store.createConversation();
    expect(store.getConversation(c.id).systemPrompt).toBe('');
    expect(store.setSystemPrompt(c.id, 'You are terse.').systemPrompt).toBe('You are terse.');
    expect(store.getConversation(c.id).systemPrompt).toBe('You are terse.');
    expect(kindOf(() => store.setSystemPrompt('nope', 'x'))).toBe('not-found');
  });

  it('merges partial sampling with what was set before and the defaults', () => {
    const c = store.createConversation();
    expect(store.getConversation(c.id).sampling).toEqual(DEFAULT_SAMPLING);
    store.setSampling(c.id, { temperature: 0.2 });
    const detail = store.setSampling(c.id, { topK: 5, seed: 42, topP: undefined });
    expect(detail.sampling).toEqual({ ...DEFAULT_SAMPLING, temperature: 0.2, topK: 5, seed: 42 });
    expect(store.getConversation(c.id).sampling).toEqual(detail.sampling);
    expect(kindOf(() => store.setSampling(c.id, { temperature: 99 }))).toBe('invalid-argument');
    expect(kindOf(() => store.setSampling(c.id, { topK: 1.5 }))).toBe('invalid-argument');
    expect(store.getConversation(c.id).sampling).toEqual(detail.sampling);
    expect(kindOf(() => store.setSampling('nope', {}))).toBe('not-found');
  });
});

describe('branches', () => {
  /**
   *   q ─┬─ a1 ── f1 ─┬─ g1
   *      │            └─ g2
   *      └─ a2 ── f2
   */
  function tree() {
    const c = store.createConversation();
    const q = say(c.id, null, 'q');
    const a1 = say(c.id, q.id, 'a1', 'assistant');
    const f1 = say(c.id, a1.id, 'f1');
    const g1 = say(c.id, f1.id, 'g1', 'assistant');
    const g2 = say(c.id, f1.id, 'g2', 'assistant');
    const a2 = say(c.id, q.id, 'a2', 'assistant');
    const f2 = say(c.id, a2.id, 'f2');
    return { c: c.id, q, a1, f1, g1, g2, a2, f2 };
  }

  it('gives every message its siblings, oldest first', () => {
    const t = tree();
    const detail = store.getConversation(t.c);
    expect(detail.messages.map((m) => [m.id, m.siblingIds])).toEqual([
      [t.q.id, [t.q.id]],
      [t.a2.id, [t.a1.id, t.a2.id]],
      [t.f2.id, [t.f2.id]],
    ]);
    expect(store.getMessage(t.g1.id).siblingIds).toEqual([t.g1.id, t.g2.id]);
    expect(t.g2.siblingIds).toEqual([t.g1.id, t.g2.id]);
    // A second root (a new first message) is a sibling of the first.
    const r2 = say(t.c, null, 'another start');
    expect(r2.siblingIds).toEqual([t.q.id, r2.id]);
  });

  it('returns to the branch last shown under a message', () => {
    const t = tree();
    // Back to the first answer: its last-visited descendant is g2 (added after g1).
    expect(store.selectBranch(t.c, t.a1.id).messages.map((m) => m.content)).toEqual(['q', 'a1', 'f1', 'g2']);
    expect(store.selectBranch(t.c, t.g1.id).currentLeafId).toBe(t.g1.id);
    // Away and back: the question now leads to a1 … g1, the branch last shown.
    expect(store.selectBranch(t.c, t.a2.id).currentLeafId).toBe(t.f2.id);
    expect(store.selectBranch(t.c, t.q.id).currentLeafId).toBe(t.f2.id);
    expect(store.selectBranch(t.c, t.a1.id).currentLeafId).toBe(t.g1.id);
    expect(store.selectBranch(t.c, t.q.id).currentLeafId).toBe(t.g1.id);
    // A persistent choice: a reopen sees the same.
    expect(store.getConversation(t.c).currentLeafId).toBe(t.g1.id);
  });

  it('treats a message appended off the current branch as the branch to come back to', () => {
    const t = tree();
    store.selectBranch(t.c, t.g1.id);
    // A new answer under f2 (not on the current branch, e.g. by another window).
    const h = say(t.c, t.f2.id, 'h', 'assistant');
    expect(store.getConversation(t.c).currentLeafId).toBe(h.id);
    expect(store.selectBranch(t.c, t.q.id).currentLeafId).toBe(h.id);
  });

  it('does not count branch switching as activity', () => {
    const t = tree();
    const before = store.getConversation(t.c).updatedAt;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(before + 10_000);
    expect(store.selectBranch(t.c, t.a1.id).updatedAt).toBe(before);
  });

  it('refuses a message of another conversation and unknown ids', () => {
    const t = tree();
    const other = store.createConversation();
    expect(kindOf(() => store.selectBranch(other.id, t.q.id))).toBe('invalid-argument');
    expect(kindOf(() => store.selectBranch(t.c, 'nope'))).toBe('not-found');
    expect(kindOf(() => store.selectBranch('nope', t.q.id))).toBe('not-found');
    expect(kindOf(() => store.pathTo('nope'))).toBe('not-found');
  });

  it('gives the path from the root to any message', () => {
    const t = tree();
    expect(store.pathTo(t.g1.id).map((m) => m.content)).toEqual(['q', 'a1', 'f1', 'g1']);
    expect(store.pathTo(t.g1.id)[1]?.siblingIds).toEqual([t.a1.id, t.a2.id]);
    expect(store.pathTo(t.q.id).map((m) => m.id)).toEqual([t.q.id]);
  });

  it('reads a 1,000-message branch in one piece', () => {
    const c = store.createConversation();
    let parent: string | null = null;
    for (let i = 0; i < 1000; i++) parent = say(c.id, parent, `m${i}`, i % 2 ? 'assistant' : 'user').id;
    const detail = store.getConversation(c.id);
    expect(detail.messages).toHaveLength(1000);
    expect(detail.messages[999]?.content).toBe('m999');
    expect(detail.messages.every((m) => m.siblingIds.length === 1 && m.siblingIds[0] === m.id)).toBe(true);
  });
});

describe('presets', () => {
  it('creates, lists by name, updates and deletes', () => {
    expect(store.listPresets()).toEqual([]);
    const pirate = store.savePreset({ name: '  Pirate ', text: 'Talk like a pirate.' });
    const brief = store.savePreset({ name: 'brief', text: 'Be brief.' });
    expect(pirate.name).toBe('Pirate');
    expect(store.listPresets().map((p) => p.name)).toEqual(['brief', 'Pirate']);
    expect(store.savePreset({ id: pirate.id, name: 'Arr', text: 'Arr.' })).toEqual({ id: pirate.id, name: 'Arr', text: 'Arr.' });
    expect(store.listPresets()).toEqual([{ id: pirate.id, name: 'Arr', text: 'Arr.' }, brief]);
    expect(kindOf(() => store.savePreset({ id: 'nope', name: 'x', text: '' }))).toBe('not-found');
    expect(kindOf(() => store.savePreset({ name: '   ', text: '' }))).toBe('invalid-argument');
    expect(store.deletePreset(pirate.id)).toBe(true);
    expect(store.deletePreset(pirate.id)).toBe(false);
    expect(store.listPresets()).toEqual([brief]);
  });
});

describe('text that UTF-8 cannot hold', () => {
  it('stores a lone surrogate (half an emoji) as U+FFFD, everywhere text is written', () => {
    const c = store.createConversation('half \ud83d');
    expect(c.title).toBe('half \ufffd');
    const m = store.appendMessage({ conversationId: c.id, parentId: null, role: 'assistant', content: '', status: 'streaming' });
    store.saveProgress(m.id, 'a\ud83d', []);
    expect(store.getMessage(m.id).content).toBe('a\ufffd');
    const done = store.finishMessage(m.id, { content: 'a\ud83d\ude42 b\ude42', tokens: null, status: 'stopped', stats: null, error: null });
    expect(done.content).toBe('a🙂 b\ufffd');
    expect(store.setSystemPrompt(c.id, '\udc00x').systemPrompt).toBe('\ufffdx');
    expect(store.integrityCheck()).toEqual([]);
  });
});
