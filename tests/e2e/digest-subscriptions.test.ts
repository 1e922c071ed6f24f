import { afterEach, describe, expect, it } from 'vitest';
import { validateMessage } from '../../src/payload/validate.ts';
import { manualClock, startBotHarness, type BotHarness } from '../support/bot-harness.ts';
import { aggregatorArticle } from '../support/temp-dir.ts';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Every message the bot posted in a channel, and in the threads started from them, as searchable text. */
function channelText(x: BotHarness, channelId: string): string {
  const out: string[] = [];
  for (const m of x.sandbox.messages(channelId).filter((m) => !m.interaction)) {
    out.push(m.content, JSON.stringify(m.embeds));
    const thread = x.sandbox.thread(m.id);
    if (thread) for (const t of x.sandbox.messages(thread.id)) out.push(t.content, JSON.stringify(t.embeds));
  }
  return out.join('\n');
}

const posts = (x: BotHarness, channelId: string) => x.sandbox.messages(channelId).filter((m) => !m.interaction);

const admin = (x: BotHarness) => x.sandbox.users.admin;
const digestCommand = (x: BotHarness, subcommand: string, options: Record<string, unknown> = {}) =>
  x.sandbox.runCommand({ name: 'digest', subcommand, user: admin(x), options }).reply();

