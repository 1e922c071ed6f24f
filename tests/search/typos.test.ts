import { describe, expect, it } from 'vitest';
import { ArticleStore } from '../../src/content/store.ts';
import { createSearchIndex } from '../../src/search/search-index.ts';
import { createTypoLookup, editDistance, isTypoWord, typoBudget } from '../../src/search/typos.ts';
import { makeArticle } from '../support/article-factory.ts';

function storeOf(...articles: ReturnType<typeof makeArticle>[]) {
  const s = new ArticleStore();
  for (const a of articles) s.set(a.file, a);
  return s;
}

const ARCHIVE = () =>
  storeOf(
    makeArticle({ id: 'eth', title: 'Ethereum upgrade ships', publishedAt: new Date('2026-11-21T10:00:00Z') }),
    makeArticle({ id: 'musk', title: 'Musk buys more coins', publishedAt: new Date('2026-11-21T09:00:00Z') }),
    makeArticle({ id: 'btc', title: 'Bitcoin climbs again', publishedAt: new Date('2026-11-21T08:00:00Z') }),
    makeArticle({ id: 'must', title: 'Traders must wait', publishedAt: new Date('2026-11-21T07:00:00Z') }),
  );

describe('the typo rule', () => {
  it('GIVEN word lengths THEN 3 letters get no edit, 4–7 letters one, 8 or more two', () => {
    expect([3, 4, 7, 8, 20].map(typoBudget)).toEqual([0, 1, 1, 2, 2]);
  });

  it('GIVEN digits THEN the word is never corrected (2025 must not find 2026)', () => {
    expect(isTypoWord('2025')).toBe(false);
    expect(isTypoWord('bitcoin2')).toBe(false);
    expect(isTypoWord('ethereum')).toBe(true);
  });

  it('counts a swap of two neighbours, a missing, an extra and a wrong letter as one edit each', () => {
    expect(editDistance('muks', 'musk', 2)).toBe(1);
    expect(editDistance('bitcon', 'bitcoin', 2)).toBe(1);
    expect(editDistance('bitcoiin', 'bitcoin', 2)).toBe(1);
    expect(editDistance('etherium', 'ethereum', 2)).toBe(1);
    expect(editDistance('cyrptocurency', 'cryptocurrency', 2)).toBe(2);
    expect(editDistance('kitten', 'sitting', 1)).toBe(2); // stops once over the bound
  });
});

describe('the typo lookup', () => {
  it('GIVEN words within and beyond the budget THEN only those within are candidates, with their edits', () => {
    const terms = ['musk', 'must', 'mask', 'husky', 'museum', 'mu', 'm2sk', 'ethereum', 'ether', 'cryptocurrency'];
    const lookup = createTypoLookup(terms);
    expect(lookup.candidates('muks', 1).map((c) => terms[c.term])).toEqual(['musk']);
    expect(lookup.candidates('musk', 1).map((c) => [terms[c.term], c.edits])).toEqual([
      ['must', 1],
      ['mask', 1],
    ]);
    expect(lookup.candidates('etherium', 2).map((c) => terms[c.term])).toEqual(['ethereum']);
    expect(lookup.candidates('cyrptocurency', 2).map((c) => terms[c.term])).toEqual(['cryptocurrency']);
  });

  it('GIVEN words added after the first lookup THEN later lookups find them too', () => {
    const terms = ['musk'];
    const lookup = createTypoLookup(terms);
    expect(lookup.bytes).toBe(0);
    expect(lookup.candidates('bitcon', 1)).toEqual([]);
    terms.push('bitcoin');
    expect(lookup.candidates('bitcon', 1).map((c) => terms[c.term])).toEqual(['bitcoin']);
    expect(lookup.bytes).toBeGreaterThan(0);
  });

  it('GIVEN the bigram filter THEN it never drops a word the exact distance accepts (random words)', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const letters = 'abcde';
    const word = (n: number) => Array.from({ length: n }, () => letters[Math.floor(rand() * letters.length)]).join('');
    const terms = [...new Set(Array.from({ length: 3000 }, () => word(4 + Math.floor(rand() * 6))))];
    const lookup = createTypoLookup(terms);
    for (let q = 0; q < 60; q++) {
      const query = word(4 + Math.floor(rand() * 6));
      const k = typoBudget(query.length);
      const expected = terms.flatMap((t, i) => (t !== query && editDistance(query, t, k) <= k ? [i] : []));
      expect(lookup.candidates(query, k).map((c) => c.term)).toEqual(expected);
    }
  });
});

