import { afterEach, describe, expect, it } from 'vitest';
import { startBotHarness, type BotHarness } from '../support/bot-harness.ts';
import { waitFor } from '../support/wait-for.ts';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Digest posts (they carry a part marker) to a channel; the admins' pause notice is not one. */
const postsTo = (x: BotHarness, channelId: string) =>
  x.sandbox.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages` && String((r.body as { content?: string }).content).includes('\n-# ref '));

async function fiveServers(x: BotHarness) {
  const guilds = x.sandbox.addGuilds(5, { channel: 'daily' });
  await waitFor(() => x.bot.client.guilds.cache.size === x.sandbox.guilds.length, { what: 'GUILD_CREATE for every server' });
  for (const g of guilds) await x.bot.engine.setSubscription({ guildId: g.id, channelId: g.channels[0]!.id, time: '08:00', timezone: 'UTC', topics: null });
  return guilds.map((g) => ({ guildId: g.id, channelId: g.channels[0]!.id }));
}

describe('delivery failures', () => {
  it('GIVEN channels answering 403, 404 and 400 THEN those pause, pause and are rejected once, and the other servers get their digests on both days', async () => {
    h = await startBotHarness();
    const [forbidden, gone, bad, ok1, ok2] = await fiveServers(h);
    h.sandbox.failChannel(forbidden!.channelId, 'missing-permissions');
    h.sandbox.failChannel(gone!.channelId, 'unknown-channel');
    h.sandbox.failNext({ method: 'POST', path: `/channels/${bad!.channelId}/messages`, status: 400, code: 50035, message: 'Invalid Form Body' });
    h.clock.set('2026-11-22T08:00:00Z');
    const day1 = Object.fromEntries((await h.tick()).map((o) => [o.guildId, o.status]));
    expect(day1).toEqual({ [forbidden!.guildId]: 'paused', [gone!.guildId]: 'paused', [bad!.guildId]: 'rejected', [ok1!.guildId]: 'delivered', [ok2!.guildId]: 'delivered' });
    expect((await h.bot.engine.subscription(forbidden!.guildId))?.pausedReason).toMatch(/HTTP 403 · code 50013/);
    expect((await h.bot.engine.subscription(gone!.guildId))?.pausedReason).toMatch(/HTTP 404 · code 10003/);
    expect(postsTo(h, bad!.channelId)).toHaveLength(1);

    h.clock.set('2026-11-23T08:00:00Z');
    const day2 = Object.fromEntries((await h.tick()).map((o) => [o.guildId, o.status]));
    // Paused channels get no request at all; the rejected slot does not block the next one.
    expect(day2).toEqual({ [bad!.guildId]: 'delivered', [ok1!.guildId]: 'delivered', [ok2!.guildId]: 'delivered' });
    expect(postsTo(h, forbidden!.channelId)).toHaveLength(1);
    expect(postsTo(h, gone!.channelId)).toHaveLength(1);
    expect(postsTo(h, bad!.channelId)).toHaveLength(2);
  });

  it('GIVEN the bot removed from a server, or the digest channel deleted THEN their digests pause at once and no request is sent', async () => {
    h = await startBotHarness();
    const [left, deleted, ok] = await fiveServers(h);
    h.sandbox.removeBotFromGuild(left!.guildId);
    h.sandbox.deleteChannel(deleted!.channelId);
    await waitFor(async () => (await h!.bot.engine.subscription(left!.guildId))?.pausedReason, { what: 'the removed server to pause' });
    await waitFor(async () => (await h!.bot.engine.subscription(deleted!.guildId))?.pausedReason, { what: 'the deleted channel to pause' });
    h.clock.set('2026-11-22T08:00:00Z');
    const outcomes = await h.tick();
    expect(outcomes.map((o) => o.guildId)).not.toContain(left!.guildId);
    expect(outcomes.map((o) => o.guildId)).not.toContain(deleted!.guildId);
    expect(outcomes.find((o) => o.guildId === ok!.guildId)?.status).toBe('delivered');
    expect(postsTo(h, left!.channelId)).toEqual([]);
    expect(postsTo(h, deleted!.channelId)).toEqual([]);
  });
});
