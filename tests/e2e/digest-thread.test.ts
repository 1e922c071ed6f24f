import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_EVERYONE, THREAD_AND_FILE_PERMISSIONS } from '../../src/discord-sandbox/permissions.ts';
import { hasMarker, partMarker } from '../../src/payload/message-identity.ts';
import { validateMessage } from '../../src/payload/validate.ts';
import { startBotHarness, type BotHarness } from '../support/bot-harness.ts';
import { waitFor } from '../support/wait-for.ts';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const digestId = (x: BotHarness) => x.channel('digest').id;
const channelPosts = (x: BotHarness) => x.sandbox.messages(digestId(x));
const deliveries = (x: BotHarness) => x.bot.digestStore.listDeliveries(x.guildId);
const threadCreates = (x: BotHarness) => x.sandbox.requests.filter((r) => r.method === 'POST' && /^\/channels\/\d+\/messages\/\d+\/threads$/.test(r.path));

/** Subscribes #digest at 08:00 UTC. */
async function subscribe(x: BotHarness) {
  await x.sandbox.runCommand({ name: 'digest', subcommand: 'set', user: x.sandbox.users.admin, options: { channel: digestId(x), time: '08:00', timezone: 'UTC' } }).reply();
}

/** Gives @everyone what Discord's default gives (threads, files) and waits until the bot's cache knows. */
async function allowThreadsAndFiles(x: BotHarness) {
  x.sandbox.setEveryonePermissions(x.guildId, DEFAULT_EVERYONE | THREAD_AND_FILE_PERMISSIONS);
  await waitFor(
    () => {
      const guild = x.bot.client.guilds.cache.get(x.guildId);
      const channel = guild?.channels.cache.get(digestId(x));
      const me = guild?.members.me;
      return !!channel && !!me && channel.permissionsFor(me).has(PermissionFlagsBits.CreatePublicThreads | PermissionFlagsBits.AttachFiles);
    },
    { what: 'the bot to see the thread and file permissions' },
  );
}

describe('the digest: one message in the channel, the full list in its thread', () => {
  it('GIVEN the bot may start threads and attach files THEN the channel gets one message (header, mood line, top stories, chart PNG) and a thread started from it holds the full grouped list', async () => {
    h = await startBotHarness();
    await allowThreadsAndFiles(h);
    await subscribe(h);
    const threadEvents: string[] = [];
    h.sandbox.events.on('dispatch', (e) => e.t === 'THREAD_CREATE' && threadEvents.push(e.t));
    h.clock.set('2026-11-22T08:00:01Z');
    const [outcome] = await h.tick();
    expect(outcome).toMatchObject({ status: 'delivered', articles: 4 });

    const posts = channelPosts(h);
    expect(posts).toHaveLength(1);
    const lead = posts[0]!;
    expect(lead.content).toMatch(/^📰 \*\*Daily digest — Saturday 21 November 2026 – Sunday 22 November 2026\*\* \(UTC\)\n\*\*4\*\* articles/);
    // 2 positive, 1 negative, 1 neutral, against the week before (2, 1 and 1 on the 19th and 20th): within 5 points.
    expect(lead.content).toContain('\n📊 **Market mood:** about as usual: 50% positive, 25% negative, 25% neutral _(this period vs the 7 days before)_\n');
    expect(lead.content).toContain('The full list is in the thread below.');
    const top = lead.embeds[0]!;
    expect(top.title).toBe('⭐ Top 4 stories');
    // The schema A story with an impact section shows its first bullet.
    expect(String(top.description)).toContain('Ethereum upgrade ships on time');
    expect(String(top.description)).toContain('> ↳ Lower fees could attract users.');

    // The chart: a real PNG of the size the renderer drew, stored with the message.
    expect(lead.attachments).toHaveLength(1);
    const chart = lead.attachments![0]!;
    expect(chart).toMatchObject({ filename: 'market-mood.png', content_type: 'image/png', width: 640, height: 240 });
    const bytes = h.sandbox.file(chart.id)!.data;
    expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(bytes.length).toBeGreaterThan(2000);
    const served = await fetch(new URL(chart.url, h.sandbox.apiUrl));
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);

    // The thread: started from the digest message (same id), named, and holding every article.
    expect(lead.thread).toBe(lead.id);
    const thread = h.sandbox.thread(lead.id)!;
    expect(thread.name).toBe('Full list — Saturday 21 November 2026 (4 articles)');
    expect(thread.thread).toMatchObject({ parentId: digestId(h), autoArchiveDuration: 1440 });
    await waitFor(() => threadEvents.length === 1, { what: 'THREAD_CREATE to reach the bot' });
    const inThread = h.sandbox.messages(thread.id);
    expect(inThread).toHaveLength(1);
    expect(inThread[0]!.content).toMatch(/^\*\*Full list: 4 articles\*\*/);
    const listed = inThread.flatMap((m) => m.embeds.flatMap((e) => ((e.fields as Array<{ value: string }>) ?? []).map((f) => f.value))).join('\n');
    for (const title of ['Musk launches a payments app', 'Musk sued over token promotion', 'Musk talks AI safety on stage', 'Ethereum upgrade ships on time']) expect(listed).toContain(title);

    // Every message, in the channel and in the thread: no pings, within the limits, its own marker.
    const [d] = await deliveries(h);
    expect(d!.messageIds).toEqual([lead.id, inThread[0]!.id]);
    [lead, ...inThread].forEach((m, part) => {
      expect(m.body.allowed_mentions).toEqual({ parse: [] });
      expect(validateMessage(m.body, { channelMessage: true })).toEqual([]);
      expect(hasMarker(m.content, partMarker(digestId(h!), d!.slot, part))).toBe(true);
    });
    expect(threadCreates(h)).toHaveLength(1);
  });

  it('GIVEN the bot may not start threads (nor attach files) THEN everything goes in the channel as before: top stories first, then the grouped list, no chart and no thread request', async () => {
    h = await startBotHarness();
    await subscribe(h);
    h.clock.set('2026-11-22T08:00:01Z');
    const [outcome] = await h.tick();
    expect(outcome).toMatchObject({ status: 'delivered', articles: 4 });
    const posts = channelPosts(h);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.embeds[0]!.title).toBe('⭐ Top 4 stories');
    expect(posts[0]!.embeds.slice(1).map((e) => String(e.title))).toEqual([expect.stringMatching(/Positive · 2$/), expect.stringMatching(/Negative · 1$/), expect.stringMatching(/Neutral · 1$/)]);
    expect(posts[0]!.content).toMatch(/📊 \*\*Market mood:\*\* /);
    expect(posts[0]!.content).not.toContain('thread');
    expect(posts[0]!.attachments ?? []).toEqual([]);
    expect(posts[0]!.body.allowed_mentions).toEqual({ parse: [] });
    expect(threadCreates(h)).toHaveLength(0);
  });
});

