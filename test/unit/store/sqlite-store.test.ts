import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SAMPLING } from '../../../electron/contract/model';
import { isGlassboxError } from '../../../electron/contract/errors';
import type { GeneratedToken } from '../../../electron/contract/token';
import { openStore } from '../../../electron/store/sqlite-store';
import type { NewMessage, Store } from '../../../electron/store/store';
import { awkwardTokens, tempDir, token } from './helpers';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => store.close());

function user(conversationId: string, parentId: string | null, content: string): NewMessage {
  return { conversationId, parentId, role: 'user', content, status: 'complete' };
}

const model = { fileName: 'tiny.gguf', path: '/models/tiny.gguf', architecture: 'llama', fileSizeBytes: 1234 };
const stats = { tokens: 2, promptTokens: 10, evaluatedPromptTokens: 4, ttftMs: 12.5, tokensPerSecond: 33.3, totalMs: 80 };

function expectKind(fn: () => unknown, kind: string): void {
  try {
    fn();
  } catch (error) {
    expect(isGlassboxError(error) ? error.kind : String(error)).toBe(kind);
    return;
  }
  expect.unreachable(`expected a ${kind} error`);
}

describe('conversations', () => {
  it('creates with a default title, renames, lists newest activity first', () => {
    // Make activity order unambiguous whatever the clock resolution.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1000);
    const first = store.createConversation();
    expect(first.title).toBe('New chat');
    vi.setSystemTime(2000);
    const second = store.createConversation('Second');
    expect(store.renameConversation(first.id, 'Renamed').title).toBe('Renamed');
    vi.setSystemTime(3000);
    store.appendMessage(user(first.id, null, 'hi'));
    vi.useRealTimers();
    const list = store.listConversations();
    expect(list.map((c) => c.id)).toEqual([first.id, second.id]);
    expect(list[0]?.updatedAt).toBeGreaterThanOrEqual(list[0]?.createdAt ?? Infinity);
  });

  it('reports not-found for unknown ids', () => {
    expectKind(() => store.getConversation('nope'), 'not-found');
    expectKind(() => store.renameConversation('nope', 'x'), 'not-found');
    expectKind(() => store.getMessage('nope'), 'not-found');
    expectKind(() => store.appendMessage(user('nope', null, 'x')), 'not-found');
    const c = store.createConversation();
    expectKind(() => store.appendMessage(user(c.id, 'nope', 'x')), 'not-found');
    expectKind(() => store.saveProgress('nope', '', []), 'not-found');
    expectKind(() => store.finishMessage('nope', { content: '', tokens: null, status: 'complete', stats: null, error: null }), 'not-found');
  });

  it('refuses a parent from another conversation', () => {
    const a = store.createConversation();
    const b = store.createConversation();
    const inA = store.appendMessage(user(a.id, null, 'in a'));
    expectKind(() => store.appendMessage(user(b.id, inA.id, 'in b')), 'invalid-argument');
  });
});

describe('message tree', () => {
  it('follows the current leaf, root first, across branches', () => {
    const c = store.createConversation();
    expect(store.getConversation(c.id)).toMatchObject({ currentLeafId: null, messages: [] });
    const question = store.appendMessage(user(c.id, null, 'question'));
    const answerA = store.appendMessage({ ...user(c.id, question.id, 'answer A'), role: 'assistant' });
    const followUp = store.appendMessage(user(c.id, answerA.id, 'follow-up'));
    expect(store.getConversation(c.id).messages.map((m) => m.content)).toEqual(['question', 'answer A', 'follow-up']);

    // Regenerate: a second child of the same parent becomes the current leaf.
    const answerB = store.appendMessage({ ...user(c.id, question.id, 'answer B'), role: 'assistant' });
    const detail = store.getConversation(c.id);
    expect(detail.currentLeafId).toBe(answerB.id);
    expect(detail.messages.map((m) => m.id)).toEqual([question.id, answerB.id]);
    expect(detail.messages[1]?.parentId).toBe(question.id);
    // The other branch is still there.
    expect(store.getMessage(followUp.id).parentId).toBe(answerA.id);
  });

  it('keeps model and sampling of an answer', () => {
    const c = store.createConversation();
    const q = store.appendMessage(user(c.id, null, 'q'));
    const a = store.appendMessage({
      conversationId: c.id,
      parentId: q.id,
      role: 'assistant',
      content: '',
      status: 'streaming',
      model,
      sampling: DEFAULT_SAMPLING,
    });
    expect(store.getMessage(a.id)).toMatchObject({ model, sampling: DEFAULT_SAMPLING, tokens: null, stats: null, error: null });
  });
});

