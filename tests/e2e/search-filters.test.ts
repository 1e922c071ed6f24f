import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateMessage } from '../../src/payload/validate.ts';
import { startBotHarness, type BotHarness } from '../support/bot-harness.ts';
import { aggregatorArticle } from '../support/temp-dir.ts';

/** A schema A story with a source, a tag (its topic), a sentiment and "Impact on the crypto market" bullets. */
function rss(f: { title: string; date: string; source: string; tag: string; sentiment: string; impact?: string[] }): string {
  return [
    '---',
    `title: ${JSON.stringify(f.title)}`,
    `description: ${JSON.stringify(`About ${f.title}`)}`,
    `publishedAt: '${f.date}'`,
    `source: { name: ${f.source} }`,
    `tags: [${f.tag}]`,
    `sentiment: ${f.sentiment}`,
    '---',
    ...(f.impact ? ['## Impact on the crypto market', '', ...f.impact.map((b) => `- ${b}`), ''] : ['Body.', '']),
  ].join('\n');
}

// The clock starts at 2026-11-21T18:00Z: "7d" reaches back to the 14th, "24h" to the 20th at 18:00.
const ARTICLES: Record<string, string> = {
  'btc/p1.md': rss({ title: 'Bitcoin ETF inflows hit a record', date: '2026-11-21T12:00:00Z', source: 'Ledger Wire', tag: 'BITCOIN', sentiment: 'POSITIVE', impact: ['Inflows support the price.', 'Miners gain.'] }),
  'btc/p2.md': rss({ title: 'Bitcoin hashrate climbs', date: '2026-11-20T12:00:00Z', source: 'Ledger Wire', tag: 'BITCOIN', sentiment: 'POSITIVE', impact: ['Security improves.'] }),
  'btc/p3.md': rss({ title: 'Bitcoin adoption grows in shops', date: '2026-11-18T12:00:00Z', source: 'Chain Daily', tag: 'BITCOIN', sentiment: 'POSITIVE', impact: ['Payments volume may rise.'] }),
  'btc/n1.md': rss({ title: 'Bitcoin exchange hacked', date: '2026-11-21T09:00:00Z', source: 'Ledger Wire', tag: 'BITCOIN', sentiment: 'NEGATIVE', impact: ['Withdrawals paused.'] }),
  'btc/n2.md': rss({ title: 'Bitcoin miners sell reserves', date: '2026-11-17T09:00:00Z', source: 'Chain Daily', tag: 'BITCOIN', sentiment: 'NEGATIVE', impact: ['Selling pressure builds.'] }),
  'btc/u1.md': rss({ title: 'Bitcoin volatility stays low', date: '2026-11-19T09:00:00Z', source: 'Ledger Wire', tag: 'BITCOIN', sentiment: 'NEUTRAL', impact: ['Options get cheaper.'] }),
  'btc/u2.md': rss({ title: 'Bitcoin fees flat this week', date: '2026-11-16T09:00:00Z', source: 'Ledger Wire', tag: 'BITCOIN', sentiment: 'NEUTRAL', impact: ['Little change for users.'] }),
  'btc/old.md': rss({ title: 'Bitcoin rally of early November', date: '2026-11-05T09:00:00Z', source: 'Ledger Wire', tag: 'BITCOIN', sentiment: 'POSITIVE', impact: ['An old note.'] }),
  'btc/plain.md': rss({ title: 'Bitcoin conference opens', date: '2026-11-21T08:00:00Z', source: 'Chain Daily', tag: 'BITCOIN', sentiment: 'NEUTRAL' }),
  'eth/one.md': rss({ title: 'Ethereum fees fall after the upgrade', date: '2026-11-21T11:00:00Z', source: 'Chain Daily', tag: 'ETH', sentiment: 'POSITIVE', impact: ['Rollups get cheaper.'] }),
  'musk/one.md': aggregatorArticle({ title: 'Musk launches a payments app', date: '2026-11-21T08:00:00Z', topics: ['PAYMENTS'], sentiment: 'POSITIVE' }),
  'musk/two.md': aggregatorArticle({ title: 'Musk sued over token promotion', date: '2026-11-20T09:00:00Z', topics: ['LEGAL'], sentiment: 'NEGATIVE' }),
};

let h: BotHarness;
beforeEach(async () => {
  h = await startBotHarness({ articles: ARTICLES });
});
afterEach(async () => h?.close());

type Embed = { title: string; description: string; footer?: { text: string }; color?: number };
type Row = { components: Array<{ custom_id: string; disabled: boolean; label: string }> };
const within = (m: { body: Record<string, unknown> }) => expect(validateMessage(m.body)).toEqual([]);
const search = (options: Record<string, unknown>) => h.sandbox.runCommand({ name: 'news', subcommand: 'search', options }).reply();
const titles = (e: Embed) => e.description.split('\n\n').filter((x) => x.startsWith('**')).map((x) => x.split('\n')[0]!.replace(/^\*\*\d+\.\*\* /, ''));

