import { describe, expect, it } from 'vitest';
import { LeaseLostError, type ClaimOptions, type DigestStore } from '../../src/db/digest-store.ts';
import { planSlot } from '../../src/scheduler/engine.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const payload = (content: string) => ({ content, allowed_mentions: { parse: [] as never[] } });

/** Claim options as the engine passes them, at `now` for `owner`. */
export const claimAt = (now: string, owner: string, extra: Partial<ClaimOptions> = {}): ClaimOptions => ({
  now: new Date(now),
  owner,
  leaseMs: 60_000,
  limit: 50,
  plan: planSlot,
  firstPeriodMs: DAY,
  maxPeriodMs: 7 * DAY,
  ...extra,
});

/**
 * The behaviour every `DigestStore` must have, whatever the database: run it with a factory that
 * opens a fresh, empty store.
 */
export function describeDigestStore(name: string, open: () => Promise<DigestStore>) {
  describe(`${name} digest store`, () => {
    const setUp = async (guilds: string[], time = '08:00') => {
      const store = await open();
      for (const g of guilds) {
        await store.upsertSubscription({ guildId: g, channelId: `c-${g}`, time, timezone: 'UTC', topics: null, nextDueAt: new Date('2026-11-22T08:00:00Z') }, new Date('2026-11-21T18:00:00Z'));
      }
      return store;
    };

    it('GIVEN a subscription set, paused, then set again THEN it is enabled, unpaused and due at the new slot; off disables it once', async () => {
      const store = await setUp(['g']);
      expect(await store.pauseChannel('g', 'c-g', 'refused', new Date('2026-11-21T19:00:00Z'))).toEqual(['g']);
      expect(await store.pauseChannel('g', 'c-g', 'refused again', new Date('2026-11-21T19:00:00Z'))).toEqual([]);
      expect(await store.getSubscription('g')).toMatchObject({ pausedReason: 'refused', pauseNotified: false });
      expect(await store.markPauseNotified('g')).toBe(true);
      expect(await store.markPauseNotified('g')).toBe(false);
      const again = await store.upsertSubscription({ guildId: 'g', channelId: 'c2', time: '09:30', timezone: 'Europe/Paris', topics: ['AI'], nextDueAt: new Date('2026-11-22T08:30:00Z') }, new Date());
      expect(again).toMatchObject({ channelId: 'c2', time: '09:30', topics: ['AI'], enabled: true, pausedReason: null, pauseNotified: false, nextDueAt: new Date('2026-11-22T08:30:00Z') });
      expect(await store.disableSubscription('g', new Date())).toBe(true);
      expect(await store.disableSubscription('g', new Date())).toBe(false);
      expect((await store.getSubscription('g'))?.nextDueAt).toBeNull();
      await store.close();
    });

    it('GIVEN due subscriptions THEN each slot is claimed once, covers the day before it, and the next one starts where it ended', async () => {
      const store = await setUp(['a', 'b']);
      expect(await store.claimDue(claimAt('2026-11-22T07:59:59Z', 'p1'))).toEqual([]);
      const first = await store.claimDue(claimAt('2026-11-22T08:00:01Z', 'p1'));
      expect(first.map((d) => [d.guildId, d.slot, d.reason, d.status, d.leaseOwner])).toEqual([
        ['a', '2026-11-22T08:00:00.000Z', 'scheduled', 'claimed', 'p1'],
        ['b', '2026-11-22T08:00:00.000Z', 'scheduled', 'claimed', 'p1'],
      ]);
      expect(first[0]).toMatchObject({ periodFrom: new Date('2026-11-21T08:00:00Z'), periodTo: new Date('2026-11-22T08:00:00Z'), payloads: null });
      expect(await store.claimDue(claimAt('2026-11-22T08:00:02Z', 'p2'))).toEqual([]);
      expect((await store.getSubscription('a'))?.nextDueAt).toEqual(new Date('2026-11-23T08:00:00Z'));

      await store.savePayloads(first[0]!.id, 'p1', [payload('x')], 3, new Date());
      await store.finish(first[0]!.id, 'p1', 'delivered', null, new Date());
      const next = await store.claimDue(claimAt('2026-11-23T08:00:05Z', 'p1'));
      expect(next.find((d) => d.guildId === 'a')).toMatchObject({ periodFrom: new Date('2026-11-22T08:00:00Z'), periodTo: new Date('2026-11-23T08:00:00Z') });
      await store.close();
    });

    it('GIVEN two owners claiming at once THEN every due subscription is claimed by exactly one of them', async () => {
      const guilds = Array.from({ length: 40 }, (_, i) => `g${String(i).padStart(2, '0')}`);
      const store = await setUp(guilds);
      const [x, y] = await Promise.all([
        store.claimDue(claimAt('2026-11-22T08:00:01Z', 'x', { limit: 15 })),
        store.claimDue(claimAt('2026-11-22T08:00:01Z', 'y', { limit: 50 })),
      ]);
      const rest = await store.claimDue(claimAt('2026-11-22T08:00:01Z', 'x'));
      const all = [...x, ...y, ...rest].map((d) => d.guildId).sort();
      expect(all).toEqual(guilds);
      await store.close();
    });

    it('GIVEN an owner that stopped renewing THEN its claim is taken over after the lease, and its late writes are refused', async () => {
      const store = await setUp(['g']);
      const [d] = await store.claimDue(claimAt('2026-11-22T08:00:00Z', 'dead'));
      await store.markAttempt(d!.id, 'dead', 0, new Date('2026-11-22T08:00:00Z'), new Date());
      expect(await store.claimDue(claimAt('2026-11-22T08:00:59Z', 'alive'))).toEqual([]);
      const [taken] = await store.claimDue(claimAt('2026-11-22T08:01:01Z', 'alive'));
      expect(taken).toMatchObject({ id: d!.id, leaseOwner: 'alive', firstAttemptAt: [new Date('2026-11-22T08:00:00Z')], attempts: 1 });
      await expect(store.recordMessage(d!.id, 'dead', 0, '1', new Date())).rejects.toBeInstanceOf(LeaseLostError);
      expect(await store.renewLease(d!.id, 'dead', new Date('2026-11-22T09:00:00Z'))).toBe(false);
      await store.close();
    });

    it('GIVEN a paused or disabled subscription THEN nothing is claimed for it', async () => {
      const store = await setUp(['p', 'o', 'g']);
      await store.pauseGuild('p', 'the bot was removed from this server', new Date());
      await store.disableSubscription('o', new Date());
      const claimed = await store.claimDue(claimAt('2026-11-22T09:00:00Z', 'x'));
      expect(claimed.map((d) => d.guildId)).toEqual(['g']);
      await store.close();
    });

    it('GIVEN a downtime over three slots THEN one catch-up covers the gap up to the latest slot, capped at 7 days', async () => {
      const store = await setUp(['g']);
      const [late] = await store.claimDue(claimAt('2026-11-25T12:00:00Z', 'x'));
      expect(late).toMatchObject({ slot: '2026-11-25T08:00:00.000Z', reason: 'catch-up', periodFrom: new Date('2026-11-24T08:00:00Z') });
      await store.finish(late!.id, 'x', 'delivered', null, new Date());
      const longAway = await setUp(['h']);
      const [capped] = await longAway.claimDue(claimAt('2026-12-10T08:00:00Z', 'x'));
      expect(capped!.periodTo.getTime() - capped!.periodFrom.getTime()).toBe(DAY);
      await longAway.finish(capped!.id, 'x', 'delivered', null, new Date());
      await longAway.upsertSubscription({ guildId: 'h', channelId: 'c-h', time: '08:00', timezone: 'UTC', topics: null, nextDueAt: new Date('2026-12-11T08:00:00Z') }, new Date());
      const [week] = await longAway.claimDue(claimAt('2026-12-25T08:00:00Z', 'x'));
      expect(week!.periodTo.getTime() - week!.periodFrom.getTime()).toBe(7 * DAY);
      await store.close();
      await longAway.close();
    });

    it('records parts one by one; a rejected delivery does not count as covered: the next digest covers its period again', async () => {
      const store = await setUp(['g']);
      const [d] = await store.claimDue(claimAt('2026-11-22T08:00:00Z', 'x'));
      await store.savePayloads(d!.id, 'x', [payload('a'), payload('b')], 5, new Date());
      await store.markAttempt(d!.id, 'x', 1, new Date('2026-11-22T08:00:01Z'), new Date());
      await store.recordMessage(d!.id, 'x', 1, '42', new Date());
      await store.finish(d!.id, 'x', 'rejected', 'HTTP 400', new Date());
      expect(await store.getDelivery(d!.id)).toMatchObject({ status: 'rejected', error: 'HTTP 400', messageIds: [null, '42'], articleCount: 5, leaseOwner: null, payloads: [payload('a'), payload('b')] });
      const manual = await store.claimManual({ guildId: 'g', now: new Date('2026-11-22T10:00:00Z'), owner: 'x', leaseMs: 60_000, firstPeriodMs: DAY, maxPeriodMs: 7 * DAY });
      expect(manual).toMatchObject({ slot: 'manual:2026-11-22T10:00:00.000Z', reason: 'manual', periodFrom: new Date('2026-11-21T08:00:00Z'), periodTo: new Date('2026-11-22T10:00:00Z') });
      expect((await store.latestDelivery('g'))?.id).toBe(manual!.id);
      expect((await store.listDeliveries('g')).map((x) => x.id)).toEqual([d!.id, manual!.id]);
      expect(await store.claimManual({ guildId: 'none', now: new Date(), owner: 'x', leaseMs: 1, firstPeriodMs: DAY, maxPeriodMs: DAY })).toBeUndefined();
      await store.close();
    });

    it('GIVEN payloads saved with the first attempt of part 0, and the last id recorded with finish THEN each is one write: the attempt counted, the delivery delivered and its lease cleared', async () => {
      const store = await setUp(['g']);
      const [d] = await store.claimDue(claimAt('2026-11-22T08:00:00Z', 'x'));
      await store.savePayloads(d!.id, 'x', [payload('a'), payload('b')], 2, new Date(), new Date('2026-11-22T08:00:01Z'));
      expect(await store.getDelivery(d!.id)).toMatchObject({ attempts: 1, firstAttemptAt: [new Date('2026-11-22T08:00:01Z'), null], messageIds: [null, null] });
      await store.recordMessage(d!.id, 'x', 0, '41', new Date());
      await store.markAttempt(d!.id, 'x', 1, new Date('2026-11-22T08:00:02Z'), new Date());
      expect(await store.getDelivery(d!.id)).toMatchObject({ status: 'claimed', attempts: 2, messageIds: ['41', null], firstAttemptAt: [new Date('2026-11-22T08:00:01Z'), new Date('2026-11-22T08:00:02Z')] });
      await expect(store.recordMessage(d!.id, 'someone-else', 1, '42', new Date(), true)).rejects.toBeInstanceOf(LeaseLostError);
      await store.recordMessage(d!.id, 'x', 1, '42', new Date(), true);
      expect(await store.getDelivery(d!.id)).toMatchObject({ status: 'delivered', messageIds: ['41', '42'], leaseOwner: null, leaseExpiresAt: null });
      await store.close();
    });

    it('keeps settings in the meta table', async () => {
      const store = await open();
      expect(await store.getMeta('k')).toBeUndefined();
      await store.setMeta('k', 'v1');
      await store.setMeta('k', 'v2');
      expect(await store.getMeta('k')).toBe('v2');
      await store.close();
    });

    it('GIVEN an article recorded as first seen THEN a later record of the same id keeps the first instant, and every given id comes back', async () => {
      const store = await open();
      const first = await store.recordFirstSeen([
        { id: 'a/one', firstSeen: new Date('2026-11-21T10:00:00Z') },
        { id: 'a/two', firstSeen: new Date('2026-11-21T11:00:00Z') },
      ]);
      expect(first).toEqual(new Map([['a/one', new Date('2026-11-21T10:00:00Z')], ['a/two', new Date('2026-11-21T11:00:00Z')]]));
      const again = await store.recordFirstSeen([
        { id: 'a/one', firstSeen: new Date('2026-11-25T09:00:00Z') },
        { id: 'a/three', firstSeen: new Date('2026-11-25T09:00:00Z') },
      ]);
      expect(again).toEqual(new Map([['a/one', new Date('2026-11-21T10:00:00Z')], ['a/three', new Date('2026-11-25T09:00:00Z')]]));
      expect(await store.recordFirstSeen([])).toEqual(new Map());
      await store.close();
    });
  });
}
