import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuery, searchTerms, snippet } from '../../../electron/store/search-terms';
import { openStore } from '../../../electron/store/sqlite-store';
import type { Store } from '../../../electron/store/store';

/**
 * "Any text stored can be found by any of its words" (see search-terms.ts for what a word is):
 * texts are built from words of many scripts joined by separators, then every word, and every
 * run of consecutive words, must find the message.
 */

let store: Store;
beforeAll(() => {
  store = openStore(':memory:');
});
afterAll(() => store.close());

const chars = (set: string) => fc.constantFrom(...Array.from(set));
const word = (set: string, max = 10) => fc.array(chars(set), { minLength: 1, maxLength: max }).map((a) => a.join(''));

const latin = word('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_');
const accented = word('àáâäãåçèéêëìíîïñòóôöõøùúûüýÿœæÀÉÎÕÜŁłŠšŽžĆćĐđőűŰabcdeXYZ');
/** The same letters written decomposed (e + combining acute): found by the composed form and back. */
const decomposed = accented.map((w) => w.normalize('NFD'));
const cyrillic = word('абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ');
const greek = word('αβγδεζηθικλμνξοπρστυφχψωάέήίόύώΑΒΓΔΣΩ');
const arabic = word('ابتثجحخدذرزسشصضطظعغفقكلمنهوي');
const hebrew = word('אבגדהוזחטיכלמנסעפצקרשת');
const devanagari = fc.constantFrom('नमस्ते', 'हिन्दी', 'भारत', 'किताब', 'पानी');
/** In scripts without spaces every character is a word, so a run is a phrase: any run must be found. */
const cjk = word('我喜欢猫狗吃饭中文字漢語日本語東京ひらがなカタカナのはをコーヒー한국어학교에서사랑ภาษาไทย', 6);
const emoji = fc.constantFrom(
  '🙂',
  '👍',
  '👍🏽',
  '❤️',
  '❤',
  '👨‍👩‍👧',
  '🏳️‍🌈',
  '🇫🇷',
  '🇯🇵',
  '1️⃣',
  '🤖🤖',
  '🏴󠁧󠁢󠁳󠁣󠁴󠁿',
  '©',
  '™',
  '☃',
);
const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
const code = fc.oneof(
  fc.tuple(identifier, identifier, identifier).map(([a, b, c]) => `${a}(${b})->${c}`),
  fc.tuple(identifier, identifier).map(([a, b]) => `${a}.${b}[0]`),
  fc.tuple(identifier, fc.nat(999)).map(([a, n]) => `${a}+=${n};`),
  fc.constantFrom('foo_bar(x)->baz', '#include<stdio.h>', 'fn<T>()', '&&', '||', '->', '=>', '::', '!==', '${x}', '"quoted"', "it's", 'a*b', '-x'),
);
/** Words that mean something to FTS5's query syntax. */
const ftsKeywords = fc.constantFrom('AND', 'OR', 'NOT', 'NEAR', 'near', 'NEAR(', '"', '*', '^', 'col:', '(', ')', '+', '-');

const anyWord = fc.oneof(latin, accented, decomposed, cyrillic, greek, arabic, hebrew, devanagari, cjk, emoji, code, ftsKeywords);
/** Whitespace or punctuation between words, so two words never merge into one. */
const separator = fc.constantFrom(' ', '  ', '\n', '\t', ', ', '. ', ' — ', ' / ', '\u3000', '、', '。', ' | ');

const text = fc
  .tuple(fc.array(anyWord, { minLength: 1, maxLength: 12 }), fc.array(separator, { minLength: 12, maxLength: 12 }))
  .map(([words, seps]) => ({ words, seps, text: words.map((w, i) => (i === 0 ? w : `${seps[i - 1] ?? ' '}${w}`)).join('') }));

function store1(content: string, title = 'untitled'): { conversationId: string; messageId: string } {
  const c = store.createConversation(title);
  const m = store.appendMessage({ conversationId: c.id, parentId: null, role: 'user', content, status: 'complete' });
  return { conversationId: c.id, messageId: m.id };
}

