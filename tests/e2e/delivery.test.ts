import { PermissionFlagsBits } from 'discord.js';
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
/** Deliveries run in the background after a cron fire; waits for the count-th one to finish. */
const settle = (x: BotHarness, count: number) =>
  waitFor(
    () => {
      const nth = x.bot.ctx.deliveries.all(x.guildId)[count - 1];
      return nth && nth.status !== 'pending' ? nth : undefined;
    },
    { what: `delivery ${count} to settle` },
  );

describe('scheduled delivery', () => {
  it('GIVEN the cron fires THEN one digest covering the last 24 h is posted, and the next covers only what came after', async () => {
    h = await startBotHarness();
    await subscribe(h);
    h.clock.set('2026-11-22T08:00:00Z');
    h.cron.fireAll();
    const first = await settle(h, 1);
    expect(first).toMatchObject({ status: 'delivered', reason: 'scheduled', periodFrom: new Date('2026-11-21T08:00:00Z'), periodTo: new Date('2026-11-22T08:00:00Z') });
    expect(digestPosts(h)[0]!.content).toMatch(/\*\*4\*\* articles/);

    h.clock.set('2026-11-23T08:00:00Z');
    h.cron.fireAll();
    const second = await settle(h, 2);
    expect(second.id).not.toBe(first.id);
    expect(second.periodFrom).toEqual(new Date('2026-11-22T08:00:00Z'));
    expect(digestPosts(h).at(-1)!.content).toBe('📰 No new articles for Sunday 22 November 2026 (UTC).');
  });

  it('GIVEN the bot was down over three scheduled times THEN one catch-up digest covers the whole gap', async () => {
    h = await startBotHarness();
    await subscribe(h);
    h.clock.set('2026-11-19T08:00:00Z');
    await h.bot.delivery.deliver(h.guildId, 'scheduled');
    const before = digestPosts(h).length;
    await h.stopBot();
    h.clock.set('2026-11-22T12:00:00Z');
    await h.restart();
    const deliveries = h.bot.ctx.deliveries.all(h.guildId);
    expect(deliveries.map((d) => [d.reason, d.status])).toEqual([
      ['scheduled', 'delivered'],
      ['catch-up', 'delivered'],
    ]);
    expect(deliveries[1]).toMatchObject({ periodFrom: new Date('2026-11-19T08:00:00Z'), periodTo: new Date('2026-11-22T12:00:00Z'), articleCount: 8 });
    const posted = digestPosts(h).slice(before);
    expect(posted[0]!.content).toMatch(/^📰 \*\*Catch-up digest — Thursday 19 November 2026 – Sunday 22 November 2026\*\*/);

    // A second restart the same day finds nothing missed: no flood.
    await h.restart();
    expect(h.bot.ctx.deliveries.all(h.guildId)).toHaveLength(2);
  });

  it('GIVEN a downtime of ten days THEN the catch-up is capped at 7 days', async () => {
    h = await startBotHarness();
    await subscribe(h);
    h.clock.set('2026-11-10T08:00:00Z');
    await h.bot.delivery.deliver(h.guildId, 'scheduled');
    await h.stopBot();
    h.clock.set('2026-11-20T09:00:00Z');
    await h.restart();
    const catchUp = h.bot.ctx.deliveries.latest(h.guildId)!;
    expect(catchUp.reason).toBe('catch-up');
    expect(catchUp.periodTo.getTime() - catchUp.periodFrom.getTime()).toBe(7 * DAY);
  });

  it('GIVEN Discord took a message but the bot died before recording it THEN the restart resends with the same nonce and nothing is duplicated', async () => {
    h = await startBotHarness();
    await subscribe(h);
    h.clock.set('2026-11-22T08:00:00Z');
    // Discord stores the first digest message, but the answer never reaches the bot (as if it was killed).
    h.sandbox.failNext({ method: 'POST', path: `/channels/${h.channel('digest').id}/messages`, status: 500, afterApplying: true, times: 3 });
    const failed = await h.bot.delivery.deliver(h.guildId, 'scheduled');
    expect(failed.status).toBe('failed');
    expect(digestPosts(h)).toHaveLength(1);
    const pending = h.bot.ctx.deliveries.latest(h.guildId)!;
    expect(pending.messageIds).toEqual([null]);

    await h.restart();
    const done = h.bot.ctx.deliveries.get(pending.id)!;
    expect(done.status).toBe('delivered');
    expect(digestPosts(h)).toHaveLength(1);
    expect(done.messageIds).toEqual([digestPosts(h)[0]!.id]);
    const nonces = h.sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages')).map((r) => (r.body as { nonce: string }).nonce);
    expect(new Set(nonces)).toEqual(new Set([`dg${pending.id}m0`]));
  });

  it('GIVEN a 429 THEN the bot waits and delivers; GIVEN a 500 THEN it retries with backoff and delivers', async () => {
    h = await startBotHarness();
    await subscribe(h);
    h.clock.set('2026-11-22T08:00:00Z');
    h.sandbox.failNext({ method: 'POST', path: '/messages', status: 429, retryAfter: 0.1 });
    expect((await h.bot.delivery.deliver(h.guildId, 'scheduled')).status).toBe('delivered');
    h.clock.set('2026-11-23T08:00:00Z');
    h.sandbox.failNext({ method: 'POST', path: '/messages', status: 500, times: 2 });
    const r = await h.bot.delivery.deliver(h.guildId, 'scheduled');
    expect(r.status).toBe('delivered');
    const statuses = h.sandbox.requests.filter((x) => x.method === 'POST' && x.path.endsWith('/messages')).map((x) => x.status);
    expect(statuses).toEqual([429, 200, 500, 500, 200]);
    expect(digestPosts(h)).toHaveLength(2);
  });

  it('GIVEN 500s beyond the retries THEN it is recorded as failed, kept, and delivered at the next start', async () => {
    h = await startBotHarness();
    await subscribe(h);
    h.clock.set('2026-11-22T08:00:00Z');
    // One try and two retries, all refused.
    h.sandbox.failNext({ method: 'POST', path: '/messages', status: 502, times: 3 });
    const r = await h.bot.delivery.deliver(h.guildId, 'scheduled');
    expect(r).toMatchObject({ status: 'failed', error: expect.stringMatching(/HTTP 502/) });
    const status = await h.sandbox.runCommand({ name: 'digest', subcommand: 'status', user: h.sandbox.users.admin }).reply();
    expect(JSON.stringify(status.embeds)).toContain('Delivery failed (HTTP 502');
    await h.restart();
    expect(h.bot.ctx.deliveries.get(r.deliveryId!)!.status).toBe('delivered');
    expect(digestPosts(h)).toHaveLength(1);
  });

  it('GIVEN a channel that refuses the bot (403) THEN blocked, shown in /digest status, warned once, not retried in a loop', async () => {
    h = await startBotHarness();
    await subscribe(h);
    h.sandbox.setChannelOverwrites(h.channel('digest').id, [{ id: h.guildId, type: 0, deny: PermissionFlagsBits.SendMessages }]);
    h.clock.set('2026-11-22T08:00:00Z');
    h.cron.fireAll();
    expect(await settle(h, 1)).toMatchObject({ status: 'blocked', error: expect.stringMatching(/HTTP 403.*code 50013/) });
    h.clock.set('2026-11-23T08:00:00Z');
    h.cron.fireAll();
    const messagePosts = (x: BotHarness) => x.sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    // The second run retries the blocked delivery itself: wait until its POST is recorded and the run has finished with it.
    const retried = await waitFor(
      () => {
        const d = h!.bot.ctx.deliveries.all(h!.guildId)[0];
        return messagePosts(h!).length >= 2 && d?.updatedAt.getTime() === new Date('2026-11-23T08:00:00Z').getTime() ? d : undefined;
      },
      { what: 'the second scheduled run to finish' },
    );
    // One attempt per scheduled run, no retry storm.
    expect(messagePosts(h).map((p) => p.status)).toEqual([403, 403]);
    expect(retried).toMatchObject({ status: 'blocked', attempts: 2 });
    const warnings = h.logs.lines.filter((l) => l.level === 40 && l.msg === 'digest channel refuses the bot; waiting for an admin');
    expect(warnings).toHaveLength(1);
    const status = await h.sandbox.runCommand({ name: 'digest', subcommand: 'status', user: h.sandbox.users.admin }).reply();
    const fields = Object.fromEntries((status.embeds[0] as { fields: Array<{ name: string; value: string }> }).fields.map((f) => [f.name, f.value]));
    expect(fields['Last error']).toMatch(/^Discord refused the digest in <#\d+> \(HTTP 403 · code 50013/);
    expect(fields['Last delivery']).toMatch(/^⚠️ \*\*blocked\*\*/);
    const sendNow = await h.sandbox.runCommand({ name: 'digest', subcommand: 'send-now', user: h.sandbox.users.admin }).reply();
    expect(sendNow.content).toMatch(/^⚠️ Discord refused the digest/);
  });
});
