import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING } from '../../../electron/contract/default-sampling';
import type { GeneratedToken } from '../../../electron/contract/token';
import { SAMPLING_FIELDS, fieldValue, parseField } from '../../../renderer/src/lib/explorer/sampling-form';
import { isThinkingNow, thinkingTitle } from '../../../renderer/src/lib/thinking';

const tok = (segment?: GeneratedToken['segment']): GeneratedToken => ({ id: 1, text: 'x', p: 0.5, top: [], ...(segment ? { segment } : {}) });
const stats = { tokens: 9, promptTokens: 3, evaluatedPromptTokens: 3, ttftMs: 1, tokensPerSecond: 10, totalMs: 900 };

describe('the Thinking block', () => {
  it('is thinking while the answer streams and none of the answer itself has come', () => {
    expect(isThinkingNow('streaming', [])).toBe(true);
    expect(isThinkingNow('streaming', [tok('marker'), tok('thought')])).toBe(true);
    expect(isThinkingNow('streaming', [tok('marker'), tok('thought'), tok('marker'), tok()])).toBe(false);
    expect(isThinkingNow('complete', [tok('thought')])).toBe(false);
  });

  it('says how long it thinks, then how long it thought as the engine measured it, and how many tokens', () => {
    expect(thinkingTitle(true, null, null, 0)).toBe('Thinking…');
    expect(thinkingTitle(true, 2400, null, 5)).toBe('Thinking… 2 s');
    expect(thinkingTitle(false, 2400, { ...stats, thoughtMs: 1520, thoughtTokens: 6 }, 6)).toBe('Thought for 1.52 s · 6 tokens');
    expect(thinkingTitle(false, null, { ...stats, thoughtMs: null }, 1)).toBe('Thinking · 1 token');
    expect(thinkingTitle(false, null, null, 3)).toBe('Thinking · 3 tokens');
  });

  it('the thinking budget field: empty is no cap, a whole number of tokens from 0', () => {
    const budget = SAMPLING_FIELDS.find((f) => f.key === 'thoughtBudget')!;
    expect(parseField(budget, '')).toEqual({ ok: true, patch: { thoughtBudget: null } });
    expect(parseField(budget, '0')).toEqual({ ok: true, patch: { thoughtBudget: 0 } });
    expect(parseField(budget, '1.5')).toMatchObject({ ok: false });
    expect(parseField(budget, '-1')).toMatchObject({ ok: false });
    expect(fieldValue(budget, DEFAULT_SAMPLING)).toBe('');
    expect(fieldValue(budget, { ...DEFAULT_SAMPLING, thoughtBudget: 64 })).toBe('64');
    // Fields that cannot be empty still refuse it.
    expect(parseField(SAMPLING_FIELDS.find((f) => f.key === 'maxTokens')!, '')).toMatchObject({ ok: false });
  });
});
