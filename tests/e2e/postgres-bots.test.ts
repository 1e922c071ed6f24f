import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBot } from '../../src/main.ts';
import { startBotHarness, type BotHarness } from '../support/bot-harness.ts';
import { usePostgres } from '../support/postgres.ts';
import { waitFor } from '../support/wait-for.ts';

const postgres = usePostgres();
let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const seesAll = (x: BotHarness, bot: RunningBot) =>
  waitFor(() => bot.client.guilds.cache.size === x.sandbox.guilds.length, { what: 'every GUILD_CREATE to reach the bot', timeout: 15_000 });
const postsIn = (x: BotHarness, channelId: string) => x.sandbox.messages(channelId).filter((m) => !m.interaction);

describe('bots on Postgres (DATABASE_URL)', () => {
  it('GIVEN two bot processes on one Postgres THEN they share subscriptions and settings, and every server gets exactly one digest', { timeout: 60_000 }, async () => {
    // One IDENTIFY per 5 s is Discord's rule, not what this test is about: three bots start at once here.
    h = await startBotHarness({ engine: { concurrency: 3 }, sandbox: { gateway: { identifyIntervalMs: 0 } } });
    const url = await postgres().freshDatabase();
    const guilds = h.sandbox.addGuilds(24, { channel: 'daily' });
    const a = await h.startAnother({ DATABASE_URL: url });
    const b = await h.startAnother({ DATABASE_URL: url });
    await seesAll(h, a);
    await seesAll(h, b);
    // The command registration's hash is a setting in the shared database: the second process finds it.
    const registration = h.logs.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('slash commands')).map((l) => l.msg);
    expect(registration.slice(-2)).toEqual(['slash commands registered', 'slash commands unchanged; not registered again']);

    for (const g of guilds) await a.engine.setSubscription({ guildId: g.id, channelId: g.channels[0]!.id, time: '08:00', timezone: 'UTC', topics: null });
    expect(await b.engine.subscription(guilds[5]!.id)).toMatchObject({ channelId: guilds[5]!.channels[0]!.id, enabled: true });
    h.clock.set('2026-11-22T08:00:00Z');
    const [x, y] = await Promise.all([a.engine.tick(), b.engine.tick()]);
    expect([...x, ...y].filter((o) => o.status === 'delivered')).toHaveLength(24);
    for (const g of guilds) expect(postsIn(h, g.channels[0]!.id)).toHaveLength(1);
    // The SQLite bot of the harness shares nothing with them.
    expect(await h.bot.engine.subscription(guilds[5]!.id)).toBeUndefined();
  });
});
