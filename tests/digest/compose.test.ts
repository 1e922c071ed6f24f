import { describe, expect, it } from 'vitest';
import { composeDigest } from '../../src/digest/compose.ts';
import { makeArticle } from '../support/article-factory.ts';

const from = new Date('2026-11-21T00:00:00Z');
const to = new Date('2026-11-22T00:00:00Z');
const at = (h: number) => new Date(Date.UTC(2026, 10, 21, h));

describe('composeDigest', () => {
  const articles = [
    makeArticle({ id: 'n1', sentiment: 'neutral', topics: ['Bitcoin'], publishedAt: at(1) }),
    makeArticle({ id: 'p1', sentiment: 'positive', topics: ['AI', 'Bitcoin'], score: 5, publishedAt: at(2) }),
    makeArticle({ id: 'p2', sentiment: 'positive', topics: ['AI'], score: 9, publishedAt: at(3) }),
    makeArticle({ id: 'p3', sentiment: 'positive', topics: ['Bitcoin'], score: 1, publishedAt: at(4) }),
    makeArticle({ id: 'p4', sentiment: 'positive', topics: ['AI'], score: 5, publishedAt: at(5) }),
    makeArticle({ id: 'x1', sentiment: 'negative', topics: ['Security'], publishedAt: at(6) }),
    makeArticle({ id: 'old', sentiment: 'negative', topics: ['Security'], publishedAt: new Date('2026-11-20T23:59:59Z') }),
    makeArticle({ id: 'edge', sentiment: 'negative', topics: ['Security'], publishedAt: to }),
  ];

  it('groups by sentiment in a fixed order, then by topic (largest first), ordered by score then recency', () => {
    const d = composeDigest(articles, { from, to, timezone: 'UTC' });
    expect(d.groups.map((g) => [g.sentiment, g.topics.map((t) => [t.topic, t.articles.map((a) => a.id)])])).toEqual([
      ['positive', [['AI', ['p2', 'p4', 'p1']], ['Bitcoin', ['p3']]]],
      ['negative', [['Security', ['x1']]]],
      ['neutral', [['Bitcoin', ['n1']]]],
    ]);
  });

  it('counts everything, and keeps only the period (from inclusive, to exclusive)', () => {
    const d = composeDigest(articles, { from, to, timezone: 'UTC' });
    expect(d.total).toBe(6);
    expect(d.counts).toEqual({ positive: 4, negative: 1, neutral: 1 });
    expect(d.groups.map((g) => g.count)).toEqual([4, 1, 1]);
    expect(d.date).toBe('2026-11-21');
  });

  it('GIVEN a topic filter THEN only matching articles, under the matching topic', () => {
    const d = composeDigest(articles, { from, to, timezone: 'UTC', topics: ['bitcoin'] });
    expect(d.total).toBe(3);
    expect(d.groups[0]!.topics).toEqual([{ topic: 'Bitcoin', articles: [expect.objectContaining({ id: 'p1' }), expect.objectContaining({ id: 'p3' })] }]);
  });

  it('GIVEN no articles THEN an empty digest', () => {
    expect(composeDigest([], { from, to, timezone: 'Europe/Paris' })).toMatchObject({ total: 0, groups: [], date: '2026-11-21' });
  });
});
