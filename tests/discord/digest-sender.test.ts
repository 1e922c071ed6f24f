import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { ArticleStore } from '../../src/content/store.ts';
import type { BotContext } from '../../src/discord/context.ts';
import { createChannelSender, createDigestRest, snowflakeBefore, UnsendablePayloadError } from '../../src/discord/digest-sender.ts';
import { createInteractionRouter } from '../../src/discord/interactions.ts';
import { createInvalidRequestMonitor } from '../../src/discord/invalid-requests.ts';
import { SearchSessions } from '../../src/discord/search-sessions.ts';
import { registerCommandsIfChanged } from '../../src/discord/startup.ts';
import { createLogger } from '../../src/logger.ts';
import type { MessagePayload } from '../../src/payload/types.ts';
import { validateMessage } from '../../src/payload/validate.ts';
import { PERMISSION } from '../../src/discord-sandbox/permissions.ts';
import { makeArticle } from '../support/article-factory.ts';
import { captureLogs } from '../support/bot-harness.ts';
import { startSandboxWithClient } from '../support/discord-harness.ts';
import { waitFor } from '../support/wait-for.ts';

type Harness = Awaited<ReturnType<typeof startSandboxWithClient>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The digest side of the adapter, wired as src/main.ts wires it, on a loopback Discord. */
async function start(options: Parameters<typeof startSandboxWithClient>[0] = {}) {
  h = await startSandboxWithClient(options);
  const logs = captureLogs();
  const logger = createLogger({ level: 'debug', destination: logs.destination });
  const rest = createDigestRest({ token: h.sandbox.token, apiUrl: h.sandbox.apiUrl, retries: 0 });
  const sender = createChannelSender({ rest, client: h.client, logger });
  return { ...h, logs, logger, rest, sender };
}

const nonced = (p: MessagePayload, nonce: string) => ({ ...p, nonce, enforce_nonce: true as const });
const digestPart = (n: number, footer: string): MessagePayload => ({ embeds: [{ title: `Digest ${n}`, description: 'news', footer: { text: footer } }], allowed_mentions: { parse: [] } });

describe('findOwnMessage: the bot recognises its own post in the channel history', () => {
  it('GIVEN 250 messages since the first attempt THEN it pages forward from `since` and finds the one with the marker; one from before `since` does not count', async () => {
    const t = await start({ rateLimits: false });
    const channel = t.sandbox.channel('digest').id;
    await t.sender.send(channel, nonced(digestPart(0, 'Daily digest · ref oldoldold'), 'old'));
    t.sandbox.advanceClock(10 * 60_000);
    const since = new Date(Date.now() + 5 * 60_000);
    for (let i = 0; i < 250; i++) {
      const footer = i === 230 ? 'Daily digest · ref k3f9x2m1a7q0' : `Daily digest · ref other${i}`;
      await t.sender.send(channel, nonced(digestPart(i, footer), `n${i}`));
    }
    const target = t.sandbox.messages(channel).find((m) => (m.embeds[0] as { footer: { text: string } }).footer.text.endsWith('k3f9x2m1a7q0'))!;
    const before = t.sandbox.requests.length;

    expect(await t.sender.findOwnMessage(channel, 'ref k3f9x2m1a7q0', since)).toBe(target.id);
    const pages = t.sandbox.requests.slice(before);
    expect(pages.map((r) => [r.method, r.query.limit])).toEqual([['GET', '100'], ['GET', '100'], ['GET', '100']]);
    expect(pages[0]!.query.after).toBe(snowflakeBefore(since.getTime()));
    // Each next page starts after the newest message of the one before.
    expect(BigInt(pages[1]!.query.after!)).toBeGreaterThan(BigInt(pages[0]!.query.after!));

    expect(await t.sender.findOwnMessage(channel, 'ref oldoldold', since)).toBeNull();
    expect(await t.sender.findOwnMessage(channel, 'ref nowhere', since)).toBeNull();
  });

  it('GIVEN the marker only in the content (the last line) THEN it is found too', async () => {
    const t = await start({ rateLimits: false });
    const channel = t.sandbox.channel('digest').id;
    const since = new Date(Date.now() - 1000);
    const { id } = await t.sender.send(channel, nonced({ content: 'No new articles today.\n-# ref abcdefabcdef', allowed_mentions: { parse: [] } }, 'c1'));
    expect(await t.sender.findOwnMessage(channel, 'ref abcdefabcdef', since)).toBe(id);
  });

  it('GIVEN the bot lacks Read Message History THEN the search fails with Discord 403 50013 (never "not there")', async () => {
    const t = await start({ rateLimits: false });
    const channel = t.sandbox.channel('digest');
    t.sandbox.setChannelOverwrites(channel.id, [{ id: channel.guildId, type: 0, deny: PERMISSION.ReadMessageHistory }]);
    await expect(t.sender.findOwnMessage(channel.id, 'ref x', new Date())).rejects.toMatchObject({ status: 403, code: 50013 });
  });
});

