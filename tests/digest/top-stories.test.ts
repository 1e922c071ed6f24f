import { describe, expect, it } from 'vitest';
import { ArticleStore } from '../../src/content/store.ts';
import { composeDayDigest, composeDigest, DEFAULT_TOP_STORIES, rankTopStories, topStoryCount } from '../../src/digest/compose.ts';
import { makeArticle } from '../support/article-factory.ts';

const from = new Date('2026-11-21T00:00:00Z');
const to = new Date('2026-11-22T00:00:00Z');
const at = (h: number) => new Date(Date.UTC(2026, 10, 21, h));

describe('top stories: the most important stories of the period open the digest', () => {
  it('GIVEN a sticky story, a high-scoring one and plain ones THEN the sticky one leads, then by score; the count defaults to 5', () => {
    const articles = [
      ...Array.from({ length: 6 }, (_, i) => makeArticle({ id: `plain${i}`, score: 10 + i, publishedAt: at(1) })),
      makeArticle({ id: 'sticky', score: 100 + 5, publishedAt: at(1) }),
      makeArticle({ id: 'hot', score: 90, publishedAt: at(2) }),
    ];
    const d = composeDigest(articles, { from, to, timezone: 'UTC' });
    expect(d.top).toHaveLength(DEFAULT_TOP_STORIES);
    expect(d.top.map((t) => t.article.id)).toEqual(['sticky', 'hot', 'plain5', 'plain4', 'plain3']);
  });

  it('GIVEN two stories of equal score THEN the one more sources carry ranks first; at equal sources, the more recent one', () => {
    const a = makeArticle({ id: 'a', score: 50, publishedAt: at(1) });
    const b = makeArticle({ id: 'b', score: 50, publishedAt: at(1) });
    const c = makeArticle({ id: 'c', score: 50, publishedAt: at(20) });
    const top = rankTopStories([a, b, c], { n: 3, from, to, sourcesOf: (x) => (x.id === 'b' ? 3 : 1) });
    expect(top.map((t) => [t.article.id, t.sources])).toEqual([
      ['b', 3],
      ['c', 1],
      ['a', 1],
    ]);
  });

  it('GIVEN a requested count THEN it is clamped to 0–10, and 0 means no top stories', () => {
    expect([topStoryCount(undefined), topStoryCount(0), topStoryCount(3), topStoryCount(11), topStoryCount(-2), topStoryCount(Number.NaN)]).toEqual([5, 0, 3, 10, 0, 5]);
    const articles = Array.from({ length: 12 }, (_, i) => makeArticle({ score: i, publishedAt: at(2) }));
    expect(composeDigest(articles, { from, to, timezone: 'UTC', topStories: 0 }).top).toEqual([]);
    expect(composeDigest(articles, { from, to, timezone: 'UTC', topStories: 10 }).top).toHaveLength(10);
  });

  it('GIVEN a topic filter THEN only the filtered articles can be top stories', () => {
    const articles = [makeArticle({ id: 'btc', topics: ['Bitcoin'], score: 1, publishedAt: at(2) }), makeArticle({ id: 'ai', topics: ['AI'], score: 99, publishedAt: at(2) })];
    expect(composeDigest(articles, { from, to, timezone: 'UTC', topics: ['bitcoin'] }).top.map((t) => t.article.id)).toEqual(['btc']);
  });

  it('GIVEN the same story in three files from two publishers THEN the store counts 2 sources and the day digest ranks it first', () => {
    const store = new ArticleStore();
    const title = 'Bitcoin ETF inflows hit a record';
    store.set('a.md', makeArticle({ id: 'a', title, url: 'https://one.example/etf', source: 'Wire One', score: 10, publishedAt: at(5) }));
    store.set('b.md', makeArticle({ id: 'b', title, url: 'https://two.example/etf', source: 'Wire Two', score: 10, publishedAt: at(6) }));
    store.set('c.md', makeArticle({ id: 'c', title, url: 'https://three.example/etf', source: 'wire two', score: 10, publishedAt: at(6) }));
    store.set('d.md', makeArticle({ id: 'd', title: 'A quieter story', score: 20, publishedAt: at(7) }));
    const shown = store.query({ from, to }).find((x) => x.title === title)!;
    expect(store.sourceCount(shown)).toBe(2);
    const d = composeDayDigest(store, { date: '2026-11-21', timezone: 'UTC' });
    expect(d.top.map((t) => [t.article.title, t.sources])).toEqual([
      [title, 2],
      ['A quieter story', 1],
    ]);
  });
});
