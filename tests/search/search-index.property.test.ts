import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldText } from '../../src/search/query.ts';
import { MAX_INDEXED_CHARS_PER_FIELD, MAX_TERMS_PER_ARTICLE, createSearchIndex, tokenize } from '../../src/search/search-index.ts';
import { makeArticle } from '../support/article-factory.ts';

/** The definition of a word the index has always used: runs of letters and digits of the folded text. */
function referenceTokens(text: string): string[] {
  // eslint-disable-next-line no-control-regex
  const folded = /[^\u0000-\u007f]/.test(text) ? foldText(text) : text.toLowerCase();
  return folded.split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0);
}

/**
 * Characters where a one-pass tokenizer could part from folding then splitting: separators folding
 * keeps (curly quotes, dashes, the euro), letters it changes (É, ß, İ, final sigma, ligatures, the
 * Kelvin sign), combining accents it drops, a Greek question mark NFD turns into `;`, spaces, digits
 * of other scripts, CJK, an emoji and a lone surrogate.
 */
const tricky = [...'aZ9 _-.,\'’“”—…€·éÉßẞİıΣσςﬁ½²٣中文ÅKǅŉ;\u2000\u00a0\u200b\u0301\u0300\u0345\u20dd'].concat(['😀', '\ud800', '\udc00', 'e\u0301', 'Σ ']);
const trickyText = fc.string({ unit: fc.constantFrom(...tricky), maxLength: 60 });
const mostlyAscii = fc.string({ unit: fc.oneof({ arbitrary: fc.constantFrom(...'abcXYZ019 ,.-'), weight: 8 }, { arbitrary: fc.constantFrom(...tricky), weight: 1 }), maxLength: 80 });
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 80 }), trickyText, mostlyAscii);

describe('tokenize — the words of a text', () => {
  it('GIVEN any text (ASCII, Unicode letters and digits, marks, surrogates) THEN it gives the words folding then splitting gives', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(tokenize(text)).toEqual(referenceTokens(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('GIVEN curly quotes, dashes and accents THEN it folds case and diacritics and splits on punctuation', () => {
    expect(tokenize('Musk’s “Zürich” deal — ÉTF½')).toEqual(['musk', 's', 'zurich', 'deal', 'etf½']);
    expect(tokenize('C++ (beta) 2026')).toEqual(['c', 'beta', '2026']);
  });
});

describe('search index — the words an article adds', () => {
  it('GIVEN any article text THEN exactly its words are indexed, each findable', () => {
    fc.assert(
      fc.property(anyText, mostlyAscii, (summary, title) => {
        const index = createSearchIndex({ typos: false });
        index.add(makeArticle({ id: 'a', title, summary, topics: [], source: null, impact: [] }));
        const words = new Set([...referenceTokens(title), ...referenceTokens(summary)]);
        expect(index.terms).toBe(words.size);
        for (const w of words) expect(index.search(w).total).toBe(1);
      }),
      { numRuns: 500 },
    );
  });

  it('GIVEN a field cut at the character bound inside a word or a surrogate pair THEN the words of its start are indexed, as before', () => {
    for (const tail of ['x’y', 'é', '😀', 'ab']) {
      const summary = `${'a '.repeat((MAX_INDEXED_CHARS_PER_FIELD - 2) / 2)}q${tail}zzz`;
      const index = createSearchIndex({ typos: false });
      index.add(makeArticle({ id: 'a', title: 'T', summary, topics: [], source: null, impact: [] }));
      const words = new Set([...referenceTokens('T'), ...referenceTokens(summary.slice(0, MAX_INDEXED_CHARS_PER_FIELD))]);
      expect(index.terms).toBe(words.size);
      expect(index.search('zzz').total).toBe(0);
    }
  });

  it('GIVEN words past the bound that the article already used THEN they still count, new ones do not', () => {
    const words = Array.from({ length: MAX_TERMS_PER_ARTICLE + 50 }, (_, i) => `w${i.toString(36)}q`);
    // The first word again after the bound: it was kept, so its repeat still weighs.
    const heavy = makeArticle({ id: 'heavy', title: 'Heavy', summary: `${words.join(' ')} ${`${words[0]} `.repeat(5)}`, topics: [], source: null, impact: [] });
    const light = makeArticle({ id: 'light', title: 'Light', summary: words[0]!, topics: [], source: null, impact: [] });
    const index = createSearchIndex({ typos: false });
    index.add(heavy);
    index.add(light);
    expect(index.search(words[0]!).hits.map((h) => h.id)).toEqual(['heavy', 'light']);
    expect(index.search(words.at(-1)!).total).toBe(0);
  });
});
