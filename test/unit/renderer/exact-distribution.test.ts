import { describe, expect, it } from 'vitest';
import type { TokenDistribution } from '../../../electron/contract/token-distribution';
import { exactRank, listedMassText, spreadText, vocabularyEntropyBits, withExact } from '../../../renderer/src/lib/explorer/exact';

const exact: TokenDistribution = {
  meaning: 'whole-vocabulary',
  token: { id: 7, text: ' far', p: 0.05, rank: 12 },
  top: [
    { id: 1, text: ' a', p: 0.4 },
    { id: 2, text: ' the', p: 0.3 },
  ],
  listedMass: 0.7,
  entropyBits: 3.2,
  vocabularySize: 49_152,
  tokensForHalf: 2,
  tokensForNinetyPercent: 1_234,
  promptChecked: true,
  evaluatedTokens: 1,
};

describe('the pinned token\'s exact numbers', () => {
  it('replaces the streamed shares by id, the chosen token\'s too, and leaves unknown candidates as they were', () => {
    const shown = withExact(
      [
        { id: 1, text: ' a', p: 0.55 },
        { id: 2, text: ' the', p: 0.41 },
        { id: 7, text: ' far', p: 0.04 },
        { id: 9, text: ' so', p: 0.01 },
      ],
      exact,
    );
    expect(shown.map((c) => c.p)).toEqual([0.4, 0.3, 0.05, 0.01]);
  });

  it('says where the chosen token ranks in the whole vocabulary and what the listed ones hold', () => {
    expect(exactRank(exact)).toBe('ranked 12th of the 49,152 tokens');
    expect(exactRank({ ...exact, token: { ...exact.token, rank: 1_001 } })).toBe('ranked 1,001st of the 49,152 tokens');
    expect(listedMassText(exact)).toBe('The 2 listed hold 70.0% of the probability; the other 49,150 tokens share 30.0%.');
    expect(spreadText(exact)).toBe('Half the probability is on the top 2 tokens, 90% on the top 1,234.');
    expect(spreadText({ ...exact, tokensForHalf: 1, tokensForNinetyPercent: 1 })).toBe('Half the probability is on the top token, 90% on the top one.');
    expect(vocabularyEntropyBits(exact)).toBeCloseTo(15.585, 3);
  });
});
