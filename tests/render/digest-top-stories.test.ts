import { describe, expect, it } from 'vitest';
import { composeDigest } from '../../src/digest/compose.ts';
import { composeMood } from '../../src/digest/mood.ts';
import { validateMessage } from '../../src/payload/validate.ts';
import { digestThreadName, renderDigestParts, topStoriesEmbed } from '../../src/render/digest.ts';
import { moodChartFile, moodChartSvg } from '../../src/render/mood-chart.ts';
import { makeArticle } from '../support/article-factory.ts';

const from = new Date('2026-11-21T00:00:00Z');
const to = new Date('2026-11-22T00:00:00Z');

describe('the top stories embed', () => {
  it('GIVEN stories with impact bullets THEN each shows its rank, linked title, source, sentiment, sources and first impact bullet', () => {
    const a = makeArticle({ id: 'a', title: 'ETF inflows record', url: 'https://example.com/etf', source: 'Market Pulse', sentiment: 'positive', score: 90 });
    const b = makeArticle({ id: 'b', title: 'Exchange hacked', url: null, source: null, sentiment: 'negative', sentimentSource: 'inferred', score: 10 });
    const embed = topStoriesEmbed(
      [
        { article: a, sources: 3, importance: 120 },
        { article: b, sources: 1, importance: 10 },
      ],
      new Map([['a', 'Fresh demand could lift BTC.']]),
    )!;
    expect(embed.title).toBe('⭐ Top 2 stories');
    expect(embed.description).toBe(
      ['**1.** [ETF inflows record](https://example.com/etf)\nMarket Pulse · 🟢 Positive · 3 sources\n> ↳ Fresh demand could lift BTC.', '**2.** Exchange hacked\n🔴 Negative (inferred)'].join('\n\n'),
    );
  });

  it('GIVEN ten stories with the longest titles, URLs and bullets THEN the embed still fits, shedding detail rather than stories', () => {
    const top = Array.from({ length: 10 }, (_, i) => ({
      article: makeArticle({ id: `s${i}`, title: 'T'.repeat(400), url: `https://example.com/${'x'.repeat(480)}`, source: 'S'.repeat(100) }),
      sources: 2,
      importance: 1,
    }));
    const embed = topStoriesEmbed(top, new Map(top.map((t) => [t.article.id, 'I'.repeat(2000)])))!;
    expect(validateMessage({ embeds: [embed], allowed_mentions: { parse: [] } })).toEqual([]);
    for (let i = 1; i <= 10; i++) expect(embed.description).toContain(`**${i}.**`);
  });
});

describe('renderDigestParts: where each part goes', () => {
  const articles = Array.from({ length: 300 }, (_, i) =>
    makeArticle({ title: `Story ${i} ${'about markets '.repeat(6)}`, topics: [`Topic ${i % 30}`], sentiment: (['positive', 'negative', 'neutral'] as const)[i % 3], score: i, publishedAt: new Date(from.getTime() + i * 60_000) }),
  );
  const d = composeDigest(articles, { from, to, timezone: 'UTC', topStories: 10 });
  const mood = composeMood(articles, { from, to, timezone: 'UTC' });
  const chart = moodChartFile(mood.days);

  it('GIVEN threads allowed THEN the first part (header, mood, top stories, chart) starts the thread and every other part goes into it, each within the limits and pinging no one', () => {
    const parts = renderDigestParts(d, { title: 'Daily digest', mood: mood.line, chart, thread: true });
    expect(parts.length).toBeGreaterThan(2);
    expect(parts[0]!.placement).toEqual({ in: 'channel', startThread: { name: digestThreadName(d), auto_archive_duration: 1440 } });
    expect(parts[0]!.attachments).toEqual([{ id: 0, filename: 'market-mood.png', description: expect.any(String) }]);
    expect(parts[0]!.files?.[0]).toMatchObject({ id: 0, filename: 'market-mood.png', width: 640, height: 240 });
    expect(parts[0]!.embeds?.map((e) => e.title)).toEqual(['⭐ Top 10 stories']);
    expect(parts.slice(1).every((p) => p.placement?.in === 'thread' && !p.files)).toBe(true);
    for (const p of parts) {
      expect(validateMessage(p, { channelMessage: true })).toEqual([]);
      expect(p.allowed_mentions).toEqual({ parse: [] });
    }
    expect(digestThreadName(d)).toBe('Full list — Saturday 21 November 2026 (300 articles)');
  });

  it('GIVEN no threads THEN the top stories open the first message, the groups follow in the same messages, and nothing asks for a thread', () => {
    const parts = renderDigestParts(d, { title: 'Daily digest', mood: mood.line, chart });
    expect(parts[0]!.embeds![0]!.title).toBe('⭐ Top 10 stories');
    expect(parts[0]!.embeds![1]!.title).toMatch(/^🟢 Positive · 100/);
    expect(parts.every((p) => p.placement === undefined)).toBe(true);
    expect(parts[0]!.content).toContain('📊 **Market mood:**');
    for (const p of parts) expect(validateMessage(p, { channelMessage: true })).toEqual([]);
  });
});

describe('the mood chart', () => {
  it('draws one bar per day, the last marked "today", with its legend', () => {
    const days = Array.from({ length: 14 }, (_, i) => ({ date: `2026-11-${String(8 + i).padStart(2, '0')}`, counts: { positive: i, negative: 2, neutral: 1 }, total: i + 3 }));
    const svg = moodChartSvg(days);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="640" height="240"')).toBe(true);
    expect(svg.match(/>today</g)).toHaveLength(1);
    expect(svg).toContain('>Market mood, last 14 days<');
    for (const label of ['Positive', 'Negative', 'Neutral']) expect(svg).toContain(`>${label}<`);
    // Day labels: the first shows its month, then days of the month; the last is the 21st.
    expect(svg).toContain('>8 Nov<');
    expect(svg).toContain('>21<');
  });
});
