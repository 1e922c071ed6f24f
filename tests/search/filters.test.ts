import { describe, expect, it } from 'vitest';
import { ArticleStore } from '../../src/content/store.ts';
import { parseSince, parseSort } from '../../src/search/filters.ts';
import { QueryError } from '../../src/search/query.ts';
import { makeArticle } from '../support/article-factory.ts';

const NOW = new Date('2026-11-21T18:00:00Z');

describe('since', () => {
  it('GIVEN 24h, 7d, 30d and 2w THEN the period starts that long before now and is named', () => {
    expect(parseSince('24h', NOW)).toEqual({ from: new Date('2026-11-20T18:00:00Z'), label: 'last 24 hours' });
    expect(parseSince('7d', NOW)).toEqual({ from: new Date('2026-11-14T18:00:00Z'), label: 'last 7 days' });
    expect(parseSince(' 30D ', NOW).from).toEqual(new Date('2026-10-22T18:00:00Z'));
    expect(parseSince('1w', NOW).label).toBe('last week');
  });

  it('GIVEN a date THEN the period starts at 00:00 UTC that day', () => {
    expect(parseSince('2026-11-20', NOW)).toEqual({ from: new Date('2026-11-20T00:00:00Z'), label: 'since 2026-11-20' });
  });

  it('GIVEN a bad value THEN a QueryError says what is accepted', () => {
    for (const [raw, message] of [
      ['yesterday', '“yesterday” is not a period. Use 24h, 7d, 30d or a date such as 2026-11-20.'],
      ['2026-02-30', '“2026-02-30” is not a real date. Use 24h, 7d, 30d or a date such as 2026-11-20.'],
      ['2026-12-01', '“2026-12-01” is in the future: nothing was published since then. Use 24h, 7d, 30d or a date such as 2026-11-20.'],
      ['0d', '“0d” is out of range: pick from 1h up to 10 years (3650d). Use 24h, 7d, 30d or a date such as 2026-11-20.'],
      ['99999d', '“99999d” is out of range: pick from 1h up to 10 years (3650d). Use 24h, 7d, 30d or a date such as 2026-11-20.'],
    ]) {
      expect(() => parseSince(raw!, NOW)).toThrow(new QueryError(message!));
    }
  });

  it('GIVEN a sort name in any case THEN it is read; another word is a QueryError', () => {
    expect(parseSort('Newest')).toBe('newest');
    expect(parseSort('relevance')).toBe('relevance');
    expect(() => parseSort('oldest')).toThrow('“oldest” is not a sort. Use relevance (best match first) or newest.');
  });
});

describe('search filters in the store', () => {
  const store = () => {
    const s = new ArticleStore();
    for (const a of [
      makeArticle({ id: 'old', title: 'Bitcoin rally report', source: 'Ledger Wire', topics: ['Bitcoin'], sentiment: 'positive', publishedAt: new Date('2026-11-01T10:00:00Z') }),
      makeArticle({ id: 'mid', title: 'Bitcoin miners struggle', source: 'Chain Daily', topics: ['Mining'], sentiment: 'negative', publishedAt: new Date('2026-11-15T10:00:00Z') }),
      makeArticle({ id: 'new', title: 'Bitcoin bitcoin bitcoin: the week', source: 'Ledger Wire', topics: ['Bitcoin'], sentiment: 'neutral', publishedAt: new Date('2026-11-21T10:00:00Z') }),
      makeArticle({ id: 'best', title: 'Bitcoin bitcoin bitcoin bitcoin', source: 'Chain Daily', topics: ['Bitcoin'], sentiment: 'positive', publishedAt: new Date('2026-11-10T10:00:00Z') }),
    ])
      s.set(a.file, a);
    return s;
  };
  const ids = (r: { articles: { id: string }[] }) => r.articles.map((a) => a.id);

  it('GIVEN a source in any case THEN only its articles; an unknown source matches nothing', () => {
    expect(ids(store().search('bitcoin', { source: 'ledger wire' })).sort()).toEqual(['new', 'old']);
    expect(store().resolveSource('LEDGER wire')).toBe('Ledger Wire');
    expect(store().search('bitcoin', { source: 'Nobody' }).total).toBe(0);
  });

  it('GIVEN since THEN only articles published from then on', () => {
    expect(ids(store().search('bitcoin', { from: parseSince('7d', NOW).from })).sort()).toEqual(['mid', 'new']);
  });

  it('GIVEN sort newest THEN every match newest first, paged; relevance puts the best match first', () => {
    const s = store();
    expect(ids(s.search('bitcoin', { sort: 'newest' }))).toEqual(['new', 'mid', 'best', 'old']);
    expect(ids(s.search('bitcoin', { sort: 'newest', limit: 2, offset: 2 }))).toEqual(['best', 'old']);
    expect(ids(s.search('bitcoin'))[0]).toBe('best');
  });

  it('GIVEN every filter at once THEN they all apply', () => {
    const r = store().search('bitcoin', { topic: 'bitcoin', sentiment: 'positive', source: 'Chain Daily', from: new Date('2026-11-05T00:00:00Z'), sort: 'newest' });
    expect(ids(r)).toEqual(['best']);
  });

  it('lists sources with counts, most common first', () => {
    expect(store().sources()).toEqual([
      { source: 'Chain Daily', count: 2 },
      { source: 'Ledger Wire', count: 2 },
    ]);
  });
});