describe('top stories per subscription', () => {
  for (const [top, first] of [
    [2, '⭐ Top 2 stories'],
    [0, '🟢 Positive · 2'],
  ] as const) {
    it(`GIVEN /digest set top_stories:${top} THEN the digest opens with ${top === 0 ? 'no top stories: the groups come first' : `the ${top} most important stories`}`, async () => {
      h = await startBotHarness();
      await h.sandbox.runCommand({ name: 'digest', subcommand: 'set', user: h.sandbox.users.admin, options: { channel: digestId(h), time: '08:00', timezone: 'UTC', top_stories: top } }).reply();
      h.clock.set('2026-11-22T08:00:01Z');
      expect(await h.tick()).toMatchObject([{ status: 'delivered', articles: 4 }]);
      expect(channelPosts(h)[0]!.embeds[0]!.title).toBe(first);
      expect((await deliveries(h))[0]).toMatchObject({ topStories: top });
    });
  }
});

describe('the thread keeps the delivery guarantees', () => {
  it('GIVEN the thread was created but the answer was lost, then a crash and a restart after the nonce window THEN the existing thread is found (160004) and used: one thread, one full list', async () => {
    h = await startBotHarness({ backoffMs: [60_000] });
    await allowThreadsAndFiles(h);
    await subscribe(h);
    h.clock.set('2026-11-22T08:00:01Z');
    h.sandbox.dropNext({ method: 'POST', path: /\/threads$/, when: 'after-applying' });
    void h.tick().catch(() => undefined);
    await waitFor(() => threadCreates(h!).some((r) => r.status === 0), { what: 'the lost thread creation' });
    await h.kill();
    const lead = channelPosts(h)[0]!;
    expect(h.sandbox.thread(lead.id)).toBeDefined();
    expect(h.sandbox.messages(lead.id)).toHaveLength(0);

    await h.startAfterNonceWindow();
    await allowThreadsAndFiles(h);
    await h.tick();
    const [d] = await deliveries(h);
    expect(d).toMatchObject({ status: 'delivered' });
    expect(channelPosts(h)).toHaveLength(1);
    expect(threadCreates(h).map((r) => [r.status, r.code])).toEqual([
      [0, undefined],
      [400, 160004],
    ]);
    const inThread = h.sandbox.messages(lead.id);
    expect(inThread).toHaveLength(1);
    expect(d!.messageIds).toEqual([lead.id, inThread[0]!.id]);
  });

  it('GIVEN a post into the thread Discord applied but whose answer was lost, a crash, and a restart after the nonce window THEN the thread history is read and the list is not posted twice', async () => {
    h = await startBotHarness({ backoffMs: [60_000] });
    await allowThreadsAndFiles(h);
    await subscribe(h);
    h.clock.set('2026-11-22T08:00:01Z');
    // Any message post outside #digest: the only one is the list, into the thread.
    const intoThread = new RegExp(`^/channels/(?!${digestId(h)}/)\\d+/messages$`);
    h.sandbox.dropNext({ method: 'POST', path: intoThread, when: 'after-applying' });
    void h.tick().catch(() => undefined);
    await waitFor(() => h!.sandbox.requests.some((r) => r.method === 'POST' && intoThread.test(r.path) && r.status === 0), { what: 'the lost thread post' });
    await h.kill();
    const lead = channelPosts(h)[0]!;
    expect(h.sandbox.messages(lead.id)).toHaveLength(1);

    await h.startAfterNonceWindow();
    await allowThreadsAndFiles(h);
    await h.tick();
    const [d] = await deliveries(h);
    expect(d).toMatchObject({ status: 'delivered' });
    expect(channelPosts(h)).toHaveLength(1);
    expect(h.sandbox.messages(lead.id)).toHaveLength(1);
    expect(d!.messageIds).toEqual([lead.id, h.sandbox.messages(lead.id)[0]!.id]);
    const threadReads = h.sandbox.requests.filter((r) => r.method === 'GET' && r.path === `/channels/${lead.id}/messages`);
    expect(threadReads.length).toBeGreaterThan(0);
    // The restart asked for the thread again and was told it exists: never a second thread.
    expect(threadCreates(h).map((r) => r.status)).toEqual([201, 400]);
  });
});