describe('checkPermissions: from the cache, before any request', () => {
  it('GIVEN a channel where @everyone loses Read Message History and Embed Links THEN both are named; a fine channel is ok; an unknown one lacks everything', async () => {
    const t = await start();
    const digest = t.sandbox.channel('digest');
    expect(t.sender.checkPermissions(digest.guildId, digest.id)).toEqual({ ok: true });
    const requests = t.sandbox.requests.length;
    t.sandbox.setChannelOverwrites(digest.id, [{ id: digest.guildId, type: 0, deny: PERMISSION.ReadMessageHistory | PERMISSION.EmbedLinks }]);
    const check = await waitFor(() => {
      const c = t.sender.checkPermissions(digest.guildId, digest.id);
      return c.ok ? null : c;
    });
    expect(check).toEqual({ ok: false, missing: ['Embed Links', 'Read Message History'] });
    expect(t.sender.checkPermissions(digest.guildId, '499999999999999999')).toEqual({ ok: false, missing: ['View Channel', 'Send Messages', 'Embed Links', 'Read Message History'] });
    expect(t.sandbox.requests.length).toBe(requests);
  });
});

describe('send: every payload is checked against the limits table before it goes out', () => {
  it('GIVEN a payload that breaks the limits THEN it is logged as a bug with its problems and posted repaired as one message with its nonce, never rejected', async () => {
    const t = await start({ rateLimits: false });
    const channel = t.sandbox.channel('digest').id;
    const embeds = Array.from({ length: 12 }, (_, i) => ({ title: `Topic ${i}`, description: 'x'.repeat(500) }));
    const { id } = await t.sender.send(channel, nonced({ content: 'Daily digest', embeds, flags: 64, allowed_mentions: { parse: [] } }, 'bigpart0'));

    // One part is one message: its nonce and marker stand for exactly one post. The engine repairs
    // before storing, so reaching this guard is a bug, and what did not fit is named in the log.
    const posted = t.sandbox.messages(channel);
    expect(posted.map((m) => m.embeds.length)).toEqual([10]);
    expect(posted[0]!.id).toBe(id);
    expect(posted[0]!.nonce).toBe('bigpart0');
    expect(validateMessage(posted[0]!.body, { channelMessage: true })).toEqual([]);
    expect(posted[0]!.body.allowed_mentions).toEqual({ parse: [] });
    expect(t.sandbox.requests.filter((r) => r.status >= 400)).toEqual([]);
    const bug = t.logs.lines.find((l) => l.msg === 'bug: a message breaks Discord limits; it is repaired before sending')!;
    expect(bug.level).toBe(50);
    expect(bug.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'embeds' }), expect.objectContaining({ path: 'flags' })]));
    expect(t.logs.lines.find((l) => l.msg === 'bug: a digest part needed more than one message; only the first is sent')).toMatchObject({ level: 50, dropped: 1 });
  });

  it('GIVEN a payload with nothing to show THEN it fails like a 400 without any request', async () => {
    const t = await start({ rateLimits: false });
    const before = t.sandbox.requests.length;
    const err = await t.sender.send(t.sandbox.channel('digest').id, nonced({ content: '   ', allowed_mentions: { parse: [] } }, 'empty')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsendablePayloadError);
    expect(err).toMatchObject({ status: 400 });
    expect(t.sandbox.requests.length).toBe(before);
  });
});

describe('notifyAdmins: one notice where the bot can still write', () => {
  it('GIVEN no system channel and no Send Messages in the first channel THEN the notice goes to the next one by position, with no mentions', async () => {
    const t = await start();
    const [news, digest] = [t.sandbox.channel('news'), t.sandbox.channel('digest')];
    t.sandbox.setChannelOverwrites(news.id, [{ id: news.guildId, type: 0, deny: PERMISSION.SendMessages }]);
    await waitFor(() => !t.client.channels.cache.get(news.id)?.isSendable() || !(t.client.guilds.cache.get(news.guildId)?.channels.cache.get(news.id)?.permissionsFor(t.client.user!)?.has('SendMessages') ?? true));

    expect(await t.sender.notifyAdmins(news.guildId, '⚠️ The daily news digest in <#1> is paused: @everyone look')).toEqual({ channelId: digest.id });
    expect(t.sandbox.messages(news.id)).toEqual([]);
    const [notice] = t.sandbox.messages(digest.id);
    expect(notice!.content).toBe('⚠️ The daily news digest in <#1> is paused: @everyone look');
    expect(notice!.body.allowed_mentions).toEqual({ parse: [] });
  });

  it('GIVEN the bot can write nowhere THEN nothing is sent and a warning is logged', async () => {
    const t = await start();
    const guildId = t.sandbox.guilds[0]!.id;
    t.sandbox.setEveryonePermissions(guildId, PERMISSION.ViewChannel);
    await waitFor(() => !t.client.guilds.cache.get(guildId)!.members.me!.permissions.has('SendMessages'));
    const before = t.sandbox.requests.length;
    expect(await t.sender.notifyAdmins(guildId, 'paused')).toBeNull();
    expect(t.sandbox.requests.length).toBe(before);
    expect(t.logs.lines.some((l) => l.level === 40 && String(l.msg).startsWith('cannot tell the admins'))).toBe(true);
  });
});

