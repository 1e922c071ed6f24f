import { describe, expect, it } from 'vitest';
import { addDays, composeMood, moodLine } from '../../src/digest/mood.ts';
import { makeArticle } from '../support/article-factory.ts';

describe('moodLine: the period against the trailing 7-day average', () => {
  it('GIVEN 44% negative against a usual 31% THEN "more negative than usual: 44% vs 31%"', () => {
    const line = moodLine({ positive: 30, negative: 44, neutral: 26 }, { positive: 40, negative: 31, neutral: 29 });
    expect(line.text).toBe('more negative than usual: 44% vs 31%');
    expect(line.lean).toBe('negative');
  });

  it('GIVEN a rise in positive shares THEN "more positive than usual"', () => {
    expect(moodLine({ positive: 6, negative: 2, neutral: 2 }, { positive: 30, negative: 40, neutral: 30 }).text).toBe('more positive than usual: 60% vs 30%');
  });

  it('GIVEN shares within 5 points of usual THEN "about as usual" with the shares', () => {
    expect(moodLine({ positive: 2, negative: 1, neutral: 1 }, { positive: 48, negative: 26, neutral: 26 }).text).toBe('about as usual: 50% positive, 25% negative, 25% neutral');
  });

  it('GIVEN no articles in the trailing week THEN the shares alone, saying there is nothing to compare with; GIVEN none in the period THEN it says so', () => {
    expect(moodLine({ positive: 1, negative: 1, neutral: 0 }, { positive: 0, negative: 0, neutral: 0 }).text).toBe('50% positive, 50% negative, 0% neutral (no earlier week to compare with)');
    expect(moodLine({ positive: 0, negative: 0, neutral: 0 }, { positive: 3, negative: 0, neutral: 0 }).text).toBe('no articles to judge the mood by');
  });
});

describe('composeMood: the line and the chart series from articles', () => {
  const day = (d: string, h = 12) => new Date(`${d}T${String(h).padStart(2, '0')}:00:00Z`);
  const articles = [
    // The period (21 Nov): 1 positive, 2 negative → 67% negative.
    makeArticle({ id: 'p', sentiment: 'positive', publishedAt: day('2026-11-21') }),
    makeArticle({ id: 'n1', sentiment: 'negative', publishedAt: day('2026-11-21', 3) }),
    makeArticle({ id: 'n2', sentiment: 'negative', publishedAt: day('2026-11-21', 23) }),
    // The week before: 3 positive, 1 negative → 25% negative.
    ...['2026-11-15', '2026-11-16', '2026-11-18'].map((d, i) => makeArticle({ id: `wp${i}`, sentiment: 'positive', publishedAt: day(d) })),
    makeArticle({ id: 'wn', sentiment: 'negative', publishedAt: day('2026-11-19') }),
    // Older than the week: charted, not compared.
    makeArticle({ id: 'old', sentiment: 'neutral', publishedAt: day('2026-11-10') }),
    // After the period: neither.
    makeArticle({ id: 'late', sentiment: 'neutral', publishedAt: day('2026-11-22') }),
  ];

  it('GIVEN a day with more negative news than the week before THEN the line says so, and the chart has 14 days ending with that day', () => {
    const mood = composeMood(articles, { from: new Date('2026-11-21T00:00:00Z'), to: new Date('2026-11-22T00:00:00Z'), timezone: 'UTC' });
    expect(mood.line.text).toBe('more negative than usual: 67% vs 25%');
    expect(mood.days).toHaveLength(14);
    expect(mood.days[0]!.date).toBe('2026-11-08');
    expect(mood.days.at(-1)).toEqual({ date: '2026-11-21', counts: { positive: 1, negative: 2, neutral: 0 }, total: 3 });
    expect(mood.days.find((d) => d.date === '2026-11-10')!.counts.neutral).toBe(1);
    expect(mood.days.reduce((n, d) => n + d.total, 0)).toBe(8);
  });

  it('GIVEN a zone ahead of UTC THEN articles are placed on their local day', () => {
    const mood = composeMood([makeArticle({ sentiment: 'positive', publishedAt: new Date('2026-11-20T23:30:00Z') })], {
      from: new Date('2026-11-20T23:00:00Z'),
      to: new Date('2026-11-21T23:00:00Z'),
      timezone: 'Europe/Paris',
    });
    expect(mood.days.at(-1)).toMatchObject({ date: '2026-11-21', total: 1 });
  });

  it('adds calendar days across month ends', () => {
    expect([addDays('2026-11-30', 1), addDays('2026-03-01', -1), addDays('2028-02-28', 1)]).toEqual(['2026-12-01', '2026-02-28', '2028-02-29']);
  });
});