describe('several digests in one server', () => {
  it('GIVEN #digest daily for Payments and #news weekly on Sundays for everything THEN each channel gets its own digest once, with its own topics and period', async () => {
    h = await startBotHarness();
    const digestId = h.channel('digest').id;
    const newsId = h.channel('news').id;
    const daily = await digestCommand(h, 'set', { channel: digestId, time: '08:00', timezone: 'UTC', topics: 'Payments', top_stories: 3 });
    expect(daily.interaction?.ephemeral).toBe(true);
    expect(daily.content).toBe(
      `✅ The daily digest will be posted in <#${digestId}> at **08:00** (UTC) for Payments, opening with 3 top stories.\nNext: Sun, 22 Nov 2026, 08:00 (UTC). Use /digest send-now to post one right away.`,
    );
    h.clock.advance(60_000);
    const weekly = await digestCommand(h, 'set', { channel: newsId, time: '08:00', timezone: 'UTC', frequency: 'weekly', weekday: 7 });
    expect(weekly.content).toBe(
      `✅ The weekly digest will be posted in <#${newsId}> every **Sunday** at **08:00** (UTC).\nNext: Sun, 22 Nov 2026, 08:00 (UTC). Use /digest send-now channel:#news to post one right away.`,
    );

    const list = await digestCommand(h, 'list');
    expect(list.interaction?.ephemeral).toBe(true);
    expect(validateMessage(list.body)).toEqual([]);
    const fields = (list.embeds[0] as { title: string; fields: Array<{ name: string; value: string }> }).fields;
    expect((list.embeds[0] as { title: string }).title).toBe('📰 Digests · 2/25');
    expect(fields.map((f) => f.value.split('\n')[0])).toEqual([`<#${digestId}> · daily · 08:00 (UTC)`, `<#${newsId}> · weekly · Sundays 08:00 (UTC)`]);
    expect(fields[0]!.value).toContain('Topics: Payments · top stories: 3');

    // Both fall due at the same instant in one server: two deliveries, one per channel.
    h.clock.set('2026-11-22T08:00:00Z');
    const outcomes = await h.tick();
    expect(outcomes.map((o) => [o.channelId, o.status]).sort()).toEqual(
      [
        [digestId, 'delivered'],
        [newsId, 'delivered'],
      ].sort(),
    );
    const rows = await h.bot.digestStore.listDeliveries(h.guildId);
    const byChannel = Object.fromEntries(rows.map((d) => [d.channelId, d]));
    expect(byChannel[digestId]).toMatchObject({ topics: ['Payments'], frequency: 'daily', topStories: 3, periodFrom: new Date('2026-11-21T08:00:00Z') });
    expect(byChannel[newsId]).toMatchObject({ topics: null, frequency: 'weekly', topStories: 5, periodFrom: new Date('2026-11-15T08:00:00Z') });

    const dailyText = channelText(h, digestId);
    expect(posts(h, digestId)[0]!.content).toMatch(/^📰 \*\*Daily digest/);
    expect(dailyText).toContain('Musk launches a payments app');
    expect(dailyText).not.toContain('Musk sued over token promotion');
    const weeklyText = channelText(h, newsId);
    expect(posts(h, newsId)[0]!.content).toMatch(/^📰 \*\*Weekly digest/);
    // The week's stories, from the 19th too, which a daily digest would not reach.
    for (const title of ['Musk launches a payments app', 'Musk sued over token promotion', 'Musk denies crypto rumour', 'Ethereum upgrade ships on time']) expect(weeklyText).toContain(title);
    // Every message of both digests: within Discord's limits, no mentions, and nonces that never collide across channels.
    const all = [...posts(h, digestId), ...posts(h, newsId)];
    for (const m of all) {
      expect(validateMessage(m.body)).toEqual([]);
      expect(m.body.allowed_mentions).toEqual({ parse: [] });
    }
    const nonces = all.map((m) => m.body.nonce);
    expect(new Set(nonces).size).toBe(nonces.length);

    // Nothing more at the same slot, from this process or after a restart.
    const before = all.length;
    expect(await h.tick()).toEqual([]);
    await h.restart();
    expect(await h.tick()).toEqual([]);
    expect(posts(h, digestId).length + posts(h, newsId).length).toBe(before);

    // The next day only the daily one is due.
    h.clock.set('2026-11-23T08:00:00Z');
    expect((await h.tick()).map((o) => o.channelId)).toEqual([digestId]);
    expect((await h.bot.engine.subscription(h.guildId, newsId))?.nextDueAt).toEqual(new Date('2026-11-29T08:00:00Z'));
  });

  it('GIVEN two digests THEN status, send-now and off ask which channel, and act on that one only', async () => {
    h = await startBotHarness();
    const digestId = h.channel('digest').id;
    const newsId = h.channel('news').id;
    await digestCommand(h, 'set', { channel: digestId, time: '08:00', timezone: 'UTC' });
    await digestCommand(h, 'set', { channel: newsId, time: '09:00', timezone: 'Europe/Paris', frequency: 'weekly', weekday: 1 });

    const ambiguous = await digestCommand(h, 'status');
    expect(ambiguous.interaction?.ephemeral).toBe(true);
    // Set at the same instant (the clock is frozen): listed by channel id, #news first.
    expect(ambiguous.content).toBe(`This server has 2 digests (<#${newsId}>, <#${digestId}>). Name the one to show: add channel:#…`);
    const status = await digestCommand(h, 'status', { channel: newsId });
    const fields = Object.fromEntries((status.embeds[0] as { fields: Array<{ name: string; value: string }> }).fields.map((f) => [f.name, f.value]));
    expect((status.embeds[0] as { title: string }).title).toBe('📰 Weekly digest: on');
    expect(fields).toMatchObject({ Channel: `<#${newsId}>`, Time: 'Mondays 09:00 (Europe/Paris)', 'Top stories': '5', 'Next run': 'Mon, 23 Nov 2026, 09:00 (Europe/Paris)' });

    expect((await digestCommand(h, 'send-now')).content).toMatch(/^This server has 2 digests/);
    const sent = await digestCommand(h, 'send-now', { channel: newsId });
    expect(sent.content).toMatch(new RegExp(`^✅ Posted the digest in <#${newsId}>`));
    expect(posts(h, newsId).length).toBeGreaterThan(0);
    expect(posts(h, digestId)).toEqual([]);
    // A weekly send-now reaches back a week, not a day.
    expect(await h.bot.engine.latestDelivery(h.guildId, newsId)).toMatchObject({ reason: 'manual', frequency: 'weekly', periodFrom: new Date('2026-11-14T18:00:00Z') });

    const off = await digestCommand(h, 'off', { channel: newsId });
    expect(off.content).toBe(`🛑 The weekly digest in <#${newsId}> is off. /digest set turns it back on.`);
    expect((await h.bot.engine.subscriptions(h.guildId)).map((s) => [s.channelId, s.enabled])).toEqual([
      [newsId, false],
      [digestId, true],
    ]);
    // With one left on, no channel is needed again.
    const status2 = await digestCommand(h, 'status');
    expect((status2.embeds[0] as { title: string }).title).toBe('📰 Daily digest: on');
    expect((await digestCommand(h, 'status', { channel: h.channel('news').id })).embeds).toHaveLength(1);
  });

  it('GIVEN bad weekly options THEN ephemeral explanations, and nothing saved', async () => {
    h = await startBotHarness();
    const digestId = h.channel('digest').id;
    const base = { channel: digestId, time: '08:00', timezone: 'UTC' };
    expect((await digestCommand(h, 'set', { ...base, frequency: 'weekly' })).content).toBe('A weekly digest needs a weekday: add weekday:Monday (or any other day).');
    expect((await digestCommand(h, 'set', { ...base, frequency: 'daily', weekday: 2 })).content).toBe(
      'A daily digest is posted every day, so it takes no weekday. Choose frequency:weekly to post it once a week.',
    );
    expect(await h.bot.engine.subscriptions(h.guildId)).toEqual([]);
    // A weekday alone means weekly.
    expect((await digestCommand(h, 'set', { ...base, weekday: 3 })).content).toMatch(/^✅ The weekly digest will be posted in .* every \*\*Wednesday\*\*/);
  });
});

