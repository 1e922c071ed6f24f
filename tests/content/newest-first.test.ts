import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newestFirst, sortNewestFirst } from '../../src/content/newest-first.ts';
import { storedArticle } from '../../src/content/stored-article.ts';
import { makeArticle } from '../support/article-factory.ts';

/** Stored articles at the given times (ms), ids in a shuffled order. */
const articlesAt = (times: number[]) => times.map((t, i) => storedArticle(makeArticle({ id: `a/${(i * 7919) % 1009}-${i}`, publishedAt: new Date(t) })));

describe('sortNewestFirst', () => {
  it('GIVEN articles at any times, many in the same millisecond THEN they come out newest first, the same millisecond in id order, as the comparison sorts them', () => {
    const time = fc.oneof(fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_020 }), fc.integer({ min: -8_000_000_000_000, max: 8_000_000_000_000 }));
    fc.assert(
      fc.property(fc.array(time, { maxLength: 80 }), (times) => {
        const articles = articlesAt(times);
        const expected = [...articles].sort(newestFirst);
        expect(sortNewestFirst([...articles]).map((a) => a.id)).toEqual(expected.map((a) => a.id));
        // Past the keyed sort's limit, the comparison alone gives the same order.
        expect(sortNewestFirst([...articles], 3).map((a) => a.id)).toEqual(expected.map((a) => a.id));
      }),
      { numRuns: 300 },
    );
  });

  it('GIVEN times more than 278 years apart THEN the order is still newest first', () => {
    const articles = articlesAt([Date.UTC(1500, 0, 1), Date.UTC(2026, 10, 27), Date.UTC(1800, 5, 1), Date.UTC(2026, 10, 27)]);
    expect(sortNewestFirst(articles).map((a) => a.publishedAt.getUTCFullYear())).toEqual([2026, 2026, 1800, 1500]);
  });
});
