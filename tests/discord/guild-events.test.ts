import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { createSqliteDigestStore } from '../../src/db/sqlite-digest-store.ts';
import { createChannelSender, createDigestRest } from '../../src/discord/digest-sender.ts';
import { CHANNEL_DELETED, pauseOnRemoval, REMOVED_FROM_SERVER } from '../../src/discord/guild-events.ts';
import { createLogger } from '../../src/logger.ts';
import { createDeliveryEngine } from '../../src/scheduler/engine.ts';
import { captureLogs, manualClock } from '../support/bot-harness.ts';
import { startSandboxWithClient } from '../support/discord-harness.ts';
import { waitFor } from '../support/wait-for.ts';

type Harness = Awaited<ReturnType<typeof startSandboxWithClient>>;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Two servers with a digest each, the real delivery engine on SQLite, and the removal listeners. */
async function start() {
  const h: Harness = await startSandboxWithClient({ guilds: [{ name: 'Kept', channels: ['digest'] }, { name: 'Left', channels: ['news', 'digest'] }], rateLimits: false });
  cleanups.push(() => h.close());
  const logs = captureLogs();
  const logger = createLogger({ level: 'debug', destination: logs.destination });
  const clock = manualClock('2026-11-21T07:00:00Z');
  const store = createSqliteDigestStore(openDatabase(':memory:'));
  const sender = createChannelSender({ rest: createDigestRest({ token: h.sandbox.token, apiUrl: h.sandbox.apiUrl, retries: 0 }), client: h.client, logger });
  const engine = createDeliveryEngine({ store, articles: { query: () => [] }, sender, clock, logger, notifyAdmins: async (g, text) => void (await sender.notifyAdmins(g, text)) });
  cleanups.push(async () => {
    await engine.stop();
    await store.close();
  });
  pauseOnRemoval(h.client, engine, logger);
  const [kept, left] = h.sandbox.guilds;
  for (const g of [kept!, left!]) await engine.setSubscription({ guildId: g.id, channelId: g.channels.at(-1)!.id, time: '08:00', timezone: 'UTC', topics: null });
  return { ...h, logs, clock, store, engine, kept: kept!, left: left! };
}

describe('pausing when Discord says a digest cannot be posted any more', () => {
  it('GIVEN the bot is removed from a server THEN its digest is paused at once and, when due, nothing is sent there; the other server still gets its digest', async () => {
    const t = await start();
    t.sandbox.removeBotFromGuild(t.left.id);
    const paused = await waitFor(async () => (await t.store.getSubscription(t.left.id))?.pausedReason);
    expect(paused).toBe(REMOVED_FROM_SERVER);
    const before = t.sandbox.requests.length;

    t.clock.set('2026-11-21T08:00:30Z');
    await t.engine.tick();
    const after = t.sandbox.requests.slice(before);
    expect(after.filter((r) => t.left.channels.some((c) => r.path.includes(c.id)))).toEqual([]);
    expect(t.sandbox.messages(t.kept.channels[0]!.id)).toHaveLength(1);
    expect((await t.store.getSubscription(t.kept.id))?.pausedReason).toBeNull();
  });

  it('GIVEN the digest channel is deleted THEN that digest is paused with no request to it, and the admins are told once in a channel still there', async () => {
    const t = await start();
    const digest = t.left.channels.find((c) => c.name === 'digest')!;
    const news = t.left.channels.find((c) => c.name === 'news')!;
    t.sandbox.deleteChannel(digest.id);
    expect(await waitFor(async () => (await t.store.getSubscription(t.left.id))?.pausedReason)).toBe(CHANNEL_DELETED);
    const notice = await waitFor(() => t.sandbox.messages(news.id)[0]);
    expect(notice.content).toContain('paused');
    expect(notice.body.allowed_mentions).toEqual({ parse: [] });

    t.clock.set('2026-11-21T08:00:30Z');
    await t.engine.tick();
    expect(t.sandbox.requests.filter((r) => r.path.includes(digest.id))).toEqual([]);
    expect(t.sandbox.messages(news.id)).toHaveLength(1);
    expect((await t.store.getSubscription(t.kept.id))?.pausedReason).toBeNull();
  });
});
