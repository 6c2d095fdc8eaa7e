import type Database from 'better-sqlite3';

/**
 * What search calls a "word", and how text becomes the terms in the full-text index.
 *
 * SQLite's own tokenizers each miss part of the requirement ("any text stored can be found by any
 * of its words, including non-Latin scripts, emoji and code"): unicode61 treats a whole line of
 * Chinese as one token and emoji and operators as separators; trigram cannot find anything shorter
 * than three characters (一 word of Chinese is often one or two). So words are defined here, in one
 * function used both to index and to query, and FTS5 only stores the result:
 *
 *  1. A run of letters, digits, combining marks and connector punctuation (`_`) is one word:
 *     `foo_bar`, `naïve`, `привет`, `x2`. Format characters (soft hyphen, zero-width joiners) inside
 *     a run are ignored.
 *  2. In scripts written without spaces (Han, Hiragana, Katakana, Hangul, Thai, Lao, Khmer, Myanmar,
 *     Tibetan, Bopomofo, Yi) every character is a word, so `喜欢` is the phrase `喜 欢` and matches
 *     inside `我喜欢猫`. (Hangul is written with spaces, but particles stick to nouns: `학교` must be
 *     found in `학교에서`.)
 *  3. Every emoji is a word: each pictograph, skin-tone modifier and regional-indicator letter
 *     (a flag is two); zero-width joiners and variation selectors are dropped, so 👨‍👩‍👧 is the
 *     phrase 👨 👩 👧, and 👍 finds 👍🏽.
 *  4. Every other punctuation or symbol character is a word on its own: `foo_bar(x)->baz` is the
 *     phrase `foo_bar ( x ) - > baz`, so any fragment of code is found, and `->` finds `)->`.
 *
 * A query is split at whitespace; each piece is turned into terms the same way and must match as a
 * phrase (adjacent terms, in order); all pieces must match. Matching ignores case, diacritics
 * (é = e, ё = е), compatibility forms (ｆｕｌｌ = full, ﬁ = fi, … = ...) and emoji variation
 * selectors. Words are whole: `cat` does not find `catalog` (no prefix or substring search).
 *
 * Index and query use this same code, so a word stored is always found by itself whatever its
 * script. The index is only as stable as this function: a change to it needs a migration that
 * rebuilds the index (see migration 002's back-fill).
 */

const NO_SPACE_SCRIPTS = [
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Thai',
  'Lao',
  'Khmer',
  'Myanmar',
  'Tibetan',
  'Bopomofo',
  'Yi',
]
  .map((script) => `\\p{Script=${script}}`)
  .join('');

/** One token of the original text; alternatives are tried in order at each position. */
const TOKEN = new RegExp(
  [
    `[${NO_SPACE_SCRIPTS}][\\p{M}\\p{Cf}]*`,
    '\\p{Regional_Indicator}',
    '\\p{Extended_Pictographic}[\\p{M}\\p{Cf}]*',
    '\\p{Emoji_Modifier}',
    `(?:(?![${NO_SPACE_SCRIPTS}])[\\p{L}\\p{N}\\p{M}\\p{Pc}\\p{Cf}])+`,
    '[\\p{P}\\p{S}\\p{Co}\\p{Cn}][\\p{M}\\p{Cf}]*',
  ].join('|'),
  'gu',
);

/** Marks folded away: the combining diacritics blocks (not the vowel signs of Indic scripts). */
const DIACRITICS = /[\u0300-\u036f]|[\u1ab0-\u1aff]|[\u1dc0-\u1dff]|[\u20d0-\u20ff]|[\ufe20-\ufe2f]/gu;
/** Variation selectors and format characters (joiners, soft hyphen, directional marks). */
const INVISIBLE = /[\p{Variation_Selector}\p{Cf}]/gu;

