import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnswerParts, tokensOfPart } from '../../../electron/contract/answer-parts';
import { DEFAULT_SAMPLING } from '../../../electron/contract/model';
import type { GeneratedToken } from '../../../electron/contract/token';
import { decodeTokens, encodeTokens } from '../../../electron/store/codec';
import { MIGRATIONS } from '../../../electron/store/migrations';
import { openStore } from '../../../electron/store/sqlite-store';
import type { Store } from '../../../electron/store/store';
import { tempDir, token } from './helpers';

// A reasoning model's answer as the engine streams it (test/integration/engine/reasoning.test.ts):
// markers, the thought, the answer.
const seg = (t: GeneratedToken, segment: GeneratedToken['segment']): GeneratedToken => ({ ...t, segment });
const TOKENS: GeneratedToken[] = [
  seg(token(1, '<think>', 0.99), 'marker'),
  seg(token(2, '\nThe user', 0.9, [[2, '\nThe user', 0.9], [3, ' maybe', 0.03]]), 'thought'),
  seg(token(4, ' said hi.', 0.8), 'thought'),
  seg(token(5, '</think>', 0.97), 'marker'),
  token(6, 'Hello', 0.95),
  token(7, '!', 0.9),
];
const THOUGHT = '\nThe user said hi.';
const ANSWER = 'Hello!';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => store.close());

function answered(finish = true) {
  const c = store.createConversation('Thinking');
  const q = store.appendMessage({ conversationId: c.id, parentId: null, role: 'user', content: 'hi', status: 'complete' });
  const a = store.appendMessage({ conversationId: c.id, parentId: q.id, role: 'assistant', content: '', status: 'streaming', sampling: DEFAULT_SAMPLING });
  store.saveProgress(a.id, 'Hel', TOKENS.slice(0, 5), THOUGHT);
  if (finish) {
    const stats = { tokens: 6, promptTokens: 9, evaluatedPromptTokens: 9, ttftMs: 5, tokensPerSecond: 50, totalMs: 200, thoughtTokens: 2, thoughtMs: 1234 };
    store.finishMessage(a.id, { content: ANSWER, thought: THOUGHT, tokens: TOKENS, status: 'complete', stats, error: null });
  }
  return { conversation: c, answer: a };
}

describe('a thought kept apart from the answer', () => {
  it('the answer parts of a token list: the answer and the thought, markers in neither', () => {
    const parts = new AnswerParts(TOKENS);
    expect([parts.content, parts.thought]).toEqual([ANSWER, THOUGHT]);
    expect(tokensOfPart(TOKENS, 'thought').map((t) => t.index)).toEqual([1, 2]);
    expect(tokensOfPart(TOKENS, 'answer').map((t) => t.index)).toEqual([4, 5]);
  });

  it('token segments survive the compact encoding; a token saved before segments existed decodes as answer', () => {
    expect(decodeTokens(encodeTokens(TOKENS), 'test')).toEqual(TOKENS);
    expect(decodeTokens('[[6,"Hello",0.95,[]]]', 'test')).toEqual([token(6, 'Hello', 0.95)]);
    expect(() => decodeTokens('[[6,"Hello",0.95,[],"x"]]', 'test')).toThrow(/malformed/);
  });

  it('is saved while streaming and when finished, in its own column; content stays the answer alone', () => {
    const { conversation, answer } = answered(false);
    expect(store.getMessage(answer.id)).toMatchObject({ content: 'Hel', thought: THOUGHT, status: 'streaming' });
    store.finishMessage(answer.id, { content: ANSWER, thought: THOUGHT, tokens: TOKENS, status: 'complete', stats: null, error: null });
    const message = store.getConversation(conversation.id).messages[1];
    expect(message).toMatchObject({ content: ANSWER, thought: THOUGHT, tokensOmitted: true });
    expect(store.messageTokens(conversation.id, answer.id)).toEqual(TOKENS);
    // Search finds the answer's words, not the thinking's.
    expect(store.search('Hello', 10).length).toBe(1);
    expect(store.search('user said', 10).length).toBe(0);
  });

  it('a message without a thought has none (no empty string stored)', () => {
    const c = store.createConversation();
    const q = store.appendMessage({ conversationId: c.id, parentId: null, role: 'user', content: 'hi', status: 'complete' });
    expect(store.getMessage(q.id).thought).toBeUndefined();
    const a = store.appendMessage({ conversationId: c.id, parentId: q.id, role: 'assistant', content: '', status: 'streaming' });
    store.finishMessage(a.id, { content: 'x', thought: '', tokens: [], status: 'complete', stats: null, error: null });
    expect(store.getMessage(a.id).thought).toBeUndefined();
  });

  it('is in both exports: a quoted Thinking section above the answer in Markdown, a field in JSON that imports back', () => {
    const { conversation } = answered();
    const markdown = store.exportConversation(conversation.id, 'markdown').content;
    expect(markdown).toContain('> **Thinking** · 1.23 s\n>\n> The user said hi.\n\nHello!');
    const json = store.exportConversation(conversation.id, 'json').content;
    const exported = (JSON.parse(json) as { messages: { thought?: string; content: string }[] }).messages[1];
    expect(exported).toMatchObject({ content: ANSWER, thought: THOUGHT });
    const copy = store.importConversation(json);
    const answer = store.getConversation(copy.id).messages[1];
    expect(answer).toMatchObject({ content: ANSWER, thought: THOUGHT, stats: { thoughtMs: 1234, thoughtTokens: 2 } });
    expect(store.messageTokens(copy.id, answer?.id ?? '')).toEqual(TOKENS);
  });
});

describe('migration 007', () => {
  it('adds messages.thought to a database of the previous schema, keeping its messages', () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'old.sqlite');
      const db = new Database(path);
      const previous = MIGRATIONS.filter((m) => m.version < 7);
      for (const m of previous) m.up(db);
      db.pragma(`user_version = ${previous.length}`);
      db.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 'old', 1, 1)").run();
      db.prepare("INSERT INTO messages (id, conversation_id, role, content, status, created_at) VALUES ('m', 'c', 'user', 'kept', 'complete', 1)").run();
      db.close();
      const reopened = openStore(path);
      try {
        expect(reopened.getMessage('m')).toMatchObject({ content: 'kept' });
        expect(reopened.getMessage('m').thought).toBeUndefined();
      } finally {
        reopened.close();
      }
      const check = new Database(path, { readonly: true });
      const columns = check.prepare('PRAGMA table_info(messages)').all() as { name: string }[];
      expect(columns.map((c) => c.name)).toContain('thought');
      expect(check.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(7);
      check.close();
    } finally {
      cleanup();
    }
  });
});
