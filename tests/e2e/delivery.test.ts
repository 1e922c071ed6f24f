import { afterEach, describe, expect, it } from 'vitest';
import { startBotHarness, type BotHarness } from '../support/bot-harness.ts';
import { waitFor } from '../support/wait-for.ts';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DAY = 24 * 60 * 60 * 1000;

function subscribe(x: BotHarness, time = '08:00', timezone = 'UTC') {
  return x.sandbox.runCommand({ name: 'digest', subcommand: 'set', user: x.sandbox.users.admin, options: { channel: x.channel('digest').id, time, timezone } }).reply();
}

const digestPosts = (x: BotHarness) => x.sandbox.messages(x.channel('digest').id);
const deliveries = (x: BotHarness) => x.bot.digestStore.listDeliveries(x.guildId);
const messagePosts = (x: BotHarness) => x.sandbox.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${x.channel('digest').id}/messages`);

describe('scheduled delivery', () => {
  it('GIVEN the slot comes THEN one digest covering the last 24 h is posted, and the next covers only what came after', async () => {
    h = await startBotHarness();
    await subscribe(h);
    h.clock.set('2026-11-22T07:59:59Z');
    expect(await h.tick()).toEqual([]);
    h.clock.set('2026-11-22T08:00:01Z');
    const [first] = await h.tick();
    expect(first).toMatchObject({ status: 'delivered', articles: 4 });
    expect((await deliveries(h))[0]).toMatchObject({ reason: 'scheduled', slot: '2026-11-22T08:00:00.000Z', periodFrom: new Date('2026-11-21T08:00:00Z'), periodTo: new Date('2026-11-22T08:00:00Z') });
    expect(digestPosts(h)[0]!.content).toMatch(/\*\*4\*\* articles/);
    // A late tick in the same minute finds nothing more to do: state, not the timer, decides.
    expect(await h.tick()).toEqual([]);

    h.clock.set('2026-11-23T08:00:30Z');
    const [second] = await h.tick();
    expect(second!.deliveryId).not.toBe(first!.deliveryId);
    expect((await deliveries(h))[1]!.periodFrom).toEqual(new Date('2026-11-22T08:00:00Z'));
    expect(digestPosts(h).at(-1)!.content).toMatch(/^📰 No new articles for Sunday 22 November 2026 \(UTC\)\.\n-# ref [0-9a-z]{12}$/);
  });

  it('GIVEN the bot was down over three scheduled times THEN one catch-up digest covers the whole gap, and a second restart adds nothing', async () => {
    h = await startBotHarness();
    await subscribe(h);
    h.clock.set('2026-11-19T08:00:00Z');
    await h.bot.engine.setSubscription({ guildId: h.guildId, channelId: h.channel('digest').id, time: '08:00', timezone: 'UTC', topics: null });
    h.clock.set('2026-11-20T08:00:00Z');
    await h.tick();
    const before = digestPosts(h).length;
    await h.stopBot();
    h.clock.set('2026-11-23T12:00:00Z');
    await h.startAgain();
    await h.tick();
    const all = await deliveries(h);
    expect(all.map((d) => [d.reason, d.status])).toEqual([
      ['scheduled', 'delivered'],
      ['catch-up', 'delivered'],
    ]);
    expect(all[1]).toMatchObject({ slot: '2026-11-23T08:00:00.000Z', periodFrom: new Date('2026-11-20T08:00:00Z'), periodTo: new Date('2026-11-23T08:00:00Z'), articleCount: 6 });
    const posted = digestPosts(h).slice(before);
    expect(posted[0]!.content).toMatch(/^📰 \*\*Catch-up digest — Friday 20 November 2026 – Monday 23 November 2026\*\*/);

    await h.restart();
    await h.tick();
    expect(await deliveries(h)).toHaveLength(2);
  });

  it('GIVEN a downtime of ten days THEN the catch-up is capped at 7 days', async () => {
    h = await startBotHarness();
    await subscribe(h);
    h.clock.set('2026-11-22T08:00:00Z');
    await h.tick();
    await h.stopBot();
    h.clock.set('2026-12-02T09:00:00Z');
    await h.startAgain();
    await h.tick();
    const catchUp = (await h.bot.digestStore.latestDelivery(h.guildId))!;
    expect(catchUp).toMatchObject({ reason: 'catch-up', status: 'delivered' });
    expect(catchUp.periodTo.getTime() - catchUp.periodFrom.getTime()).toBe(7 * DAY);
  });

  for (const when of ['after-applying', 'before-applying'] as const) {
    it(`GIVEN a post lost ${when === 'after-applying' ? 'after Discord applied it' : 'before Discord applied it'}, a kill, and a restart after the nonce window THEN the channel has exactly one digest`, async () => {
      // A long backoff keeps the first process waiting after the lost post, so the test can kill it there.
      h = await startBotHarness({ backoffMs: [60_000] });
      await subscribe(h);
      h.clock.set('2026-11-22T08:00:01Z');
      h.sandbox.dropNext({ method: 'POST', path: `/channels/${h.channel('digest').id}/messages`, when });
      void h.tick().catch(() => undefined);
      await waitFor(() => messagePosts(h!).some((r) => r.status === 0), { what: 'the lost post' });
      await h.kill();
      expect(digestPosts(h)).toHaveLength(when === 'after-applying' ? 1 : 0);

      // Past Discord's nonce memory and the bot's trust in it, and past the dead process's lease.
      await h.startAfterNonceWindow();
      await h.tick();
      const [d] = await deliveries(h);
      expect(d).toMatchObject({ status: 'delivered' });
      expect(digestPosts(h)).toHaveLength(1);
      expect(d!.messageIds).toEqual([digestPosts(h)[0]!.id]);
      const historyReads = h.sandbox.requests.filter((r) => r.method === 'GET' && r.path === `/channels/${h!.channel('digest').id}/messages`);
      expect(historyReads.length).toBeGreaterThan(0);
      expect(messagePosts(h)).toHaveLength(when === 'after-applying' ? 1 : 2);
    });
  }

  it('GIVEN a 429 THEN the bot waits and delivers; GIVEN 500s THEN it retries with backoff and delivers', async () => {
    h = await startBotHarness();
    await subscribe(h);
    h.clock.set('2026-11-22T08:00:00Z');
    h.sandbox.failNext({ method: 'POST', path: '/messages', status: 429, retryAfter: 0.1 });
    expect((await h.tick()).map((o) => o.status)).toEqual(['delivered']);
    h.clock.set('2026-11-23T08:00:00Z');
    h.sandbox.failNext({ method: 'POST', path: '/messages', status: 500, times: 2 });
    expect((await h.tick()).map((o) => o.status)).toEqual(['delivered']);
    expect(messagePosts(h).map((x) => x.status)).toEqual([429, 200, 500, 500, 200]);
    expect(digestPosts(h)).toHaveLength(2);
    // Every retry carried the same nonce.
    const nonces = messagePosts(h).slice(2).map((r) => (r.body as { nonce: string }).nonce);
    expect(new Set(nonces).size).toBe(1);
  });

  it('GIVEN 500s beyond the retries THEN the digest is shown as being retried and goes out once at a later tick', async () => {
    h = await startBotHarness();
    await subscribe(h);
    h.clock.set('2026-11-22T08:00:00Z');
    // One try and two retries, all refused.
    h.sandbox.failNext({ method: 'POST', path: '/messages', status: 502, times: 3 });
    const [r] = await h.tick();
    expect(r).toMatchObject({ status: 'retrying', error: expect.stringMatching(/HTTP 502/) });
    const status = await h.sandbox.runCommand({ name: 'digest', subcommand: 'status', user: h.sandbox.users.admin }).reply();
    expect(JSON.stringify(status.embeds)).toContain('**sending**');
    expect(JSON.stringify(status.embeds)).toContain('HTTP 502');
    h.clock.advance(60_000);
    expect((await h.tick()).map((o) => o.status)).toEqual(['delivered']);
    expect(digestPosts(h)).toHaveLength(1);
  });
});