describe('invalid requests through the loopback', () => {
  it('GIVEN a channel that answers 403 THEN each refusal is counted, and the warning is logged once at the threshold', async () => {
    const t = await start({ rateLimits: false });
    const monitor = createInvalidRequestMonitor({ logger: t.logger, warnAt: 2 });
    monitor.watch(t.rest);
    monitor.watch(t.client.rest);
    const channel = t.sandbox.channel('digest').id;
    t.sandbox.failChannel(channel, 'missing-access');
    for (let i = 0; i < 3; i++) await expect(t.sender.send(channel, nonced(digestPart(i, 'f'), `f${i}`))).rejects.toMatchObject({ status: 403, code: 50001 });
    expect(monitor.count()).toBe(3);
    expect(t.sandbox.stats().invalid[403]).toBe(3);
    expect(t.logs.lines.filter((l) => String(l.msg).startsWith('many 401/403/429 answers'))).toHaveLength(1);
  });
});

describe('the digest client keeps under the global limit', () => {
  it('GIVEN 300 digest posts at once, with the event loop stalling again and again THEN all are posted and Discord never answers a global 429', { timeout: 60_000 }, async () => {
    const t = await start({ restRetries: 3 });
    const channels = t.sandbox.addGuilds(300, { channel: 'digest' }).map((g) => g.channels[0]!.id);
    const before = t.sandbox.stats().rateLimited.global;
    let posted = 0;
    const sends = Promise.allSettled(
      channels.map((c, i) =>
        t.sender.send(c, nonced(digestPart(i, `ref p${i}`), `p${i}`)).then(() => {
          posted++;
          // Long synchronous steps (a big composition, a slow write) hold the loop early and midway into
          // each second's worth: what waited meanwhile must not leave in a bunch. Without pacing by send
          // time, discord.js's own once-a-second counter let 20 global 429s through here.
          if (posted % 45 === 1 || posted % 45 === 20) {
            const end = Date.now() + 400;
            while (Date.now() < end);
          }
        }),
      ),
    );
    expect((await sends).filter((r) => r.status === 'rejected')).toEqual([]);
    expect(channels.every((c) => t.sandbox.messages(c).length === 1)).toBe(true);
    expect(t.sandbox.stats().rateLimited.global - before).toBe(0);
  });
});

describe('digests do not starve commands', () => {
  it('GIVEN 200 digest posts queued on the digest client THEN /news replies arrive quickly meanwhile, and Discord never answers a global 429', async () => {
    const t = await start({ restRetries: 3 });
    const guilds = t.sandbox.addGuilds(200, { channel: 'digest' });
    await waitFor(() => guilds.every((g) => t.client.guilds.cache.has(g.id)), { timeout: 10_000 });
    const store = new ArticleStore();
    for (let i = 0; i < 30; i++) store.set(`a${i}.md`, makeArticle({ id: `a${i}`, title: `Story ${i}` }));
    const ctx = { store, clock: { now: () => new Date('2026-11-21T18:00:00Z') }, logger: t.logger, searchSessions: new SearchSessions(), defaultTimezone: 'UTC', digests: { subscription: async () => undefined } };
    t.client.on('interactionCreate', createInteractionRouter(commands, ctx as unknown as BotContext));
    const meta = new Map<string, string>();
    await registerCommandsIfChanged({ rest: t.client.rest, applicationId: t.sandbox.application.id, commands, guildId: t.sandbox.guilds[0]!.id, meta: { getMeta: async (k) => meta.get(k), setMeta: async (k, v) => void meta.set(k, v) } });

    let posted = 0;
    const sends = Promise.allSettled(guilds.map((g, i) => t.sender.send(g.channels[0]!.id, nonced(digestPart(i, `ref s${i}`), `s${i}`)).then(() => posted++)));
    await waitFor(() => posted >= 20, { timeout: 10_000 });

    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const latest = await t.sandbox.runCommand({ name: 'news', subcommand: 'latest', options: { count: 3 } }).reply();
      latencies.push(Date.now() - started);
      expect((latest.embeds[0] as { title: string }).title).toBe('Latest 3 articles');
      // A deferred reply completes with a webhook edit, which goes through the main client's queue.
      const started2 = Date.now();
      await t.sandbox.runCommand({ name: 'news', subcommand: 'digest', options: { date: '2026-11-21' } }).reply();
      latencies.push(Date.now() - started2);
    }
    expect(posted).toBeLessThan(200);
    expect((await sends).filter((r) => r.status === 'rejected')).toEqual([]);
    expect(t.sandbox.stats().rateLimited.global).toBe(0);
    // Generous for a shared two-core machine; queued behind 200 digests at 45/s they would take seconds.
    expect(Math.max(...latencies)).toBeLessThan(1000);
  });
});
