import { describe, expect, it } from 'vitest';
import { DEFAULT_TITLE } from '../../../electron/contract/conversation';
import { titleFromPrompt } from '../../../electron/services/titles';

describe('titleFromPrompt', () => {
  it('uses the first non-empty line, with spaces folded', () => {
    expect(titleFromPrompt('\n  Why is   the sky blue?\nMore text')).toBe('Why is the sky blue?');
  });
  it('cuts long prompts at a word boundary', () => {
    const title = titleFromPrompt('Explain '.repeat(20));
    expect(title.length).toBeLessThanOrEqual(61);
    expect(title.endsWith('…')).toBe(true);
    expect(title).not.toMatch(/\s…$/);
  });
  it('falls back to the default title for blank prompts', () => {
    expect(titleFromPrompt('   \n ')).toBe(DEFAULT_TITLE);
  });
});
