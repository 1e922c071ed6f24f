import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Article } from '../../src/content/article.ts';
import { composeDigest } from '../../src/digest/compose.ts';
import { MAX_DIGEST_MESSAGES, renderDigest } from '../../src/render/digest.ts';
import { validateMessage } from '../../src/payload/validate.ts';
import { makeArticle } from '../support/article-factory.ts';

const from = new Date('2026-11-21T00:00:00Z');
const to = new Date('2026-11-22T00:00:00Z');

function linesAndMore(payloads: ReturnType<typeof renderDigest>) {
  let lines = 0;
  let more = 0;
  for (const p of payloads)
    for (const e of p.embeds ?? [])
      for (const f of e.fields ?? [])
        for (const line of f.value.split('\n')) {
          if (line.startsWith('• ')) lines++;
          const m = /^…and (\d+) more/.exec(line);
          if (m) more += Number(m[1]);
        }
  return { lines, more };
}

describe('renderDigest', () => {
  it('GIVEN a realistic day THEN a header with date and counts, one coloured embed per sentiment, one field per topic', () => {
    const articles = [
      makeArticle({ id: 'a', title: 'xAI raises money', url: 'https://e.com/a', source: 'Wire', sentiment: 'positive', topics: ['AI'], publishedAt: new Date('2026-11-21T09:00:00Z') }),
      makeArticle({ id: 'b', title: 'Exchange *hacked*', url: null, source: 'Ledger', sentiment: 'negative', sentimentSource: 'inferred', topics: ['Security'], publishedAt: new Date('2026-11-21T10:00:00Z') }),
      makeArticle({ id: 'c', title: '@everyone look', url: 'https://e.com/c', source: null, sentiment: 'neutral', topics: ['Bitcoin'], publishedAt: new Date('2026-11-21T11:00:00Z') }),
    ];
    // No top stories here (they have their own tests): the groups alone, as a subscription with 0 top stories gets them.
    const [msg, ...rest] = renderDigest(composeDigest(articles, { from, to, timezone: 'UTC', topStories: 0 }));
    expect(rest).toEqual([]);
    expect(msg!.content).toBe('📰 **Daily digest — Saturday 21 November 2026** (UTC)\n**3** articles: 🟢 1 positive · 🔴 1 negative · ⚪ 1 neutral');
    expect(msg!.allowed_mentions).toEqual({ parse: [] });
    expect(msg!.embeds!.map((e) => [e.title, e.color])).toEqual([
      ['🟢 Positive · 1', 0x2ecc71],
      ['🔴 Negative · 1', 0xe74c3c],
      ['⚪ Neutral · 1', 0x95a5a6],
    ]);
    expect(msg!.embeds![0]!.fields).toEqual([{ name: 'AI (1)', value: '• [xAI raises money](https://e.com/a) — Wire' }]);
    expect(msg!.embeds![1]!.fields).toEqual([{ name: 'Security (1)', value: '• Exchange \\*hacked\\* — Ledger ❔' }]);
    expect(msg!.embeds![1]!.footer).toEqual({ text: '❔ sentiment inferred from the text' });
    expect(msg!.embeds![2]!.fields![0]!.value).toBe('• [@\u200beveryone look](https://e.com/c)');
    expect(validateMessage(msg)).toEqual([]);
  });

  it('GIVEN an empty day THEN one short "no new articles" message', () => {
    expect(renderDigest(composeDigest([], { from, to, timezone: 'Europe/Paris' }))).toEqual([
      { content: '📰 No new articles for Saturday 21 November 2026 (Europe/Paris).', allowed_mentions: { parse: [] } },
    ]);
  });

  it('GIVEN 1,000 articles in one day THEN at most 10 messages, each within limits, and every article is listed or counted', () => {
    const articles = Array.from({ length: 1000 }, (_, i) =>
      makeArticle({ id: `n${i}`, title: `Story number ${i} with a reasonably long headline about markets`, sentiment: (['positive', 'negative', 'neutral'] as const)[i % 3], topics: [`Topic ${i % 7}`], publishedAt: new Date(from.getTime() + i * 60_000) }),
    );
    const payloads = renderDigest(composeDigest(articles, { from, to, timezone: 'UTC' }));
    expect(payloads.length).toBeLessThanOrEqual(MAX_DIGEST_MESSAGES);
    for (const p of payloads) expect(validateMessage(p)).toEqual([]);
    const { lines, more } = linesAndMore(payloads);
    expect(lines + more).toBe(1000);
    expect(more).toBeGreaterThan(0);
  });

  it('PROPERTY: any set of articles with any text lengths renders within every Discord limit, and no article is lost', () => {
    const text = (max: number) => fc.string({ unit: 'grapheme', maxLength: max });
    const article = fc.record({
      title: fc.oneof(text(20), text(400), fc.string({ minLength: 1, maxLength: 3000 })),
      url: fc.option(fc.oneof(fc.constant('https://e.com/a_(b)'), fc.webUrl(), fc.string({ maxLength: 3000 }).map((s) => `https://e.com/${encodeURIComponent(s)}`)), { nil: null }),
      source: fc.option(text(300), { nil: null }),
      topic: fc.oneof(fc.constantFrom('AI', 'Bitcoin', 'General'), fc.string({ minLength: 1, maxLength: 400 })),
      sentiment: fc.constantFrom('positive', 'negative', 'neutral' as const),
      inferred: fc.boolean(),
      minute: fc.integer({ min: 0, max: 1439 }),
      score: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(fc.array(article, { maxLength: 400 }), fc.constantFrom('UTC', 'Europe/Paris', 'Pacific/Kiritimati'), (specs, timezone) => {
        const articles: Article[] = specs.map((s, i) =>
          makeArticle({
            id: `p${i}`,
            title: s.title || 'x',
            url: s.url,
            source: s.source,
            topics: [s.topic],
            sentiment: s.sentiment,
            sentimentSource: s.inferred ? 'inferred' : 'frontmatter',
            score: s.score,
            publishedAt: new Date(from.getTime() + s.minute * 60_000),
          }),
        );
        const digest = composeDigest(articles, { from, to, timezone: 'UTC' });
        const payloads = renderDigest({ ...digest, timezone });
        expect(payloads.length).toBeGreaterThan(0);
        expect(payloads.length).toBeLessThanOrEqual(MAX_DIGEST_MESSAGES);
        for (const p of payloads) {
          expect(validateMessage(p)).toEqual([]);
          expect(p.allowed_mentions).toEqual({ parse: [] });
        }
        const { lines, more } = linesAndMore(payloads);
        expect(lines + more).toBe(articles.length);
      }),
      { numRuns: 60 },
    );
  });
});