/** A week of stories around the end of DST in Berlin (25 October 2026). */
const DST_ARTICLES: Record<string, string> = {
  'week/before-week.md': aggregatorArticle({ title: 'Story from before the week', date: '2026-10-19T05:30:00Z', topics: ['Markets'], sentiment: 'NEUTRAL' }),
  // Monday 19 October 08:30 CEST: inside the local week, though more than 168 hours before the next Monday 08:00 CET.
  'week/first-hour.md': aggregatorArticle({ title: 'Story in the first hour of the week', date: '2026-10-19T06:30:00Z', topics: ['Markets'], sentiment: 'POSITIVE' }),
  'week/dst-day.md': aggregatorArticle({ title: 'Story on the day clocks went back', date: '2026-10-25T10:00:00Z', topics: ['Bitcoin'], sentiment: 'NEGATIVE' }),
};
/** Saved later: an article dated more than a day ahead of the bot's clock is refused, so it cannot be there from the start. */
const NEXT_WEEK = aggregatorArticle({ title: 'Story of the following week', date: '2026-10-28T10:00:00Z', topics: ['Bitcoin'], sentiment: 'POSITIVE' });

describe('weekly digest across a DST change', () => {
  it('GIVEN Mondays 08:00 in Berlin THEN the digest goes out at 08:00 local on both sides of the change, covering the local week each time', async () => {
    h = await startBotHarness({ articles: DST_ARTICLES, clock: manualClock('2026-10-26T06:00:00Z') });
    const digestId = h.channel('digest').id;
    const set = await digestCommand(h, 'set', { channel: digestId, time: '08:00', timezone: 'Europe/Berlin', frequency: 'weekly', weekday: 1 });
    expect(set.content).toContain('Next: Mon, 26 Oct 2026, 08:00 (Europe/Berlin)');
    // 08:00 CET after the change is 07:00 UTC.
    expect((await h.bot.engine.subscription(h.guildId))?.nextDueAt).toEqual(new Date('2026-10-26T07:00:00Z'));

    h.clock.set('2026-10-26T06:59:59Z');
    expect(await h.tick()).toEqual([]);
    h.clock.set('2026-10-26T07:00:00Z');
    expect((await h.tick()).map((o) => o.status)).toEqual(['delivered']);
    const first = await h.bot.engine.latestDelivery(h.guildId, digestId);
    // The week before the slot is 169 hours long: Monday 08:00 CEST to Monday 08:00 CET.
    expect(first).toMatchObject({ reason: 'scheduled', frequency: 'weekly', periodFrom: new Date('2026-10-19T06:00:00Z'), periodTo: new Date('2026-10-26T07:00:00Z'), articleCount: 2 });
    expect(posts(h, digestId)[0]!.content).toMatch(/^📰 \*\*Weekly digest/);
    const text = channelText(h, digestId);
    expect(text).toContain('Story in the first hour of the week');
    expect(text).toContain('Story on the day clocks went back');
    expect(text).not.toContain('Story from before the week');

    expect((await h.bot.engine.subscription(h.guildId))?.nextDueAt).toEqual(new Date('2026-11-02T07:00:00Z'));
    const count = posts(h, digestId).length;
    // A story saved on the 29th (loaded by the restart) is in the next week's digest.
    h.clock.set('2026-10-29T00:00:00Z');
    await h.dir.write('content/week/next-week.md', NEXT_WEEK);
    await h.restart();
    h.clock.set('2026-11-02T07:00:00Z');
    expect((await h.tick()).map((o) => o.status)).toEqual(['delivered']);
    const second = await h.bot.engine.latestDelivery(h.guildId, digestId);
    expect(second).toMatchObject({ periodFrom: new Date('2026-10-26T07:00:00Z'), periodTo: new Date('2026-11-02T07:00:00Z'), articleCount: 1 });
    const secondText = posts(h, digestId).slice(count).map((m) => `${m.content}\n${JSON.stringify(m.embeds)}`).join('\n');
    expect(secondText).not.toContain('Story on the day clocks went back');
    expect(channelText(h, digestId)).toContain('Story of the following week');
  });

  it('GIVEN the bot was down for three Mondays THEN one catch-up digest covers only the last week, and nothing is repeated after a restart', async () => {
    h = await startBotHarness({ articles: DST_ARTICLES, clock: manualClock('2026-10-20T12:00:00Z') });
    const digestId = h.channel('digest').id;
    await digestCommand(h, 'set', { channel: digestId, time: '08:00', timezone: 'Europe/Berlin', frequency: 'weekly', weekday: 1 });
    await h.stopBot();
    h.clock.set('2026-11-18T12:00:00Z');
    await h.startAgain();
    // The ticker's first run (at start) or this one delivers it; either way, once.
    await h.tick();
    expect((await h.bot.digestStore.listDeliveries(h.guildId)).map((d) => [d.reason, d.status])).toEqual([['catch-up', 'delivered']]);
    expect(await h.bot.engine.latestDelivery(h.guildId, digestId)).toMatchObject({
      slot: '2026-11-16T07:00:00.000Z',
      reason: 'catch-up',
      periodFrom: new Date('2026-11-09T07:00:00Z'),
      periodTo: new Date('2026-11-16T07:00:00Z'),
    });
    // No story arrived in that week (the bot saw none while it was down), so the one message says so, for the week only.
    expect(posts(h, digestId)).toHaveLength(1);
    expect(posts(h, digestId)[0]!.content).toMatch(/^📰 No new articles for Monday 9 November 2026 \(Europe\/Berlin\)/);
    const n = posts(h, digestId).length;
    await h.restart();
    expect(await h.tick()).toEqual([]);
    expect(posts(h, digestId)).toHaveLength(n);
    expect((await h.bot.engine.subscription(h.guildId))?.nextDueAt).toEqual(new Date('2026-11-23T07:00:00Z'));
  });
});
