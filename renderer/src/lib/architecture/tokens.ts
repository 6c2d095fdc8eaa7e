import type { TokenPiece } from '../../../../electron/contract/engine-protocol';

/**
 * Token text made readable for the tokenizer view and the causal mask: whitespace shown as
 * visible marks (␣ for a space, ↵ for a newline, ⇥ for a tab), so " there" and "there" differ on
 * screen as they do for the model.
 */
export function visibleWhitespace(text: string): string {
  if (text === '') return '∅';
  return text.replace(/ /g, '␣').replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/\r/g, '␍');
}

export interface TokenChip {
  index: number;
  id: number;
  /** The text with visible whitespace. */
  label: string;
  special: boolean;
  /** 'BOS' / 'EOS' for those two, otherwise null. */
  role: 'BOS' | 'EOS' | null;
  /** What a screen reader hears and a hover shows. */
  description: string;
}

export function tokenChips(tokens: readonly TokenPiece[], ids: { bos: number | null; eos: number | null } = { bos: null, eos: null }): TokenChip[] {
  return tokens.map((t, index) => {
    const role = t.id === ids.bos ? 'BOS' : t.id === ids.eos ? 'EOS' : null;
    const label = visibleWhitespace(t.text);
    const kind = role === 'BOS' ? 'beginning-of-sequence token' : role === 'EOS' ? 'end-of-sequence token' : t.special ? 'special token' : 'token';
    return { index, id: t.id, label, special: t.special || role !== null, role, description: `${kind} ${JSON.stringify(t.text)}, id ${t.id}, position ${index}` };
  });
}

export const MASK_CAP = 24;

export interface MaskLayout {
  /** The tokens drawn (the first MASK_CAP). */
  tokens: TokenChip[];
  /** How many the prompt has in all. */
  total: number;
  truncated: boolean;
}

export function maskLayout(chips: readonly TokenChip[], cap = MASK_CAP): MaskLayout {
  return { tokens: chips.slice(0, cap), total: chips.length, truncated: chips.length > cap };
}

/** Whether row i (the token being computed) may look at column j: only itself and what came before. */
export function canAttend(row: number, column: number): boolean {
  return column <= row;
}

function quote(chip: TokenChip): string {
  return `‘${chip.label}’`;
}

/** "‘␣there’ (position 5) sees 6 tokens: ‘<s>’, ‘␣Once’, …, and itself; not the 3 after it." */
export function rowSentence(layout: MaskLayout, row: number): string {
  const chip = layout.tokens[row];
  if (!chip) return '';
  const seen = layout.tokens.slice(0, row + 1);
  const count = seen.length;
  const before = seen.slice(0, -1);
  const list =
    before.length === 0
      ? 'only itself'
      : before.length <= 8
        ? `${before.map(quote).join(', ')} and itself`
        : `${before.slice(0, 3).map(quote).join(', ')}, … ${before.slice(-2).map(quote).join(', ')} and itself`;
  const after = layout.tokens.length - row - 1;
  const hidden = after > 0 ? `; the ${after} after it are masked out` : '';
  return `${quote(chip)} (position ${row}) sees ${count} token${count === 1 ? '' : 's'}: ${list}${hidden}.`;
}

/** The last user message's text in a conversation's messages (read-only view of the chat). */
export function lastUserText(messages: readonly { role: string; content: string }[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m && m.role === 'user' && m.content.trim() !== '') return m.content;
  }
  return null;
}
