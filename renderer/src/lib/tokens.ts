import type { GeneratedToken } from '../../../electron/contract/token';
import { formatPercent } from './format';

/**
 * What an answer's colouring shows, said once, in the legend (see electron/contract/probability-meaning.ts):
 * the local engine streams top-K shares (exactness on every token costs more than 5% of decode
 * speed: `glassbox bench`); a remote endpoint's logprobs are the whole-vocabulary softmax.
 */
export const PROBABILITY_MEANING = "Probability among the model's top-K candidates at temperature 1, before sampling";
export const REMOTE_PROBABILITY_MEANING = "The endpoint's own probability over its whole vocabulary, before sampling";

/** How many alternatives a token's tooltip lists. */
export const TOOLTIP_ALTERNATIVES = 5;

/** A token's text made visible: quoted, with newlines and tabs escaped (" there", "\n"). */
export function quoteToken(text: string): string {
  return JSON.stringify(text);
}

/**
 * The tooltip and accessible label of a token:
 * `" there" 92.1% — alternatives: " there" 92.1%, " a" 3.0%, …`
 */
export function tokenDescription(token: GeneratedToken, limit = TOOLTIP_ALTERNATIVES): string {
  const head = `${quoteToken(token.text)} ${formatPercent(token.p)}`;
  if (token.top.length === 0) return head;
  const shown = token.top.slice(0, limit).map((alt) => `${quoteToken(alt.text)} ${formatPercent(alt.p)}`);
  const more = token.top.length > limit ? ', …' : '';
  return `${head} — alternatives: ${shown.join(', ')}${more}`;
}

/**
 * A token's text for monospace display with its whitespace made visible: a space as "·", a newline
 * as "↵", a tab as "→"; the empty string as "∅". The text itself is never changed elsewhere.
 */
export function visibleToken(text: string): string {
  if (text.length === 0) return '∅';
  return text.replace(/ /g, '·').replace(/\r?\n/g, '↵').replace(/\t/g, '→');
}

