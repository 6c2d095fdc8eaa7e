const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'to', 'sa', 'vel', 'du', 'ni', 'por', 'es', 'tra', 'gu', 'fin', 'ze', 'ob'];

/**
 * A deterministic vocabulary of made-up words (word i spells i in base-16 syllables), so generated
 * databases and documents look like text to the tokenizers without any corpus on disk.
 */
export function syllableVocabulary(size: number, minLength = 1): string[] {
  const words: string[] = [];
  for (let i = 0; words.length < size; i++) {
    let n = i;
    let word = '';
    do {
      word += SYLLABLES[n % SYLLABLES.length];
      n = Math.floor(n / SYLLABLES.length);
    } while (n > 0);
    if (word.length >= minLength) words.push(word);
  }
  return words;
}
