import { afterEach, beforeEach, expect, it } from 'vitest';
import { isGlassboxError } from '../../../electron/contract/errors';
import { openStore, type SqliteStore } from '../../../electron/store/sqlite-store';
import { token } from './helpers';

// The cheap reads the chat service builds prompts from: the same branch and settings as
// pathTo/getConversation, without decoding any message's tokens.

let store: SqliteStore;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => store.close());

it('branchTurns is pathTo\'s branch with role, content and thought only', () => {
  const { id } = store.createConversation('c');
  const question = store.appendMessage({ conversationId: id, parentId: null, role: 'user', content: 'Hi', status: 'complete' });
  const answer = store.appendMessage({ conversationId: id, parentId: question.id, role: 'assistant', content: '', status: 'streaming' });
  store.finishMessage(answer.id, { content: 'Hello', thought: 'greet back', tokens: [token(1, 'Hello', 0.5, [[1, 'Hello', 0.5]])], status: 'complete', stats: null, error: null });
  // A sibling branch is not part of it.
  store.appendMessage({ conversationId: id, parentId: null, role: 'user', content: 'Other', status: 'complete' });
  const next = store.appendMessage({ conversationId: id, parentId: answer.id, role: 'user', content: 'More', status: 'complete' });

  const turns = store.branchTurns(next.id);
  expect(turns).toEqual(store.pathTo(next.id).map((m) => ({ id: m.id, role: m.role, content: m.content, thought: m.thought ?? null })));
  expect(turns.map((t) => t.content)).toEqual(['Hi', 'Hello', 'More']);
  expect(turns[1]?.thought).toBe('greet back');
  try {
    store.branchTurns('nope');
    expect.unreachable();
  } catch (error) {
    expect(isGlassboxError(error, 'not-found')).toBe(true);
  }
});

it('getConversationHeader is getConversation without the messages', () => {
  const { id } = store.createConversation('c');
  store.setSystemPrompt(id, 'Be brief.');
  store.setSampling(id, { temperature: 0.3 });
  store.appendMessage({ conversationId: id, parentId: null, role: 'user', content: 'Hi', status: 'complete' });
  const { messages, ...rest } = store.getConversation(id);
  expect(messages).toHaveLength(1);
  expect(store.getConversationHeader(id)).toEqual(rest);
});
