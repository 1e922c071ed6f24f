import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateMessage } from '../../src/payload/validate.ts';
import { startBotHarness, type BotHarness } from '../support/bot-harness.ts';
import { aggregatorArticle } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait-for.ts';

// A fresh bot, content folder and loopback Discord per test, so no test sees another's files, clock or commands.
let h: BotHarness;
beforeEach(async () => {
  h = await startBotHarness({ watch: true });
});
afterEach(async () => h?.close());

const within = (m: { body: Record<string, unknown> }) => expect(validateMessage(m.body)).toEqual([]);

describe('the bot on a loopback Discord', () => {
  it('logs in and registers /news and /digest in the dev guild with one bulk PUT', () => {
    const names = h.sandbox.commands(h.guildId).map((c) => c.name);
    expect(names).toEqual(['news', 'digest']);
    const puts = h.sandbox.requests.filter((r) => r.method === 'PUT');
    expect(puts).toEqual([expect.objectContaining({ path: `/applications/${h.sandbox.application.id}/guilds/${h.guildId}/commands`, status: 200 })]);
    const digest = h.sandbox.commands(h.guildId).find((c) => c.name === 'digest')!;
    expect(digest.default_member_permissions).toBe('32');
  });

  it('/news latest: an embed list, newest first, within limits, no mentions', async () => {
    const reply = await h.sandbox.runCommand({ name: 'news', subcommand: 'latest', options: { count: 3 } }).reply();
    const embed = reply.embeds[0] as { title: string; description: string };
    expect(embed.title).toBe('Latest 3 articles');
    expect(embed.description.split('\n\n').map((e) => e.split('\n')[0])).toEqual([
      '**1.** Ethereum upgrade ships on time',
      '**2.** [Musk talks AI safety on stage](https://example.com/musk-talks-ai-safety-on-stage)',
      '**3.** [Musk sued over token promotion](https://example.com/musk-sued-over-token-promotion)',
    ]);
    expect(reply.body.allowed_mentions).toEqual({ parse: [] });
    within(reply);
  });

  it('/news latest with a topic alias and a sentiment filters; an unknown topic gets an ephemeral explanation', async () => {
    const ai = await h.sandbox.runCommand({ name: 'news', subcommand: 'latest', options: { topic: 'artificial intelligence' } }).reply();
    expect((ai.embeds[0] as { description: string }).description).toContain('Musk talks AI safety on stage');
    expect((ai.embeds[0] as { title: string }).title).toBe('Latest 1 article · AI');
    const bad = await h.sandbox.runCommand({ name: 'news', subcommand: 'latest', options: { topic: 'Gardening' } }).reply();
    expect(bad.interaction?.ephemeral).toBe(true);
    expect(bad.content).toBe('There is no topic called “Gardening”. Pick one from the suggestions, or run /news topics to see them all.');
  });

  it('/news latest topic autocomplete suggests topics with counts', async () => {
    const handle = h.sandbox.autocomplete({ name: 'news', subcommand: 'latest', focused: 'topic', options: { topic: 'pay' } });
    expect(await handle.waitFor((x) => x.choices)).toEqual([{ name: 'Payments (2)', value: 'Payments' }]);
  });

  it('/news search musk: 5 per page, ◀ ▶ paging by the searcher only, expired pages explained', async () => {
    const handle = h.sandbox.runCommand({ name: 'news', subcommand: 'search', options: { query: 'musk' } });
    const page1 = await handle.reply();
    within(page1);
    const e1 = page1.embeds[0] as { title: string; description: string; footer: { text: string } };
    expect(e1.title).toBe('Results 1–5 of 7 for “musk”');
    expect(e1.description.match(/\*\*\d+\.\*\*/g)).toEqual(['**1.**', '**2.**', '**3.**', '**4.**', '**5.**']);
    const row = page1.components[0] as { components: Array<{ custom_id: string; disabled: boolean; label: string }> };
    expect(row.components.map((b) => [b.label, b.disabled])).toEqual([
      ['◀ Previous', true],
      ['Next ▶', false],
    ]);
    for (const b of row.components) expect(b.custom_id.length).toBeLessThanOrEqual(100);

    const next = row.components[1]!.custom_id;
    const stranger = await h.sandbox.clickComponent({ channelId: page1.channel_id, messageId: page1.id, customId: next, user: h.sandbox.users.admin }).reply();
    expect(stranger.interaction?.ephemeral).toBe(true);
    expect(stranger.content).toMatch(/^Only the person who ran this search can turn its pages/);

    await h.sandbox.clickComponent({ channelId: page1.channel_id, messageId: page1.id, customId: next }).firstResponse();
    const page2 = h.sandbox.messages(page1.channel_id).find((m) => m.id === page1.id)!;
    const e2 = page2.embeds[0] as { title: string; description: string };
    expect(e2.title).toBe('Results 6–7 of 7 for “musk”');
    expect(e2.description).toContain('Musk @\u200beveryone post draws attention');
    within(page2);

    h.clock.advance(16 * 60 * 1000);
    const expired = await h.sandbox.clickComponent({ channelId: page1.channel_id, messageId: page1.id, customId: next }).reply();
    expect(expired.content).toBe('These results have expired. Run /news search again to get fresh pages.');
  });

  it('/news search with an empty query gets an ephemeral explanation', async () => {
    const r = await h.sandbox.runCommand({ name: 'news', subcommand: 'search', options: { query: '   ' } }).reply();
    expect(r.interaction?.ephemeral).toBe(true);
    expect(r.content).toMatch(/^Type at least one word to search for/);
  });

  it('/news impact: autocomplete over titles, then the bullets with title, link, source, date, topics and sentiment', async () => {
    const ac = h.sandbox.autocomplete({ name: 'news', subcommand: 'impact', focused: 'article', options: { article: 'ether' } });
    const choices = await ac.waitFor((x) => x.choices);
    expect(choices).toEqual([{ name: 'Ethereum upgrade ships on time', value: 'impact/eth' }]);
    const empty = await h.sandbox.autocomplete({ name: 'news', subcommand: 'impact', focused: 'article', options: { article: '' } }).waitFor((x) => x.choices);
    expect(empty.length).toBe(8);

    const reply = await h.sandbox.runCommand({ name: 'news', subcommand: 'impact', options: { article: 'impact/eth' } }).reply();
    const e = reply.embeds[0] as { title: string; url?: string; description: string; fields: Array<{ name: string; value: string }> };
    expect(e.title).toBe('Ethereum upgrade ships on time');
    expect(e.url).toBeUndefined();
    expect(e.description).toBe('**Impact on the crypto market**\n• Lower fees could attract users.\n• Staking demand may rise.');
    expect(e.fields.map((f) => [f.name, f.value])).toEqual([
      ['Source', 'Ledger Wire'],
      ['Published', 'Sat, 21 Nov 2026, 11:30 (UTC)'],
      ['Sentiment', '🟢 Positive'],
      ['Topics', 'Ethereum'],
    ]);

    const none = await h.sandbox.runCommand({ name: 'news', subcommand: 'impact', options: { article: 'musk/one' } }).reply();
    expect((none.embeds[0] as { description: string }).description).toMatch(/^This article has no “Impact on the crypto market” section\./);
    expect((none.embeds[0] as { url: string }).url).toBe('https://example.com/musk-launches-a-payments-app');

    const unknown = await h.sandbox.runCommand({ name: 'news', subcommand: 'impact', options: { article: 'zzzz qqqq' } }).reply();
    expect(unknown.interaction?.ephemeral).toBe(true);
    expect(unknown.content).toMatch(/^No article matches “zzzz qqqq”/);
  });

  it('/news topics lists topics with counts', async () => {
    const r = await h.sandbox.runCommand({ name: 'news', subcommand: 'topics' }).reply();
    const e = r.embeds[0] as { title: string; description: string };
    expect(e.title).toBe('7 topics');
    expect(e.description.split('\n')[0]).toBe('**Payments** · 2');
  });

  it('/news digest: an ephemeral preview of that day, grouped by sentiment then topic', async () => {
    const handle = h.sandbox.runCommand({ name: 'news', subcommand: 'digest', options: { date: '2026-11-21' } });
    const first = await handle.reply();
    expect(handle.responses[0]!.type).toBe(5);
    expect(first.interaction?.ephemeral).toBe(true);
    within(first);
    // The four stories of Saturday 21 November (UTC); Friday's and Thursday's are left out.
    const timestamp = '2026-11-21T00:00:00.000Z';
    // As posted: the mood line, and the top stories with the first impact bullet read from the file.
    expect(first.content).toBe(
      '📰 **Daily digest — Saturday 21 November 2026** (UTC)\n**4** articles: 🟢 2 positive · 🔴 1 negative · ⚪ 1 neutral\n📊 **Market mood:** about as usual: 50% positive, 25% negative, 25% neutral _(this period vs the 7 days before)_',
    );
    const [top, ...groups] = first.embeds;
    expect(top).toMatchObject({ title: '⭐ Top 4 stories' });
    expect(String(top!.description)).toMatch(/^\*\*1\.\*\* Ethereum upgrade ships on time\nLedger Wire · 🟢 Positive\n> ↳ Lower fees could attract users\.\n\n\*\*2\.\*\* /);
    expect({ content: '', embeds: groups }).toEqual({
      content: '',
      embeds: [
        {
          title: '🟢 Positive · 2',
          color: 0x2ecc71,
          fields: [
            { name: 'Ethereum (1)', value: '• Ethereum upgrade ships on time — Ledger Wire' },
            { name: 'Payments (1)', value: '• [Musk launches a payments app](https://example.com/musk-launches-a-payments-app) — Test Source' },
          ],
          timestamp,
        },
        {
          title: '🔴 Negative · 1',
          color: 0xe74c3c,
          fields: [{ name: 'Legal (1)', value: '• [Musk sued over token promotion](https://example.com/musk-sued-over-token-promotion) — Test Source' }],
          timestamp,
        },
        {
          title: '⚪ Neutral · 1',
          color: 0x95a5a6,
          fields: [{ name: 'AI (1)', value: '• [Musk talks AI safety on stage](https://example.com/musk-talks-ai-safety-on-stage) — Test Source' }],
          timestamp,
        },
      ],
    });

    const bad = await h.sandbox.runCommand({ name: 'news', subcommand: 'digest', options: { date: '2026-13-45' } }).reply();
    expect(bad.content).toBe('“2026-13-45” is not a date. Use YYYY-MM-DD, for example 2026-11-21.');
  });

  it('GIVEN a new article file lands THEN search finds it within seconds, without a restart', async () => {
    await h.dir.write('content/late/new.md', aggregatorArticle({ title: 'Freshly landed zebracoin story', date: '2026-11-21T17:00:00Z' }));
    await waitFor(() => h.bot.store.search('zebracoin').total === 1, { what: 'the new article to be indexed' });
    const r = await h.sandbox.runCommand({ name: 'news', subcommand: 'search', options: { query: 'zebracoin' } }).reply();
    expect((r.embeds[0] as { title: string }).title).toBe('Results 1–1 of 1 for “zebracoin”');
  });

  it('never logs the token', async () => {
    // Login, command registration and a few commands: the paths that handle the token or log requests.
    await h.sandbox.runCommand({ name: 'news', subcommand: 'search', options: { query: 'musk' } }).reply();
    await h.sandbox.runCommand({ name: 'news', subcommand: 'latest' }).reply();
    await h.sandbox.runCommand({ name: 'digest', subcommand: 'status', user: h.sandbox.users.admin }).reply();
    expect(h.logs.lines.length).toBeGreaterThan(0);
    expect(h.logs.raw.join('\n')).not.toContain(h.sandbox.token);
  });
});
