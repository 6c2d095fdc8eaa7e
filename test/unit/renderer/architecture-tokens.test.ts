import { describe, expect, it } from 'vitest';
import {
  MASK_CAP,
  canAttend,
  lastUserText,
  maskLayout,
  rowSentence,
  tokenChips,
  visibleWhitespace,
} from '../../../renderer/src/lib/architecture/tokens';

const pieces = [
  { id: 1, text: '<s>', special: true },
  { id: 403, text: ' Once', special: false },
  { id: 407, text: ' upon', special: false },
  { id: 261, text: ' a', special: false },
  { id: 378, text: ' time', special: false },
  { id: 383, text: ' there', special: false },
];

describe('token display', () => {
  it('makes whitespace visible without changing anything else', () => {
    expect(visibleWhitespace(' there')).toBe('␣there');
    expect(visibleWhitespace('a\nb\tc')).toBe('a↵b⇥c');
    expect(visibleWhitespace('')).toBe('∅');
    expect(visibleWhitespace('<0xF0>')).toBe('<0xF0>');
  });

  it('marks BOS and other special tokens and keeps llama.cpp ids', () => {
    const chips = tokenChips([...pieces, { id: 2, text: '</s>', special: true }, { id: 9, text: '<|x|>', special: true }], { bos: 1, eos: 2 });
    expect(chips.map((c) => c.id)).toEqual([1, 403, 407, 261, 378, 383, 2, 9]);
    expect(chips[0]).toMatchObject({ role: 'BOS', special: true, label: '<s>' });
    expect(chips[0]!.description).toBe('beginning-of-sequence token "<s>", id 1, position 0');
    expect(chips[6]).toMatchObject({ role: 'EOS', special: true });
    expect(chips[7]).toMatchObject({ role: null, special: true });
    expect(chips[1]).toMatchObject({ label: '␣Once', special: false, role: null });
  });
});

describe('causal mask', () => {
  it('lets row i attend to columns 0..i only', () => {
    expect(canAttend(0, 0)).toBe(true);
    expect(canAttend(3, 2)).toBe(true);
    expect(canAttend(2, 3)).toBe(false);
  });

  it('caps the grid at 24 tokens and says so', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ id: i, text: `t${i}`, special: false }));
    const layout = maskLayout(tokenChips(many));
    expect(MASK_CAP).toBe(24);
    expect(layout.tokens).toHaveLength(24);
    expect(layout).toMatchObject({ total: 30, truncated: true });
    expect(maskLayout(tokenChips(pieces)).truncated).toBe(false);
  });

  it('describes a row in one sentence', () => {
    const layout = maskLayout(tokenChips(pieces, { bos: 1, eos: null }));
    expect(rowSentence(layout, 5)).toBe(
      '‘␣there’ (position 5) sees 6 tokens: ‘<s>’, ‘␣Once’, ‘␣upon’, ‘␣a’, ‘␣time’ and itself.',
    );
    expect(rowSentence(layout, 0)).toBe('‘<s>’ (position 0) sees 1 token: only itself; the 5 after it are masked out.');
    expect(rowSentence(layout, 2)).toContain('the 3 after it are masked out');
    expect(rowSentence(layout, 9)).toBe('');
    const long = maskLayout(tokenChips(Array.from({ length: 20 }, (_, i) => ({ id: i, text: `w${i}`, special: false }))));
    expect(rowSentence(long, 15)).toBe('‘w15’ (position 15) sees 16 tokens: ‘w0’, ‘w1’, ‘w2’, … ‘w13’, ‘w14’ and itself; the 4 after it are masked out.');
  });

  it('finds the last user prompt of a conversation', () => {
    expect(lastUserText([])).toBeNull();
    expect(
      lastUserText([
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'answer' },
        { role: 'user', content: 'second' },
        { role: 'assistant', content: '' },
      ]),
    ).toBe('second');
    expect(lastUserText([{ role: 'user', content: '   ' }])).toBeNull();
  });
});
