import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArticleStore } from '../../src/content/store.ts';
import { createSearchIndex } from '../../src/search/search-index.ts';
import { TYPO_CACHE_SIZE, createTypoLookup, editDistance, isTypoWord, typoBudget } from '../../src/search/typos.ts';
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

  it('GIVEN lookups repeated, more of them than are remembered, and words added between THEN every answer is the one a new lookup gives', () => {
    const words = ['bitcoin', 'bitcoins', 'ethereum', 'etherium', 'solana', 'musk', 'must', 'mask', 'regulation', 'inflation'];
    const terms = words.slice(0, 3);
    const lookup = createTypoLookup(terms);
    const queries = ['bitcon', 'bitcoinns', 'etheriun', 'solanna', 'muks', 'regulaton', 'inflaton'];
    const filler = Array.from({ length: TYPO_CACHE_SIZE + 20 }, (_, i) => `zq${i.toString(26).replace(/\d/g, (d) => 'abcdefghij'[Number(d)]!)}xw`);
    for (const next of words.slice(3)) {
      for (const q of [...queries, ...filler, ...queries]) {
        const fresh = createTypoLookup(terms);
        expect(lookup.candidates(q, typoBudget(q.length))).toEqual(fresh.candidates(q, typoBudget(q.length)));
        expect(lookup.nearest(q, 3, 5)).toEqual(fresh.nearest(q, 3, 5));
      }
      terms.push(next);
    }
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

  it('GIVEN a closer spelling added after a misspelt search THEN the same search finds it next, first', () => {
    const s = storeOf(makeArticle({ id: 'far', file: 'far.md', title: 'Bitcoin climbs', publishedAt: new Date('2026-11-21T10:00:00Z') }));
    const before = s.search('bitcoinns');
    expect(before.articles.map((a) => a.id)).toEqual(['far']);
    expect(before.corrections).toEqual([{ word: 'bitcoinns', matches: ['bitcoin'] }]);
    s.set('near.md', makeArticle({ id: 'near', file: 'near.md', title: 'Bitcoins everywhere', publishedAt: new Date('2026-11-20T10:00:00Z') }));
    const after = s.search('bitcoinns');
    // One edit away now beats two edits away, though the older story.
    expect(after.articles.map((a) => a.id)).toEqual(['near', 'far']);
    expect(after.corrections).toEqual([{ word: 'bitcoinns', matches: ['bitcoins', 'bitcoin'] }]);
  });

  it('GIVEN a word added after a search that suggested nothing THEN the next search suggests it', () => {
    const s = storeOf(makeArticle({ id: 'musk', file: 'musk.md', title: 'Musk buys more coins' }));
    expect(s.search('eteruem').suggestions).toEqual([]);
    s.set('eth.md', makeArticle({ id: 'eth', file: 'eth.md', title: 'Ethereum upgrade ships' }));
    expect(s.search('eteruem').suggestions).toEqual(['ethereum']);
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

/** The optimal-string-alignment distance, every cell computed. */
function referenceDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

describe('editDistance — bounded', () => {
  it('GIVEN any two words and a bound THEN it is the full distance, or one past the bound when farther', () => {
    const word = fc.string({ unit: fc.constantFrom(...'abcde'), maxLength: 12 });
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 4 }), (a, b, max) => {
        expect(editDistance(a, b, max)).toBe(Math.min(referenceDistance(a, b), max + 1));
      }),
      { numRuns: 5000 },
    );
  });
});
