import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../electron/contract/api';
import { EventHub, type WireEvent } from '../../../electron/contract/rpc';
import type { GeneratedToken } from '../../../electron/contract/token';
import { MAX_BATCH_TOKENS } from '../../../electron/contract/token-batch';
import { AnswerRecorder } from '../../../electron/services/answer-recorder';
import { openStore, type SqliteStore } from '../../../electron/store/sqlite-store';

const token = (id: number, text: string, segment?: 'thought' | 'marker'): GeneratedToken => ({ id, text, p: 0.5, top: [], ...(segment ? { segment } : {}) });

let store: SqliteStore;
let hub: EventHub;
let events: WireEvent[];
let ids: { conversationId: string; messageId: string };

beforeEach(() => {
  store = openStore(':memory:');
  hub = new EventHub();
  events = [];
  hub.subscribe((event) => events.push(event));
  const conversationId = store.createConversation('t').id;
  const message = store.appendMessage({ conversationId, parentId: null, role: 'assistant', content: '', status: 'streaming' });
  ids = { conversationId, messageId: message.id };
});
afterEach(() => store.close());

const tokenEvents = (): EventPayload<'chat.tokens'>[] => events.filter((e) => e.name === 'chat.tokens').map((e) => e.payload as EventPayload<'chat.tokens'>);

describe('AnswerRecorder', () => {
  it('records a batch and sends it on as one chat.tokens event', () => {
    const recorder = new AnswerRecorder(store, hub, ids, [], () => 0, () => {});
    const first = [token(1, 'Once'), token(2, ' upon'), token(3, ' a')];
    expect(recorder.push({ first: 0, tokens: first })).toBe(true);
    expect(recorder.push({ first: 3, tokens: [token(4, ' time')] })).toBe(true);
    expect(tokenEvents()).toEqual([
      { ...ids, first: 0, tokens: first },
      { ...ids, first: 3, tokens: [token(4, ' time')] },
    ]);
    expect(recorder.content).toBe('Once upon a time');
    expect(recorder.tokensFrom(2).map((t) => t.text)).toEqual([' a', ' time']);
  });

  it("counts a branch's prefix, and keeps a thought's tokens out of the answer's text", () => {
    const prefix = [token(1, 'Once')];
    const recorder = new AnswerRecorder(store, hub, ids, prefix, () => 0, () => {});
    recorder.push({ first: 1, tokens: [token(9, '<think>', 'marker'), token(10, 'hm', 'thought'), token(11, '</think>', 'marker'), token(2, ' upon')] });
    expect(tokenEvents()).toHaveLength(1);
    expect(tokenEvents()[0]?.first).toBe(1);
    expect(recorder.content).toBe('Once upon');
    expect(recorder.tokensFrom(0)).toHaveLength(5);
  });

  it('splits only a batch larger than an event may carry', () => {
    const recorder = new AnswerRecorder(store, hub, ids, [], () => 0, () => {});
    const many = Array.from({ length: MAX_BATCH_TOKENS + 5 }, (_, i) => token(i, ` w${i}`));
    recorder.push({ first: 0, tokens: many });
    expect(tokenEvents().map((e) => [e.first, e.tokens.length])).toEqual([
      [0, MAX_BATCH_TOKENS],
      [MAX_BATCH_TOKENS, 5],
    ]);
  });

  it('saves at most every SAVE_INTERVAL_MS, whatever the batch size, and the final state with chat.end', () => {
    let now = 0;
    const recorder = new AnswerRecorder(store, hub, ids, [], () => now, () => {});
    recorder.push({ first: 0, tokens: [token(1, 'A'), token(2, 'B')] });
    expect(store.getMessage(ids.messageId).content).toBe('');
    now = 250;
    recorder.push({ first: 2, tokens: [token(3, 'C')] });
    expect(store.getMessage(ids.messageId).content).toBe('ABC');
    recorder.finish('complete', null, null);
    expect(events.at(-1)).toMatchObject({ name: 'chat.end', payload: { ...ids, status: 'complete', content: 'ABC' } });
  });
});