// eslint-disable-next-line no-control-regex -- the range starts at NUL on purpose: all of ASCII
const ASCII = /^[\x00-\x7f]*$/;
/** The same rules as TOKEN, restricted to ASCII, on lower-cased text: the fast path. */
const ASCII_TERM = /[a-z0-9_]+|[!-/:-@[-^`{-~]/g;

function fold(token: string): string {
  return token.normalize('NFKD').toLowerCase().normalize('NFKD').replace(DIACRITICS, '').replace(INVISIBLE, '').normalize('NFC');
}

/** A token of the original text with where it is and the index terms it stands for (often one, can be none). */
export interface TextToken {
  start: number;
  end: number;
  terms: string[];
}

function termsOfToken(token: string): string[] {
  if (ASCII.test(token)) return [token.toLowerCase()];
  const folded = fold(token);
  // Folding can change what the token is made of (… becomes ..., ① becomes 1, ¨ becomes a space),
  // so the folded text is split again by the same rules.
  return folded.match(TOKEN) ?? [];
}

/** Tokens of `text` with their offsets, for marking matches in a snippet. */
export function tokenize(text: string): TextToken[] {
  const tokens: TextToken[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const start = match.index;
    tokens.push({ start, end: start + match[0].length, terms: termsOfToken(match[0]) });
  }
  return tokens;
}

/** The index terms of `text`, in order. */
export function searchTerms(text: string): string[] {
  if (ASCII.test(text)) return text.toLowerCase().match(ASCII_TERM) ?? [];
  const terms: string[] = [];
  for (const match of text.matchAll(TOKEN)) for (const term of termsOfToken(match[0])) terms.push(term);
  return terms;
}

/** What the FTS5 column holds: the terms separated by spaces (the FTS tokenizer splits only there). */
export function searchDocument(text: string): string {
  return searchTerms(text).join(' ');
}

/**
 * The FTS5 tokenizer of the search tables. Terms never contain whitespace or control characters, and
 * every other category is a token character, so FTS5 splits exactly where searchDocument put spaces.
 * It folds case again (harmless); diacritics were already removed.
 */
export const FTS_TOKENIZE = "unicode61 remove_diacritics 0 categories 'L* N* M* P* S* Co Cn'";

/** The SQL function the search triggers call. Every connection that writes messages or titles needs it. */
export const SEARCH_FUNCTION = 'glassbox_search_terms';

export function registerSearchFunction(db: Database.Database): void {
  db.function(SEARCH_FUNCTION, { deterministic: true }, (text: unknown) =>
    typeof text === 'string' ? searchDocument(text) : '',
  );
}

export interface SearchQuery {
  /** An FTS5 MATCH expression made only of quoted phrases: user input can never be a syntax error. */
  match: string;
  /** Each phrase's terms, to mark matches in snippets. */
  phrases: string[][];
}

/** Turns what the user typed into an FTS5 query; null when it holds no word at all. */
export function parseQuery(query: string): SearchQuery | null {
  const seen = new Set<string>();
  const phrases: string[][] = [];
  for (const piece of query.split(/\s+/u)) {
    const terms = searchTerms(piece);
    const key = terms.join(' ');
    if (terms.length === 0 || seen.has(key)) continue;
    seen.add(key);
    phrases.push(terms);
  }
  if (phrases.length === 0) return null;
  const match = phrases.map((terms) => `"${terms.join(' ').replaceAll('"', '""')}"`).join(' AND ');
  return { match, phrases };
}

export interface SnippetSegment {
  text: string;
  match: boolean;
}

/**
 * A short excerpt of `text` around the first match, as segments (no HTML): the words matching a
 * phrase have match = true. Whitespace runs become single spaces. `maxChars` is a target, not a cap:
 * a long match is never cut.
 */
export function snippet(text: string, phrases: readonly string[][], maxChars = 180): SnippetSegment[] {
  const tokens = tokenize(text);
  const flat: Array<{ term: string; token: number }> = [];
  tokens.forEach((token, index) => {
    for (const term of token.terms) flat.push({ term, token: index });
  });
  const marked = new Set<number>();
  for (const phrase of phrases) {
    if (phrase.length === 0) continue;
    for (let i = 0; i + phrase.length <= flat.length; i++) {
      let all = true;
      for (let k = 0; k < phrase.length; k++) {
        if (flat[i + k]?.term !== phrase[k]) {
          all = false;
          break;
        }
      }
      if (!all) continue;
      for (let k = 0; k < phrase.length; k++) {
        const owner = flat[i + k]?.token;
        if (owner !== undefined) marked.add(owner);
      }
    }
  }

  const first = [...marked].sort((a, b) => a - b)[0];
  let from = 0;
  if (first !== undefined) {
    const anchor = tokens[first];
    const lead = Math.floor(maxChars / 3);
    if (anchor !== undefined && anchor.start > lead) {
      // Start at a token boundary about `lead` characters before the match.
      const target = anchor.start - lead;
      from = tokens.find((t) => t.start >= target)?.start ?? anchor.start;
    }
  }
  const firstEnd = first === undefined ? 0 : (tokens[first]?.end ?? 0);
  let to = Math.max(from + maxChars, firstEnd);
  if (to < text.length) {
    // End at a token boundary.
    const inside = tokens.filter((t) => t.end <= to && t.start >= from);
    to = Math.max(inside[inside.length - 1]?.end ?? to, firstEnd);
  } else to = text.length;

  const segments: SnippetSegment[] = [];
  const push = (part: string, match: boolean): void => {
    if (part === '') return;
    const last = segments[segments.length - 1];
    if (last !== undefined && last.match === match) last.text += part;
    else segments.push({ text: part, match });
  };
  if (from > 0) push('…', false);
  let cursor = from;
  tokens.forEach((token, index) => {
    if (!marked.has(index) || token.start < from || token.end > to) return;
    push(text.slice(cursor, token.start), false);
    // Two matched tokens next to each other stay separate segments (each is a word).
    segments.push({ text: text.slice(token.start, token.end), match: true });
    cursor = token.end;
  });
  push(text.slice(cursor, to), false);
  if (to < text.length) push('…', false);
  for (const segment of segments) if (!segment.match) segment.text = segment.text.replace(/\s+/gu, ' ');
  return segments;
}