describe('search that forgives typos', () => {
  it('GIVEN etherium, muks and bitcon THEN they find Ethereum, Musk and Bitcoin stories, and say which spelling matched', () => {
    const s = ARCHIVE();
    for (const [typed, id, word] of [
      ['etherium', 'eth', 'ethereum'],
      ['muks', 'musk', 'musk'],
      ['bitcon', 'btc', 'bitcoin'],
      ['Etherium', 'eth', 'ethereum'],
    ] as const) {
      const r = s.search(typed);
      expect(r.articles.map((a) => a.id)).toEqual([id]);
      expect(r.corrections).toEqual([{ word: typed.toLowerCase(), matches: [word] }]);
    }
  });

  it('GIVEN a word the archive holds THEN no close spelling is added (musk does not find must)', () => {
    const r = ARCHIVE().search('musk');
    expect(r.articles.map((a) => a.id)).toEqual(['musk']);
    expect(r.corrections).toEqual([]);
  });

  it('GIVEN one article that misspells a word 50 times rarer than its close spelling THEN it comes first, then the close spelling', () => {
    const s = new ArticleStore();
    const day = (n: number) => new Date(Date.UTC(2026, 10, 1 + (n % 20), n % 24));
    for (let n = 0; n < 60; n++) s.set(`e${n}.md`, makeArticle({ id: `e${n}`, file: `e${n}.md`, title: `Ethereum story number ${n}`, publishedAt: day(n) }));
    s.set('typo.md', makeArticle({ id: 'typo', file: 'typo.md', title: 'Etherium misspelt in a headline', publishedAt: new Date('2026-10-01T00:00:00Z') }));
    for (let n = 0; n < 2; n++) s.set(`m${n}.md`, makeArticle({ id: `m${n}`, file: `m${n}.md`, title: `Traders must wait ${n}`, publishedAt: day(n) }));
    const r = s.search('etherium', { limit: 3 });
    expect(r.total).toBe(61);
    expect(r.articles[0]!.id).toBe('typo');
    expect(r.corrections).toEqual([{ word: 'etherium', matches: ['ethereum'] }]);
    // "must" is in 2 articles, "musk"-like words nowhere near 50 times more: taken as typed.
    expect(s.search('must').total).toBe(2);
  });

  it('GIVEN a typo next to an exact word THEN articles with both rank first, typo-only matches are not required', () => {
    const s = storeOf(
      makeArticle({ id: 'both', title: 'Musk backs Ethereum', publishedAt: new Date('2026-11-20T00:00:00Z') }),
      makeArticle({ id: 'eth', title: 'Ethereum fees fall', publishedAt: new Date('2026-11-21T00:00:00Z') }),
    );
    expect(s.search('musk etherium').articles.map((a) => a.id)).toEqual(['both']);
  });

  it('GIVEN an exact match and a typo match of equal standing THEN the exact match ranks first', () => {
    const s = storeOf(
      makeArticle({ id: 'prefix', title: 'Bitconnect returns', publishedAt: new Date('2026-11-20T00:00:00Z') }),
      makeArticle({ id: 'typo', title: 'Bitcoin returns', publishedAt: new Date('2026-11-21T00:00:00Z') }),
    );
    // "bitcon" completes to bitconnect (a prefix) and is one edit from bitcoin: the prefix match ranks higher.
    expect(s.search('bitcon').articles.map((a) => a.id)).toEqual(['prefix', 'typo']);
  });

  it('GIVEN short words or numbers THEN no typo tolerance applies', () => {
    const s = storeOf(makeArticle({ id: 'y', title: 'Results for 2026 and the ETH gas' }));
    expect(s.search('2025').total).toBe(0);
    expect(s.search('thx').total).toBe(0);
  });

  it('GIVEN nothing matches THEN the closest archive words are suggested, and none for words the archive holds', () => {
    const s = ARCHIVE();
    // Two edits from "ethereum" is beyond a 7-letter word's budget, so nothing matches: it is suggested instead.
    const r = s.search('eteruem');
    expect(r.total).toBe(0);
    expect(r.suggestions).toEqual(['ethereum']);
    expect(s.search('zzzzqqqq').suggestions).toEqual([]);
    // A filter, not a typo, empties this one: nothing to suggest.
    expect(s.search('musk', { sentiment: 'negative', topic: 'Nothing' }).suggestions).toEqual([]);
  });

  it('GIVEN a removed article THEN its words are no longer suggested', () => {
    const s = ARCHIVE();
    s.delete('eth.md');
    expect(s.search('eteruem').suggestions).toEqual([]);
  });

  it('GIVEN the title index made without typos THEN it matches exactly as before', () => {
    const index = createSearchIndex({ fields: ['title'], typos: false });
    index.add(makeArticle({ id: 'e', title: 'Ethereum' }));
    expect(index.search('etherium').total).toBe(0);
    expect(index.closestWords('etherium')).toEqual([]);
  });
});
