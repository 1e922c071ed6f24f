import { describe, expect, it } from 'vitest';
import { partMarker, withMarker } from '../../src/payload/message-identity.ts';
import { validateMessage } from '../../src/payload/validate.ts';
import { renderDigestList } from '../../src/render/admin.ts';
import { renderFollowBatch, renderFollowList } from '../../src/render/follow.ts';
import { makeArticle } from '../support/article-factory.ts';

describe('follow messages', () => {
  it('GIVEN 500 new matches with long titles and URLs THEN one message lists as many as fit and counts the rest, within every Discord limit', () => {
    const articles = Array.from({ length: 500 }, (_, i) =>
      makeArticle({ id: `n/${i}`, title: `${'Very long *bitcoin* headline @everyone '.repeat(8)}${i}`, url: `https://example.com/${'x'.repeat(400)}/${i}` }),
    );
    const m = withMarker(renderFollowBatch({ query: 'bitcoin **etf**', articles }), partMarker('c', 'follow:1:2026-11-22T10:00:00.000Z', 0));
    expect(validateMessage(m, { channelMessage: true })).toEqual([]);
    expect(m.allowed_mentions).toEqual({ parse: [] });
    expect(m.content).toMatch(/^🔔 \*\*500 new articles\*\* for “bitcoin \\\*\\\*etf\\\*\\\*”\n-# ref /);
    const description = m.embeds![0]!.description!;
    const shown = description.split('\n').filter((l) => l.includes('headline')).length;
    expect(shown).toBeGreaterThan(0);
    expect(description.endsWith(`…and ${500 - shown} more articles (/news search finds them all)`)).toBe(true);
    expect(description).not.toContain('@everyone');
  });

  it('GIVEN one match THEN it reads in the singular, with no count of more', () => {
    const m = renderFollowBatch({ query: 'musk', articles: [makeArticle({ title: 'Musk speaks', source: 'Wire' })] });
    expect(m.content).toBe('🔔 **1 new article** for “musk”');
    expect(m.embeds![0]!.description).toMatch(/^⚪ \[Musk speaks\]\(https:\/\/example\.com\/articles\/\d+\) · Wire$/);
  });

  it('GIVEN 25 follows and 25 digests with long queries and topic lists THEN the lists stay within Discord limits', () => {
    const follows = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, channelId: `4000000000000000${String(i).padStart(2, '0')}`, query: 'q'.repeat(100), createdBy: '100000000000000001' }));
    expect(validateMessage(renderFollowList(follows, { max: 25 }))).toEqual([]);
    expect(renderFollowList([], { max: 25 }).content).toMatch(/^This server follows nothing yet/);
    const subs = Array.from({ length: 25 }, (_, i) => ({
      enabled: true,
      channelId: `4000000000000000${String(i).padStart(2, '0')}`,
      time: '08:00',
      timezone: 'America/Argentina/ComodRivadavia',
      topics: Array.from({ length: 30 }, (_, t) => `Topic number ${t}`),
      frequency: 'weekly' as const,
      weekday: 3,
      topStories: 10,
      nextRun: new Date('2026-11-25T11:00:00Z'),
      pausedReason: i === 3 ? 'x'.repeat(900) : null,
    }));
    const list = renderDigestList(subs, { max: 25 });
    expect(validateMessage(list)).toEqual([]);
    expect(list.embeds![0]!.fields![0]!.value).toMatch(/^<#400000000000000000> · weekly · Wednesdays 08:00 \(America\/Argentina\/ComodRivadavia\)\n/);
  });
});
