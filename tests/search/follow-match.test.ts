import { describe, expect, it } from 'vitest';
import { createFollowMatcher, followWords } from '../../src/search/follow-match.ts';

describe('follow matcher', () => {
  it('matches when every word starts a word of the title, topics or source, folding case and accents', () => {
    const m = createFollowMatcher('Bitcoin  ETF');
    const article = (title: string, topics = ['Markets'], source: string | null = 'Wire') => ({ title, topics, source });
    expect(m(article('Spot bitcoin ETFs see inflows'))).toBe(true);
    expect(m(article('ETF inflows', ['Bitcoin']))).toBe(true);
    expect(m(article('Bitcoin climbs'))).toBe(false);
    expect(createFollowMatcher('müsk')(article('Musk tweets'))).toBe(true);
    expect(createFollowMatcher('wire')(article('Anything'))).toBe(true);
    expect(createFollowMatcher('?!')(article('Anything'))).toBe(false);
  });

  it('reads a query as its distinct folded words', () => {
    expect(followWords('Bitcoin  ETF, bitcoin!')).toEqual(['bitcoin', 'etf']);
  });
});