describe('/news search forgives typos', () => {
  it('GIVEN etherium, muks and bitcon THEN Ethereum, Musk and Bitcoin stories, with the close spelling named', async () => {
    const eth = await search({ query: 'etherium' });
    within(eth);
    const e = eth.embeds[0] as Embed;
    expect(e.title).toBe('Results 1–1 of 1 for “etherium”');
    expect(e.description).toContain('_Close spellings: “etherium” → ethereum_');
    expect(titles(e)).toEqual(['Ethereum fees fall after the upgrade']);

    const musk = (await search({ query: 'muks' })).embeds[0] as Embed;
    expect(musk.title).toBe('Results 1–2 of 2 for “muks”');
    expect(titles(musk).map((t) => t.replace(/^\[|\]\(.*$/g, ''))).toEqual(['Musk launches a payments app', 'Musk sued over token promotion']);

    const btc = (await search({ query: 'bitcon' })).embeds[0] as Embed;
    expect(btc.title).toBe('Results 1–5 of 9 for “bitcon”');
  });

  it('GIVEN a word nothing matches THEN the reply suggests the closest archive word', async () => {
    const r = await search({ query: 'eteruem' });
    within(r);
    expect(r.embeds).toEqual([]);
    expect(r.content).toBe('No articles match “eteruem”. Did you mean **ethereum**?');
  });
});

describe('/news search filters', () => {
  it('GIVEN source, since, sentiment and topic THEN each narrows the results, and the footer names them', async () => {
    const bySource = (await search({ query: 'bitcoin', source: 'chain daily' })).embeds[0] as Embed;
    expect(bySource.title).toBe('Results 1–3 of 3 for “bitcoin”');
    expect(bySource.footer?.text).toBe('Page 1 of 1 · source Chain Daily');

    const lastDay = (await search({ query: 'bitcoin', since: '24h' })).embeds[0] as Embed;
    expect(titles(lastDay).sort()).toEqual(['Bitcoin ETF inflows hit a record', 'Bitcoin conference opens', 'Bitcoin exchange hacked']);
    expect(lastDay.footer?.text).toBe('Page 1 of 1 · last 24 hours');

    const fromDate = (await search({ query: 'bitcoin', since: '2026-11-19' })).embeds[0] as Embed;
    expect(fromDate.title).toBe('Results 1–5 of 5 for “bitcoin”');

    const negative = (await search({ query: 'bitcoin', sentiment: 'negative', topic: 'bitcoin' })).embeds[0] as Embed;
    expect(titles(negative).sort()).toEqual(['Bitcoin exchange hacked', 'Bitcoin miners sell reserves']);
    expect(negative.footer?.text).toBe('Page 1 of 1 · topic Bitcoin · negative');
  });

  it('GIVEN sort newest THEN newest first, and ◀ ▶ pages keep every filter', async () => {
    const page1 = await search({ query: 'bitcoin', source: 'Ledger Wire', sort: 'newest' });
    within(page1);
    const e1 = page1.embeds[0] as Embed;
    expect(e1.title).toBe('Results 1–5 of 6 for “bitcoin”');
    expect(titles(e1)).toEqual(['Bitcoin ETF inflows hit a record', 'Bitcoin exchange hacked', 'Bitcoin hashrate climbs', 'Bitcoin volatility stays low', 'Bitcoin fees flat this week']);
    expect(e1.footer?.text).toBe('Page 1 of 2 · source Ledger Wire · newest first');
    const next = (page1.components[0] as Row).components[1]!.custom_id;
    await h.sandbox.clickComponent({ channelId: page1.channel_id, messageId: page1.id, customId: next }).firstResponse();
    const page2 = h.sandbox.messages(page1.channel_id).find((m) => m.id === page1.id)!;
    within(page2);
    const e2 = page2.embeds[0] as Embed;
    expect(e2.title).toBe('Results 6–6 of 6 for “bitcoin”');
    expect(titles(e2)).toEqual(['Bitcoin rally of early November']);
    expect(e2.footer?.text).toBe('Page 2 of 2 · source Ledger Wire · newest first');
  });

  it('GIVEN filters that leave nothing THEN the reply says so and names them', async () => {
    const r = await search({ query: 'ethereum', source: 'Ledger Wire' });
    expect(r.content).toBe('No articles match “ethereum” (source Ledger Wire). Try without some of the filters, or with fewer words.');
    // The close spelling was searched too, and filtered out: the filters are what to change, not the word.
    const typo = await search({ query: 'etherium', source: 'Ledger Wire' });
    expect(typo.content).toBe('No articles match “etherium” (source Ledger Wire). Try without some of the filters, or with fewer words.');
  });

  it('GIVEN a bad since, source, sort or topic THEN an ephemeral explanation of what is accepted', async () => {
    for (const [options, text] of [
      [{ since: 'yesterday' }, '“yesterday” is not a period. Use 24h, 7d, 30d or a date such as 2026-11-20.'],
      [{ since: '2026-02-30' }, '“2026-02-30” is not a real date. Use 24h, 7d, 30d or a date such as 2026-11-20.'],
      [{ since: '2027-01-01' }, '“2027-01-01” is in the future: nothing was published since then. Use 24h, 7d, 30d or a date such as 2026-11-20.'],
      [{ source: 'Nobody Times' }, 'There is no source called “Nobody Times”. Pick one from the suggestions.'],
      [{ sort: 'oldest' }, '“oldest” is not a sort. Use relevance (best match first) or newest.'],
      [{ topic: 'Gardening' }, 'There is no topic called “Gardening”. Pick one from the suggestions, or run /news topics to see them all.'],
    ] as const) {
      const r = await search({ query: 'bitcoin', ...options });
      expect(r.interaction?.ephemeral).toBe(true);
      expect(r.content).toBe(text);
    }
  });

  it('GIVEN source and since being typed THEN autocomplete offers sources with counts, and the usual periods', async () => {
    const sources = await h.sandbox.autocomplete({ name: 'news', subcommand: 'search', focused: 'source', options: { query: 'x', source: 'ledg' } }).waitFor((x) => x.choices);
    expect(sources).toEqual([{ name: 'Ledger Wire (6)', value: 'Ledger Wire' }]);
    const periods = await h.sandbox.autocomplete({ name: 'news', subcommand: 'search', focused: 'since', options: { query: 'x', since: '' } }).waitFor((x) => x.choices);
    expect(periods).toEqual([
      { name: '24h', value: '24h' },
      { name: '7d', value: '7d' },
      { name: '30d', value: '30d' },
    ]);
    const topics = await h.sandbox.autocomplete({ name: 'news', subcommand: 'impact', focused: 'topic', options: { topic: 'bit' } }).waitFor((x) => x.choices);
    expect(topics).toEqual([{ name: 'Bitcoin (9)', value: 'Bitcoin' }]);
  });
});

describe('/news impact for a topic', () => {
  it('GIVEN topic and since:7d THEN the period’s bullets grouped by sentiment, paged, old and bullet-less articles left out', async () => {
    const handle = h.sandbox.runCommand({ name: 'news', subcommand: 'impact', options: { topic: 'bitcoin', since: '7d' } });
    const page1 = await handle.reply();
    within(page1);
    expect(page1.content).toBe('**Impact on the crypto market · Bitcoin** · last 7 days');
    const embeds = page1.embeds as Embed[];
    expect(embeds.map((e) => e.title)).toEqual(['🟢 Positive', '🔴 Negative']);
    expect(embeds[0]!.description).toContain('• Inflows support the price.\n• Miners gain.');
    expect(embeds[0]!.description.match(/\*\*\d\.\*\*/g)).toEqual(['**1.**', '**2.**', '**3.**']);
    expect(embeds[1]!.description.match(/\*\*\d\.\*\*/g)).toEqual(['**4.**', '**5.**']);
    expect(embeds.at(-1)!.footer?.text).toBe('Page 1 of 2 · 7 articles with impact notes');
    const row = page1.components[0] as Row;
    await h.sandbox.clickComponent({ channelId: page1.channel_id, messageId: page1.id, customId: row.components[1]!.custom_id }).firstResponse();
    const page2 = h.sandbox.messages(page1.channel_id).find((m) => m.id === page1.id)!;
    within(page2);
    const e2 = page2.embeds as Embed[];
    expect(e2.map((e) => e.title)).toEqual(['⚪ Neutral']);
    expect(e2[0]!.description).toContain('• Options get cheaper.');
    expect(e2[0]!.description).not.toContain('An old note.');
    expect(e2[0]!.footer?.text).toBe('Page 2 of 2 · 7 articles with impact notes');
  });

  it('GIVEN neither, both, or since with an article THEN an ephemeral explanation; an article alone still works', async () => {
    for (const [options, text] of [
      [{}, 'Pick an article (start typing a title) or a topic, e.g. /news impact topic:Bitcoin since:7d.'],
      [{ article: 'eth/one', topic: 'Bitcoin' }, 'Pick an article or a topic, not both: /news impact article:<title>, or /news impact topic:<topic> since:7d.'],
      [{ article: 'eth/one', since: '7d' }, 'since applies to a topic, not to one article: /news impact topic:<topic> since:7d.'],
      [{ topic: 'Bitcoin', since: 'soon' }, '“soon” is not a period. Use 24h, 7d, 30d or a date such as 2026-11-20.'],
    ] as const) {
      const r = await h.sandbox.runCommand({ name: 'news', subcommand: 'impact', options }).reply();
      expect(r.interaction?.ephemeral).toBe(true);
      expect(r.content).toBe(text);
    }
    const one = await h.sandbox.runCommand({ name: 'news', subcommand: 'impact', options: { article: 'eth/one' } }).reply();
    expect((one.embeds[0] as Embed).description).toBe('**Impact on the crypto market**\n• Rollups get cheaper.');
  });

  it('GIVEN a topic with no notes in the period THEN the reply says so', async () => {
    const r = await h.sandbox.runCommand({ name: 'news', subcommand: 'impact', options: { topic: 'Payments', since: '30d' } }).reply();
    expect(r.content).toBe('**Impact on the crypto market · Payments** · last 30 days\nNo Payments article in this period has impact notes. Try a longer period, e.g. since:30d.');
  });
});
