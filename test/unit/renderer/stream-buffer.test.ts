import { describe, expect, it } from 'vitest';
import { StreamBuffer } from '../../../renderer/src/lib/stream-buffer';

const token = (id: number, text: string) => ({ id, text, p: 0.5, top: [] });

/** A chat.tokens event: `texts` are the answer's tokens `first`, `first + 1`, ... */
const batch = (messageId: string, first: number, ...texts: string[]) => ({
  conversationId: 'c1',
  messageId,
  first,
  tokens: texts.map((text, i) => token(first + i, text)),
});

describe('renderer stream buffer', () => {
  it('appends waiting batches in order and hands over the end event', () => {
    const buffer = new StreamBuffer();
    buffer.addTokens(batch('m1', 0, 'Once', ' upon'));
    buffer.addTokens(batch('m1', 2, ' a', ' time'));
    buffer.addEnd({ conversationId: 'c1', messageId: 'm1', status: 'stopped', content: 'Once upon a time', stats: null, error: null });
    expect(buffer.messageIds()).toEqual(['m1']);
    const { tokens, end } = buffer.take('m1', []);
    expect(tokens?.map((t) => t.text).join('')).toBe('Once upon a time');
    expect(end?.status).toBe('stopped');
    expect(buffer.messageIds()).toEqual([]);
  });

  it('skips indices the message already has (a replay after reloading), within a batch too', () => {
    const buffer = new StreamBuffer();
    buffer.addTokens(batch('m1', 0, 'A', 'B', 'C'));
    buffer.addTokens(batch('m1', 1, 'B', 'C', 'D'));
    buffer.addTokens(batch('m1', 0, 'A'));
    const { tokens } = buffer.take('m1', [token(0, 'A'), token(1, 'B')]);
    expect(tokens?.map((t) => t.text)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('keeps other messages waiting', () => {
    const buffer = new StreamBuffer();
    buffer.addTokens(batch('m1', 0, 'A'));
    buffer.addTokens(batch('m2', 0, 'B'));
    buffer.take('m1', []);
    expect(buffer.messageIds()).toEqual(['m2']);
    buffer.clear();
    expect(buffer.messageIds()).toEqual([]);
  });
});
