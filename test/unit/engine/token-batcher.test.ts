import { describe, expect, it } from 'vitest';
import type { GeneratedToken } from '../../../electron/contract/token';
import type { TokenBatch } from '../../../electron/contract/token-batch';
import { TokenBatcher, type BatcherClock } from '../../../electron/engine/token-batcher';

function fakeClock(): BatcherClock & { advance(ms: number): void; pending: number } {
  let now = 0;
  let timer: { at: number; callback: () => void } | null = null;
  return {
    now: () => now,
    setTimer: (callback, ms) => {
      const entry = { at: now + ms, callback };
      timer = entry;
      return () => {
        if (timer === entry) timer = null;
      };
    },
    advance(ms: number) {
      now += ms;
      const due: { at: number; callback: () => void } | null = timer;
      if (due !== null && due.at <= now) {
        timer = null;
        due.callback();
      }
    },
    get pending() {
      return timer === null ? 0 : 1;
    },
  };
}

const token = (id: number): GeneratedToken => ({ id, text: `t${id}`, p: 1, top: [] });

describe('TokenBatcher', () => {
  it('sends a slow stream token by token and a fast one in batches, never holding a token longer than the interval', () => {
    const clock = fakeClock();
    const sent: TokenBatch[] = [];
    const batcher = new TokenBatcher((b) => sent.push(b), 16, clock);
    batcher.push(0, token(0)); // the first goes at once
    expect(sent).toEqual([{ first: 0, tokens: [token(0)] }]);
    clock.advance(30);
    batcher.push(1, token(1)); // slow: alone, at once
    expect(sent).toHaveLength(2);
    for (let i = 2; i < 6; i++) {
      clock.advance(1);
      batcher.push(i, token(i));
    }
    expect(sent).toHaveLength(2); // fast: held
    expect(clock.pending).toBe(1);
    clock.advance(12); // 16 ms after the last message
    expect(sent[2]).toEqual({ first: 2, tokens: [2, 3, 4, 5].map(token) });
    clock.advance(1);
    batcher.push(6, token(6));
    batcher.flush(); // the end of the answer
    expect(sent[3]).toEqual({ first: 6, tokens: [token(6)] });
    expect(clock.pending).toBe(0);
    batcher.flush();
    expect(sent).toHaveLength(4);
  });

  it('with an interval of 0 sends every token alone', () => {
    const sent: TokenBatch[] = [];
    const batcher = new TokenBatcher((b) => sent.push(b), 0, fakeClock());
    for (let i = 0; i < 3; i++) batcher.push(i, token(i));
    expect(sent.map((b) => b.tokens.length)).toEqual([1, 1, 1]);
  });

  it('sends a full batch at once, however fast the tokens come (the protocol bounds a batch)', () => {
    const clock = fakeClock();
    const sent: TokenBatch[] = [];
    const batcher = new TokenBatcher((b) => sent.push(b), 16, clock, 3);
    for (let i = 0; i < 8; i++) batcher.push(i, token(i)); // no time passes
    expect(sent.map((b) => [b.first, b.tokens.length])).toEqual([
      [0, 1],
      [1, 3],
      [4, 3],
    ]);
    batcher.flush();
    expect(sent.at(-1)).toEqual({ first: 7, tokens: [token(7)] });
    expect(clock.pending).toBe(0);
  });
});
