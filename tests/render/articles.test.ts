import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateMessage } from '../../src/payload/validate.ts';
import { renderArticleList, renderImpact, renderSearchPage, renderTopics } from '../../src/render/articles.ts';
import { makeArticle } from '../support/article-factory.ts';

const ids = { prev: 'news:page:abc:0:prev', next: 'news:page:abc:2:next' };

describe('renderImpact', () => {
  it('GIVEN impact bullets THEN an embed with title, link, bullets, source, date, topics and sentiment', () => {
    const a = makeArticle({ id: 'x', title: 'Tesla holds', url: 'https://e.com/t', source: 'Wire', topics: ['Bitcoin', 'Markets'], sentiment: 'positive', sentimentSource: 'inferred', impact: ['One *thing*', 'Two'], publishedAt: new Date('2026-11-21T13:05:00Z') });
    const p = renderImpact(a, { timezone: 'Europe/Paris' });
    const e = p.embeds![0]!;
    expect(e.title).toBe('Tesla holds');
    expect(e.url).toBe('https://e.com/t');
    expect(e.description).toBe('**Impact on the crypto market**\n• One \\*thing\\*\n• Two');
    expect(e.fields).toEqual([
      { name: 'Source', value: 'Wire', inline: true },
      { name: 'Published', value: 'Sat, 21 Nov 2026, 14:05 (Europe/Paris)', inline: true },
      { name: 'Sentiment', value: '🟢 Positive (inferred)', inline: true },
      { name: 'Topics', value: 'Bitcoin, Markets', inline: false },
    ]);
    expect(p.allowed_mentions).toEqual({ parse: [] });
  });

  it('GIVEN no impact section THEN a clear sentence instead of an empty embed', () => {
    const p = renderImpact(makeArticle({ impact: [], summary: 'Summary here.' }));
    expect(p.embeds![0]!.description).toBe('This article has no “Impact on the crypto market” section.\n\nSummary here.');
  });
});

describe('renderSearchPage', () => {
  const articles = Array.from({ length: 5 }, (_, i) => makeArticle({ id: `s${i}`, title: `Musk ${i}` }));

  it('shows the range, the total and ◀ ▶ buttons with their custom ids', () => {
    const p = renderSearchPage({ query: 'musk', truncated: false, total: 12, page: 1, pageSize: 5, articles, customIds: ids });
    expect(p.embeds![0]!.title).toBe('Results 6–10 of 12 for “musk”');
    expect(p.embeds![0]!.footer).toEqual({ text: 'Page 2 of 3' });
    expect(p.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 2, label: '◀ Previous', custom_id: ids.prev, disabled: false },
          { type: 2, style: 2, label: 'Next ▶', custom_id: ids.next, disabled: false },
        ],
      },
    ]);
  });

  it('GIVEN one page THEN no buttons; GIVEN a cut query THEN it says so; GIVEN no results THEN a hint', () => {
    expect(renderSearchPage({ query: 'm', truncated: false, total: 2, page: 0, pageSize: 5, articles: articles.slice(0, 2), customIds: ids }).components).toEqual([]);
    expect(renderSearchPage({ query: 'm', truncated: true, total: 1, page: 0, pageSize: 5, articles: articles.slice(0, 1), customIds: ids }).content).toMatch(/cut to its first 200 characters/);
    expect(renderSearchPage({ query: 'zzz', truncated: false, total: 0, page: 0, pageSize: 5, articles: [], customIds: ids }).content).toMatch(/^No articles match “zzz”/);
  });
});

describe('renderTopics and renderArticleList', () => {
  it('lists topics with counts', () => {
    expect(renderTopics([{ topic: 'AI', count: 3 }, { topic: 'Bitcoin', count: 1 }]).embeds![0]).toMatchObject({ title: '2 topics', description: '**AI** · 3\n**Bitcoin** · 1' });
  });

  it('GIVEN no articles THEN the empty text', () => {
    expect(renderArticleList([], { title: 'Latest', emptyText: 'Nothing yet.' })).toEqual({ content: 'Nothing yet.', allowed_mentions: { parse: [] } });
  });

  it('GIVEN a topic or source of white space only THEN the field shows a dash, which Discord accepts', () => {
    const a = makeArticle({ id: 'blank', title: ' ', summary: '', source: ' ', topics: [' '], impact: [], url: null });
    const reply = renderImpact(a);
    expect(validateMessage(reply)).toEqual([]);
    expect(JSON.stringify(reply)).toContain('"value":"—"');
  });

  it('PROPERTY: any article text renders every reply within Discord limits', () => {
    const big = fc.string({ maxLength: 5000 });
    fc.assert(
      fc.property(fc.array(fc.record({ title: fc.string({ minLength: 1, maxLength: 3000 }), summary: big, source: fc.option(big, { nil: null }), topic: fc.string({ minLength: 1, maxLength: 2000 }), impact: fc.array(big, { maxLength: 30 }), url: fc.option(fc.webUrl(), { nil: null }) }), { minLength: 1, maxLength: 25 }), (specs) => {
        const articles = specs.map((s, i) => makeArticle({ id: `q${i}`, title: s.title, summary: s.summary, source: s.source, topics: [s.topic], impact: s.impact, url: s.url }));
        const payloads = [
          renderArticleList(articles, { title: 'Latest', emptyText: 'none' }),
          renderSearchPage({ query: specs[0]!.title.slice(0, 200), truncated: false, total: 100, page: 3, pageSize: 5, articles: articles.slice(0, 5), customIds: ids }),
          renderImpact(articles[0]!),
          renderTopics(articles.map((a, i) => ({ topic: a.topics[0]!, count: i }))),
        ];
        for (const p of payloads) expect(validateMessage(p)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});