describe('streaming answers', () => {
  function startAnswer(): { conversationId: string; messageId: string } {
    const c = store.createConversation();
    const q = store.appendMessage(user(c.id, null, 'Say hi'));
    const a = store.appendMessage({ conversationId: c.id, parentId: q.id, role: 'assistant', content: '', status: 'streaming' });
    return { conversationId: c.id, messageId: a.id };
  }

  const tokens: GeneratedToken[] = [
    token(10, 'Hi', 0.75, [
      [10, 'Hi', 0.75],
      [11, 'Hello', 0.25],
    ]),
    token(12, ' 👋', 0.123456789012345, []),
    token(13, '!', 1 / 3, [[13, '!', 1 / 3]]),
  ];

  it('saves progress, then finishes with exact tokens and stats', () => {
    const { conversationId, messageId } = startAnswer();
    store.saveProgress(messageId, 'Hi', tokens.slice(0, 1));
    expect(store.getMessage(messageId)).toMatchObject({ content: 'Hi', status: 'streaming', tokens: tokens.slice(0, 1) });
    store.saveProgress(messageId, 'Hi 👋', tokens.slice(0, 2));
    expect(store.getConversation(conversationId).messages[1]?.tokens).toEqual(tokens.slice(0, 2));

    const finished = store.finishMessage(messageId, { content: 'Hi 👋!', tokens, status: 'complete', stats, error: null });
    expect(finished).toMatchObject({ content: 'Hi 👋!', status: 'complete', stats, error: null });
    expect(finished.tokens).toEqual(tokens);
    expect(store.getMessage(messageId)).toEqual(finished);
  });

  it("leaves finished answers' tokens out of the conversation's detail; messageTokens returns them", () => {
    const { conversationId, messageId } = startAnswer();
    store.saveProgress(messageId, 'Hi 👋', tokens.slice(0, 2));
    // A streaming answer keeps its live tokens in the detail (a reload picks the stream up again).
    expect(store.getConversation(conversationId).messages[1]).toMatchObject({ tokens: tokens.slice(0, 2) });
    expect(store.messageTokens(conversationId, messageId)).toEqual(tokens.slice(0, 2));
    store.finishMessage(messageId, { content: 'Hi 👋!', tokens, status: 'complete', stats, error: null });

    const [question, answer] = store.getConversation(conversationId).messages;
    expect(answer).toMatchObject({ id: messageId, content: 'Hi 👋!', tokens: null, tokensOmitted: true, stats });
    expect(question).toMatchObject({ tokens: null });
    expect(question?.tokensOmitted).toBeUndefined();
    expect(store.messageTokens(conversationId, messageId)).toEqual(tokens);
    expect(store.messageTokens(conversationId, question?.id ?? '')).toBeNull();
    expectKind(() => store.messageTokens(store.createConversation().id, messageId), 'not-found');
    expectKind(() => store.messageTokens(conversationId, 'nope'), 'not-found');
  });

  it('ignores a late progress save after the answer finished', () => {
    const { messageId } = startAnswer();
    store.finishMessage(messageId, { content: 'final', tokens: [], status: 'stopped', stats: null, error: null });
    store.saveProgress(messageId, 'stale', tokens);
    expect(store.getMessage(messageId)).toMatchObject({ content: 'final', status: 'stopped', tokens: [] });
  });

  it('keeps an error on a failed answer', () => {
    const { messageId } = startAnswer();
    const error = { kind: 'engine-crashed' as const, message: 'The engine stopped.' };
    const failed = store.finishMessage(messageId, { content: '', tokens: null, status: 'error', stats: null, error });
    expect(failed).toMatchObject({ status: 'error', error, tokens: null });
  });

  it('rewrites saved tokens when the list gets shorter', () => {
    const { messageId } = startAnswer();
    store.saveProgress(messageId, 'Hi 👋!', tokens);
    store.saveProgress(messageId, 'Hi', tokens.slice(0, 1));
    expect(store.getMessage(messageId).tokens).toEqual(tokens.slice(0, 1));
  });

  it('marks answers left streaming as interrupted, keeping what was streamed', () => {
    const { messageId } = startAnswer();
    const done = startAnswer();
    store.finishMessage(done.messageId, { content: 'ok', tokens: null, status: 'complete', stats: null, error: null });
    store.saveProgress(messageId, 'Hi 👋', tokens.slice(0, 2));

    expect(store.markUnfinishedAsInterrupted()).toBe(1);
    expect(store.getMessage(messageId)).toMatchObject({ status: 'interrupted', content: 'Hi 👋', tokens: tokens.slice(0, 2) });
    expect(store.getMessage(done.messageId).status).toBe('complete');
    expect(store.markUnfinishedAsInterrupted()).toBe(0);
  });

  it('survives 500 progress saves on a growing token list', () => {
    const { messageId } = startAnswer();
    const growing: GeneratedToken[] = [];
    let content = '';
    for (let i = 0; i < 500; i++) {
      const text = ` t${i}`;
      const top: Array<[number, string, number]> = Array.from({ length: 10 }, (_, k) => [i * 10 + k, `${text}${k}`, 1 / (k + 2)]);
      growing.push(token(i, text, 1 / (i + 2), top));
      content += text;
      store.saveProgress(messageId, content, growing);
    }
    const streamed = store.getMessage(messageId);
    expect(streamed.content).toBe(content);
    expect(streamed.tokens).toEqual(growing);
    expect(store.finishMessage(messageId, { content, tokens: growing, status: 'complete', stats, error: null }).tokens).toEqual(
      growing,
    );
  });
});

