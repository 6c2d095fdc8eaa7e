import { searchTerms } from '../store/search-terms';

/**
 * The words of document passages and of questions, for the BM25 index. Words are search-terms.ts's
 * (any script, code fragments), with two additions that questions need and conversation search
 * does not (there a user types words they remember; here they ask in their own words):
 *
 * - A light English suffix stemmer on ASCII words of 4+ letters (grows/grow, expired/expires,
 *   retries/retry): -ies → -y, then one of -ing, -ed, -es, -s (not -ss). Deliberately weak: it
 *   never merges words that differ before the suffix.
 * - An identifier joined with `_` is also indexed by its parts (`connect_timeout_seconds` is found
 *   by "connect timeout").
 *
 * The same function makes the index and the query, so they always agree. Changing it means
 * re-indexing (a migration that rebuilds document_chunk_search).
 */
export function stem(term: string): string {
  if (term.length < 4 || !/^[a-z]+$/.test(term)) return term;
  if (term.endsWith('ies') && term.length > 4) return `${term.slice(0, -3)}y`;
  if (term.endsWith('ing') && term.length > 5) return term.slice(0, -3);
  if (term.endsWith('ed') && term.length > 4) return term.slice(0, -2);
  if (term.endsWith('es') && term.length > 4 && /(?:ss|x|ch|sh|zz)es$/.test(term)) return term.slice(0, -2);
  if (term.endsWith('s') && !term.endsWith('ss') && !term.endsWith('us') && !term.endsWith('is')) return term.slice(0, -1);
  return term;
}

export function documentTerms(text: string): string[] {
  const out: string[] = [];
  for (const term of searchTerms(text)) {
    out.push(stem(term));
    if (term.includes('_')) {
      for (const part of term.split('_')) if (part.length > 0) out.push(stem(part));
    }
  }
  return out;
}
