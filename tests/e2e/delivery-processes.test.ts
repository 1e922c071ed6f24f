import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBot } from '../../src/main.ts';
import { manualClock, startBotHarness, type BotHarness } from '../support/bot-harness.ts';
import { waitFor } from '../support/wait-for.ts';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Waits until a bot's cache holds every server of the loopback Discord, as GUILD_CREATE events arrive. */
const seesAll = (x: BotHarness, bot: RunningBot) =>
  waitFor(() => bot.client.guilds.cache.size === x.sandbox.guilds.length, { what: 'every GUILD_CREATE to reach the bot', timeout: 15_000 });

async function subscribeAll(bot: RunningBot, guilds: Array<{ id: string; channels: Array<{ id: string }> }>) {
  for (const g of guilds) await bot.engine.setSubscription({ guildId: g.id, channelId: g.channels[0]!.id, time: '08:00', timezone: 'UTC', topics: null });
}

const postsIn = (x: BotHarness, channelId: string) => x.sandbox.messages(channelId).filter((m) => !m.interaction);

describe('delivery at scale and across processes', () => {
  it('GIVEN 300 servers due at the same minute THEN each gets exactly one digest', { timeout: 90_000 }, async () => {
    h = await startBotHarness();
    const guilds = h.sandbox.addGuilds(300, { channel: 'daily' });
    await seesAll(h, h.bot);
    await subscribeAll(h.bot, guilds);
    h.clock.set('2026-11-22T08:00:00Z');
    const outcomes = await h.tick();
    expect(outcomes.filter((o) => o.status === 'delivered')).toHaveLength(300);
    const counts = guilds.map((g) => postsIn(h!, g.channels[0]!.id).length);
    expect(counts.every((n) => n === 1)).toBe(true);
    // A second tick in the same minute sends nothing more.
    expect(await h.tick()).toEqual([]);
  });

  it('GIVEN two bot processes on one database THEN every server gets one digest', { timeout: 60_000 }, async () => {
    h = await startBotHarness({ engine: { concurrency: 3 } });
    const guilds = h.sandbox.addGuilds(24, { channel: 'daily' });
    const other = await h.startAnother();
    await seesAll(h, h.bot);
    await seesAll(h, other);
    await subscribeAll(h.bot, guilds);
    h.clock.set('2026-11-22T08:00:00Z');
    const [a, b] = await Promise.all([h.tick(), other.engine.tick()]);
    expect(a.length + b.length).toBe(24);
    for (const g of guilds) expect(postsIn(h, g.channels[0]!.id)).toHaveLength(1);
  });

  it('GIVEN two databases on one token, each with its own server due at the same slot THEN both servers get their own digest', async () => {
    h = await startBotHarness();
    const second = h.sandbox.addGuild('Second', ['daily']);
    const other = await h.startAnother({ DATABASE_PATH: `${h.dir.root}/data/other.sqlite` });
    await seesAll(h, h.bot);
    await seesAll(h, other);
    await h.bot.engine.setSubscription({ guildId: h.guildId, channelId: h.channel('digest').id, time: '08:00', timezone: 'UTC', topics: null });
    await other.engine.setSubscription({ guildId: second.id, channelId: second.channels[0]!.id, time: '08:00', timezone: 'UTC', topics: null });
    h.clock.set('2026-11-22T08:00:00Z');
    const [a, b] = await Promise.all([h.tick(), other.engine.tick()]);
    expect([...a, ...b].map((o) => o.status)).toEqual(['delivered', 'delivered']);
    const mine = postsIn(h, h.channel('digest').id);
    const theirs = postsIn(h, second.channels[0]!.id);
    expect(mine).toHaveLength(1);
    expect(theirs).toHaveLength(1);
    expect(mine[0]!.nonce).not.toBe(theirs[0]!.nonce);
  });

  it('GIVEN 02:30 Europe/Paris on the day DST skips it THEN the digest runs at 03:00 local that day', async () => {
    h = await startBotHarness({ clock: manualClock('2026-03-28T12:00:00Z') });
    const set = await h.sandbox
      .runCommand({ name: 'digest', subcommand: 'set', user: h.sandbox.users.admin, options: { channel: h.channel('digest').id, time: '02:30', timezone: 'Europe/Paris' } })
      .reply();
    expect(set.content).toContain('Next: Sun, 29 Mar 2026, 03:00 (Europe/Paris)');
    h.clock.set('2026-03-29T00:59:59Z');
    expect(await h.tick()).toEqual([]);
    h.clock.set('2026-03-29T01:00:00Z');
    const [d] = await h.tick();
    expect(d).toMatchObject({ status: 'delivered', slot: '2026-03-29T01:00:00.000Z' });
    expect(postsIn(h, h.channel('digest').id)).toHaveLength(1);
  });
});
