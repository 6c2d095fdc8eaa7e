import { describe, expect, it } from 'vitest';
import { StreamBuffer } from '../../../renderer/src/lib/stream-buffer';

const tok = (messageId: string, index: number, text: string) => ({
  conversationId: 'c1',
  messageId,
  index,
  token: { id: index, text, p: 0.5, top: [] },
});

describe('renderer stream buffer', () => {
  it('appends waiting tokens in order and hands over the end event', () => {
    const buffer = new StreamBuffer();
    buffer.addToken(tok('m1', 0, 'Once'));
    buffer.addToken(tok('m1', 1, ' upon'));
    buffer.addEnd({ conversationId: 'c1', messageId: 'm1', status: 'stopped', content: 'Once upon', stats: null, error: null });
    expect(buffer.messageIds()).toEqual(['m1']);
    const { tokens, end } = buffer.take('m1', []);
    expect(tokens?.map((t) => t.text).join('')).toBe('Once upon');
    expect(end?.status).toBe('stopped');
    expect(buffer.messageIds()).toEqual([]);
  });

  it('skips indices the message already has (a replay after reloading)', () => {
    const buffer = new StreamBuffer();
    buffer.addToken(tok('m1', 0, 'A'));
    buffer.addToken(tok('m1', 1, 'B'));
    const { tokens } = buffer.take('m1', [{ id: 0, text: 'A', p: 1, top: [] }]);
    expect(tokens?.map((t) => t.text)).toEqual(['A', 'B']);
  });

  it('keeps other messages waiting', () => {
    const buffer = new StreamBuffer();
    buffer.addToken(tok('m1', 0, 'A'));
    buffer.addToken(tok('m2', 0, 'B'));
    buffer.take('m1', []);
    expect(buffer.messageIds()).toEqual(['m2']);
    buffer.clear();
    expect(buffer.messageIds()).toEqual([]);
  });
});