function finds(query: string, messageId: string): boolean {
  return store.search(query, 1000).some((hit) => hit.messageId === messageId);
}

describe('any text stored can be found by any of its words', () => {
  it('each word, of any script', () => {
    fc.assert(
      fc.property(text, fc.nat(), ({ words, text: content }, pick) => {
        const { messageId } = store1(content);
        const target = words[pick % words.length] ?? '';
        if (searchTerms(target).length === 0) return; // a word of invisible characters only
        expect(finds(target, messageId), `${JSON.stringify(target)} in ${JSON.stringify(content)}`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('each run of consecutive words, as written', () => {
    fc.assert(
      fc.property(text, fc.nat(), fc.nat(), ({ words, seps, text: content }, a, b) => {
        const { messageId } = store1(content);
        const from = a % words.length;
        const to = from + (b % (words.length - from));
        const run = words.slice(from, to + 1).map((w, i) => (i === 0 ? w : `${seps[from + i - 1] ?? ' '}${w}`)).join('');
        if (searchTerms(run).length === 0) return;
        expect(finds(run, messageId), `${JSON.stringify(run)} in ${JSON.stringify(content)}`).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('ignoring case and diacritics', () => {
    fc.assert(
      fc.property(fc.oneof(latin, accented, decomposed, cyrillic, greek), (w) => {
        const { messageId } = store1(`before ${w} after`);
        const plain = w.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
        for (const variant of [w.toUpperCase(), w.toLowerCase(), w.normalize('NFC'), w.normalize('NFD'), plain]) {
          expect(finds(variant, messageId), `${JSON.stringify(variant)} for ${JSON.stringify(w)}`).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('in titles too', () => {
    fc.assert(
      fc.property(text, fc.nat(), ({ words, text: title }, pick) => {
        const { conversationId } = store1('body', title);
        const target = words[pick % words.length] ?? '';
        if (searchTerms(target).length === 0) return;
        const hits = store.search(target, 1000);
        expect(hits.some((h) => h.conversationId === conversationId && h.messageId === null)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('examples', () => {
  it('finds code fragments, CJK words inside sentences, emoji parts', () => {
    const { messageId } = store1('Call foo_bar(x)->baz() then 我喜欢猫. Family: 👨‍👩‍👧, thumbs 👍🏽, 학교에서 공부해요, naïve café');
    for (const query of ['foo_bar(x)->baz', '->', 'baz()', '(x)', '喜欢', '猫', '👩', '👍', '👨‍👩‍👧', '학교', 'NAIVE', 'cafe', 'x']) {
      expect(finds(query, messageId), query).toBe(true);
    }
    for (const query of ['foo', 'caf', '狗', 'bar(y)']) expect(finds(query, messageId), query).toBe(false);
  });

  it('needs every piece of a query (AND), each piece as a phrase', () => {
    const { messageId } = store1('the quick brown fox');
    expect(finds('fox quick', messageId)).toBe(true);
    expect(finds('quick fox', messageId)).toBe(true);
    expect(finds('fox cat', messageId)).toBe(false);
  });

  it('ranks a message with the word more often first', () => {
    const once = store1('rankword appears once among many other words here').messageId;
    const thrice = store1('rankword rankword rankword').messageId;
    expect(store.search('rankword', 10).map((h) => h.messageId)).toEqual([thrice, once]);
  });

  it('respects the limit and returns nothing for a query without words', () => {
    for (let i = 0; i < 5; i++) store1(`limitword ${i}`);
    expect(store.search('limitword', 3)).toHaveLength(3);
    expect(store.search('   ', 10)).toEqual([]);
    expect(store.search('\u200d\ufe0f', 10)).toEqual([]);
    expect(store.search('limitword', 0)).toEqual([]);
  });

  it('indexes an answer when it stops streaming, and its final text only', () => {
    const c = store.createConversation();
    const m = store.appendMessage({ conversationId: c.id, parentId: null, role: 'assistant', content: '', status: 'streaming' });
    store.saveProgress(m.id, 'partialword so far', []);
    expect(finds('partialword', m.id)).toBe(false);
    store.finishMessage(m.id, { content: 'finalword', tokens: null, status: 'stopped', stats: null, error: null });
    expect(finds('finalword', m.id)).toBe(true);
    expect(finds('partialword', m.id)).toBe(false);
    expect(store.search('finalword', 10)[0]).toMatchObject({ conversationId: c.id, messageId: m.id, role: 'assistant' });
  });

  it('follows renames', () => {
    const { conversationId } = store1('x', 'oldtitleword');
    store.renameConversation(conversationId, 'newtitleword');
    expect(store.search('oldtitleword', 10)).toEqual([]);
    expect(store.search('newtitleword', 10).map((h) => h.conversationId)).toEqual([conversationId]);
  });
});

describe('queries never break', () => {
  it('any string is a valid query', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.array(fc.oneof(ftsKeywords, anyWord, separator)).map((a) => a.join(''))), (q) => {
        expect(Array.isArray(store.search(q, 5))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('quotes every phrase', () => {
    expect(parseQuery('say "hi" OR NEAR(x)')?.match).toBe('"say" AND """ hi """ AND "or" AND "near ( x )"');
    expect(parseQuery(' \n ')).toBeNull();
  });
});

describe('terms', () => {
  it('splits code, scripts without spaces and emoji into words', () => {
    expect(searchTerms('foo_bar(x)->baz')).toEqual(['foo_bar', '(', 'x', ')', '-', '>', 'baz']);
    expect(searchTerms('我喜欢猫')).toEqual(['我', '喜', '欢', '猫']);
    expect(searchTerms('👨‍👩‍👧 👍🏽 ❤️ 🇫🇷')).toEqual(['👨', '👩', '👧', '👍', '🏽', '❤', '🇫', '🇷']);
    expect(searchTerms('Ｆｕｌｌ ﬁne … ①')).toEqual(['full', 'fine', '.', '.', '.', '1']);
    expect(searchTerms('Ёлка NAÏVE co\u00adoperate')).toEqual(['елка', 'naive', 'cooperate']);
  });

  it('gives ASCII text (fast path) the same terms as the general rules', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) }), (s) => {
        // A non-ASCII word after a space sends the whole text down the general path.
        expect(searchTerms(`${s} é`)).toEqual([...searchTerms(s), 'e']);
      }),
    );
  });
});

describe('snippets', () => {
  it('are segments of the original text with the matching words marked, no HTML', () => {
    const text = `${'lorem ipsum '.repeat(30)}the <b>Naïve</b> approach: foo_bar(x)->baz works\n\nfine ${'dolor '.repeat(40)}`;
    const query = parseQuery('naive foo_bar(x)->baz');
    expect(query).not.toBeNull();
    const segments = snippet(text, query?.phrases ?? []);
    expect(segments[0]?.text.startsWith('…')).toBe(true);
    expect(segments[segments.length - 1]?.text.endsWith('…')).toBe(true);
    const matched = segments.filter((s) => s.match).map((s) => s.text);
    expect(matched).toEqual(['Naïve', 'foo_bar', '(', 'x', ')', '-', '>', 'baz']);
    const joined = segments.map((s) => s.text).join('');
    expect(joined).toContain('the <b>Naïve</b> approach: foo_bar(x)->baz works fine');
    expect(joined.length).toBeLessThan(260);
  });

  it('come back from search for messages and titles', () => {
    const { conversationId, messageId } = store1('Bonjour, je m’appelle Snippetword.', 'Titre avec Snippetword');
    const hits = store.search('snippetword', 10).filter((h) => h.conversationId === conversationId);
    expect(hits.map((h) => h.messageId).sort()).toEqual([messageId, null].sort());
    for (const hit of hits) expect(hit.snippet.filter((s) => s.match).map((s) => s.text)).toEqual(['Snippetword']);
    expect(hits.find((h) => h.messageId === null)?.snippet.map((s) => s.text).join('')).toBe('Titre avec Snippetword');
  });
});
