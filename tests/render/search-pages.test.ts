import { describe, expect, it } from 'vitest';
import { renderImpactTopicPage, renderSearchPage } from '../../src/render/articles.ts';
import { validateMessage } from '../../src/payload/validate.ts';
import { makeArticle } from '../support/article-factory.ts';

const ids = { prev: 'news:page:abc:0:prev', next: 'news:page:abc:1:next' };

describe('search pages', () => {
  it('GIVEN nothing matches and close words THEN "Did you mean" them; GIVEN filters THEN they are named', () => {
    const base = { query: 'etherium', truncated: false, total: 0, page: 0, pageSize: 5, articles: [], customIds: ids };
    expect(renderSearchPage({ ...base, suggestions: ['ethereum'] }).content).toBe('No articles match “etherium”. Did you mean **ethereum**?');
    expect(renderSearchPage({ ...base, suggestions: ['ethereum', 'ether', 'etherscan'] }).content).toBe('No articles match “etherium”. Did you mean **ethereum**, **ether** or **etherscan**?');
    expect(renderSearchPage({ ...base, filters: ['topic AI', 'last 7 days'] }).content).toBe('No articles match “etherium” (topic AI · last 7 days). Try without some of the filters, or with fewer words.');
  });

  it('GIVEN close spellings THEN the first line names them, and the footer names the filters', () => {
    const page = renderSearchPage({
      query: 'etherium',
      truncated: false,
      total: 1,
      page: 0,
      pageSize: 5,
      articles: [makeArticle({ title: 'Ethereum ships' })],
      customIds: ids,
      corrections: [{ word: 'etherium', matches: ['ethereum'] }],
      filters: ['source Ledger Wire', 'newest first'],
    });
    expect(page.embeds![0]!.description!.split('\n')[0]).toBe('_Close spellings: “etherium” → ethereum_');
    expect(page.embeds![0]!.footer!.text).toBe('Page 1 of 1 · source Ledger Wire · newest first');
    expect(validateMessage(page)).toEqual([]);
  });
});

describe('impact pages for a topic', () => {
  it('GIVEN five articles with many long bullets THEN one embed per sentiment, within every Discord limit', () => {
    const long = 'x'.repeat(900);
    const articles = (['positive', 'positive', 'negative', 'neutral', 'neutral'] as const).map((sentiment, n) =>
      makeArticle({ title: `Story ${n} ${'t'.repeat(300)}`, sentiment, impact: Array.from({ length: 20 }, () => long) }),
    );
    const page = renderImpactTopicPage({ topic: 'Bitcoin', period: 'last 7 days', total: 12, page: 0, pageSize: 5, articles, customIds: ids });
    expect(validateMessage(page)).toEqual([]);
    expect(page.embeds!.map((e) => e.title)).toEqual(['🟢 Positive', '🔴 Negative', '⚪ Neutral']);
    expect(page.embeds!.at(-1)!.footer!.text).toBe('Page 1 of 3 · 12 articles with impact notes');
    expect(page.components).toHaveLength(1);
    const allPositive = renderImpactTopicPage({ topic: 'Bitcoin', period: 'last 7 days', total: 5, page: 0, pageSize: 5, articles: articles.map((a) => ({ ...a, sentiment: 'positive' as const })), customIds: ids });
    expect(validateMessage(allPositive)).toEqual([]);
    expect(allPositive.embeds!.map((e) => e.title)).toEqual(['🟢 Positive']);
    expect(allPositive.components).toEqual([]);
  });
});
