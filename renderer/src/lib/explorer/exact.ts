/**
 * The pinned token's exact numbers (electron/contract/token-distribution.ts) laid over what the
 * answer streamed: the same candidates, with whole-vocabulary probabilities instead of top-K shares,
 * and the sentences the Token panel says about the whole distribution. Pure: unit-tested alone.
 */
import type { TokenDistribution } from '../../../../electron/contract/token-distribution';
import type { Candidate } from './distribution';
import { formatPercent } from '../format';
import { ordinal } from './popover';

/** The shown candidates with their exact probabilities (a candidate the call did not list keeps its share). */
export function withExact(candidates: readonly Candidate[], exact: TokenDistribution): Candidate[] {
  const known = new Map<number, number>(exact.top.map((c) => [c.id, c.p]));
  known.set(exact.token.id, exact.token.p);
  return candidates.map((c) => ({ ...c, p: known.get(c.id) ?? c.p }));
}

const count = (n: number): string => n.toLocaleString('en-US');

/** "ranked 3rd of the 49,152 tokens". */
export function exactRank(exact: TokenDistribution): string {
  return `ranked ${ordinal(exact.token.rank).replace(/^\d+/, (n) => count(Number(n)))} of the ${count(exact.vocabularySize)} tokens`;
}

/** "The 10 listed hold 88.2% of the probability; the other 49,142 tokens share 11.8%." */
export function listedMassText(exact: TokenDistribution): string {
  const listed = exact.top.length;
  const rest = Math.max(0, exact.vocabularySize - listed);
  return `The ${listed} listed hold ${formatPercent(exact.listedMass)} of the probability; the other ${count(rest)} tokens share ${formatPercent(Math.max(0, 1 - exact.listedMass))}.`;
}

/** "Half the probability is on the top 2 tokens, 90% on the top 37." */
export function spreadText(exact: TokenDistribution): string {
  const half = exact.tokensForHalf === 1 ? 'the top token' : `the top ${count(exact.tokensForHalf)} tokens`;
  const ninety = exact.tokensForNinetyPercent === 1 ? 'the top one' : `the top ${count(exact.tokensForNinetyPercent)}`;
  return `Half the probability is on ${half}, 90% on ${ninety}.`;
}

/** The largest entropy the vocabulary allows: every token equally likely. */
export function vocabularyEntropyBits(exact: TokenDistribution): number {
  return Math.log2(exact.vocabularySize);
}