describe('tokens on disk', () => {
  it('come back exactly after a reopen', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'tokens.db');
      const first = openStore(path);
      const c = first.createConversation();
      const a = first.appendMessage({ conversationId: c.id, parentId: null, role: 'assistant', content: '', status: 'streaming' });
      first.saveProgress(a.id, 'partial', awkwardTokens.slice(0, 2));
      first.finishMessage(a.id, { content: 'x', tokens: awkwardTokens, status: 'complete', stats, error: null });
      first.close();

      const second = openStore(path);
      const tokens = second.getMessage(a.id).tokens ?? [];
      expect(tokens).toEqual(awkwardTokens);
      tokens.forEach((t, i) => expect(Object.is(t.p, awkwardTokens[i]?.p)).toBe(true));
      expect(tokens[3]?.text).toBe('\ud83d');
      second.close();
    } finally {
      cleanup();
    }
  });
});

describe('settings', () => {
  it('gets null for a missing key, then the latest value set', () => {
    expect(store.getSetting('theme')).toBeNull();
    store.setSetting('theme', 'dark');
    store.setSetting('theme', 'light');
    store.setSetting('empty', '');
    expect(store.getSetting('theme')).toBe('light');
    expect(store.getSetting('empty')).toBe('');
  });
});

describe('rows that do not decode', () => {
  it('name the message and column instead of crashing', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'bad.db');
      const fileStore = openStore(path);
      const c = fileStore.createConversation();
      const m = fileStore.appendMessage(user(c.id, null, 'hi'));
      fileStore.close();

      const raw = new Database(path);
      raw.prepare("UPDATE messages SET stats = '{\"tokens\": \"many\"}' WHERE id = ?").run(m.id);
      raw.close();

      const reopened = openStore(path);
      expect(() => reopened.getMessage(m.id)).toThrow(new RegExp(`Message ${m.id} \\(stats\\) could not be read`));
      expectKind(() => reopened.getConversation(c.id), 'database-corrupt');
      reopened.close();
    } finally {
      cleanup();
    }
  });
});
