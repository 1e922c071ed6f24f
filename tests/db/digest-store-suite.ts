import { describe, expect, it } from 'vitest';
import { LeaseLostError, type ClaimOptions, type DigestStore, type FirstSeenRows } from '../../src/db/digest-store.ts';
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

    it('GIVEN two callers of one meta lock at once THEN the second runs only after the first settled, even when the first failed', async () => {
      const store = await open();
      const events: string[] = [];
      let releaseFirst!: () => void;
      const firstHeld = new Promise<void>((r) => (releaseFirst = r));
      let firstStarted!: () => void;
      const started = new Promise<void>((r) => (firstStarted = r));
      const first = store.withMetaLock('commands', async () => {
        events.push('first in');
        firstStarted();
        await firstHeld;
        events.push('first out');
        throw new Error('registration refused');
      });
      await started;
      const second = store.withMetaLock('commands', async () => {
        events.push('second in');
        return 'registered';
      });
      // A few round trips to the database give an unlocked second caller every chance to run before the first ends.
      for (let i = 0; i < 3; i++) await store.getMeta('unrelated');
      expect(events).toEqual(['first in']);
      releaseFirst();
      await expect(first).rejects.toThrow('registration refused');
      await expect(second).resolves.toBe('registered');
      expect(events).toEqual(['first in', 'first out', 'second in']);
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

    /** Every id of `firstSeenAll` runs with its instant, in id order. */
    const firstSeenPairs = (runs: FirstSeenRows[]) =>
      runs
        .flatMap((run) => {
          const ids = run.ids.split('\n');
          expect(ids).toHaveLength(run.count);
          expect(run.firstSeen).toHaveLength(run.count);
          return ids.map((id, i) => [id, run.firstSeen[i]] as const);
        })
        .sort(([a], [b]) => (a < b ? -1 : 1));

    it('GIVEN first-seen instants recorded THEN one read returns every id with its first instant in ms, ids and instants at the same index', async () => {
      const store = await open();
      expect(await store.firstSeenAll()).toEqual([]);
      await store.recordFirstSeen([
        { id: 'a/one', firstSeen: new Date('2026-11-21T10:00:00.123Z') },
        { id: 'a/two', firstSeen: new Date('2026-11-21T11:00:00Z') },
      ]);
      await store.recordFirstSeen([
        { id: 'a/one', firstSeen: new Date('2026-11-25T09:00:00Z') },
        { id: 'b/ünïcode three', firstSeen: new Date('1999-12-31T23:59:59.999Z') },
      ]);
      expect(firstSeenPairs(await store.firstSeenAll())).toEqual([
        ['a/one', Date.parse('2026-11-21T10:00:00.123Z')],
        ['a/two', Date.parse('2026-11-21T11:00:00Z')],
        ['b/ünïcode three', Date.parse('1999-12-31T23:59:59.999Z')],
      ]);
      await store.close();
    });

    it('GIVEN more first-seen rows than a run holds THEN the runs together return each id once, with its own instant; an id with a newline is left out', async () => {
      const store = await open();
      const items = Array.from({ length: 7 }, (_, i) => ({ id: `c/${i}`, firstSeen: new Date(Date.UTC(2026, 10, 1 + i, 8, 0, 0, i)) }));
      await store.recordFirstSeen([...items.slice(0, 3), { id: 'c/bad\nid', firstSeen: new Date('2026-11-20T00:00:00Z') }, ...items.slice(3)]);
      const runs = await store.firstSeenAll(3);
      expect(runs.map((r) => r.count)).toEqual([3, 3, 1]);
      expect(firstSeenPairs(runs)).toEqual(items.map((it) => [it.id, it.firstSeen.getTime()]));
      await store.close();
    });

    it('GIVEN two channels of one server with their own topics and frequency THEN each is its own subscription: listed, claimed, turned off and paused apart', async () => {
      const store = await open();
      const at = new Date('2026-11-21T18:00:00Z');
      await store.upsertSubscription({ guildId: 'g', channelId: 'bitcoin', time: '08:00', timezone: 'UTC', topics: ['Bitcoin', 'Markets'], topStories: 3, nextDueAt: new Date('2026-11-23T08:00:00Z') }, at);
      await store.upsertSubscription(
        { guildId: 'g', channelId: 'weekly', time: '08:00', timezone: 'UTC', topics: null, frequency: 'weekly', weekday: 1, topStories: 10, nextDueAt: new Date('2026-11-23T08:00:00Z') },
        new Date(at.getTime() + 1000),
      );
      expect((await store.listSubscriptions('g')).map((x) => [x.channelId, x.topics, x.frequency, x.weekday, x.topStories])).toEqual([
        ['bitcoin', ['Bitcoin', 'Markets'], 'daily', null, 3],
        ['weekly', null, 'weekly', 1, 10],
      ]);
      expect(await store.getSubscription('g', 'weekly')).toMatchObject({ frequency: 'weekly', weekday: 1 });
      expect((await store.getSubscription('g'))?.channelId).toBe('bitcoin');
      // Same server, same slot, two channels: two deliveries, each with its channel's settings.
      const claimed = await store.claimDue(claimAt('2026-11-23T08:00:01Z', 'p1'));
      expect(claimed.map((d) => [d.channelId, d.slot, d.topics, d.frequency, d.topStories, d.periodTo.getTime() - d.periodFrom.getTime()])).toEqual([
        ['bitcoin', '2026-11-23T08:00:00.000Z', ['Bitcoin', 'Markets'], 'daily', 3, DAY],
        ['weekly', '2026-11-23T08:00:00.000Z', null, 'weekly', 10, 7 * DAY],
      ]);
      expect((await store.getSubscription('g', 'bitcoin'))?.nextDueAt).toEqual(new Date('2026-11-24T08:00:00Z'));
      expect((await store.getSubscription('g', 'weekly'))?.nextDueAt).toEqual(new Date('2026-11-30T08:00:00Z'));
      expect((await store.latestDelivery('g', 'bitcoin'))?.id).toBe(claimed[0]!.id);
      const manual = await store.claimManual({ guildId: 'g', channelId: 'weekly', now: new Date('2026-11-23T09:00:00Z'), owner: 'x', leaseMs: 60_000, firstPeriodMs: DAY, maxPeriodMs: 7 * DAY });
      expect(manual).toMatchObject({ channelId: 'weekly', frequency: 'weekly', topStories: 10, periodFrom: new Date('2026-11-23T08:00:00Z') });

      expect(await store.pauseChannel('g', 'weekly', 'refused', new Date())).toEqual(['g']);
      expect(await store.markPauseNotified('g', 'bitcoin')).toBe(false);
      expect(await store.markPauseNotified('g', 'weekly')).toBe(true);
      expect(await store.disableSubscription('g', new Date(), 'bitcoin')).toBe(true);
      expect(await store.disableSubscription('g', new Date(), 'bitcoin')).toBe(false);
      expect((await store.listSubscriptions('g')).map((x) => [x.channelId, x.enabled, x.pausedReason])).toEqual([
        ['bitcoin', false, null],
        ['weekly', true, 'refused'],
      ]);
      // Set again: the channel's row is replaced (resumed, new schedule), not duplicated.
      await store.upsertSubscription({ guildId: 'g', channelId: 'weekly', time: '07:00', timezone: 'UTC', topics: ['AI'], nextDueAt: new Date('2026-11-24T07:00:00Z') }, new Date());
      expect((await store.listSubscriptions('g')).map((x) => [x.channelId, x.frequency, x.weekday, x.topStories, x.pausedReason])).toEqual([
        ['bitcoin', 'daily', null, 3, null],
        ['weekly', 'daily', null, 5, null],
      ]);
      await store.close();
    });

    it('GIVEN a weekly digest on Mondays in Berlin THEN its first digest covers the local week, 169 hours across the end of DST, and a three-week downtime gives one catch-up of one week', async () => {
      const store = await open();
      await store.upsertSubscription(
        { guildId: 'w', channelId: 'c', time: '08:00', timezone: 'Europe/Berlin', topics: null, frequency: 'weekly', weekday: 1, nextDueAt: new Date('2026-10-26T07:00:00Z') },
        new Date('2026-10-20T00:00:00Z'),
      );
      const [first] = await store.claimDue(claimAt('2026-10-26T07:00:01Z', 'x'));
      expect(first).toMatchObject({ slot: '2026-10-26T07:00:00.000Z', reason: 'scheduled', periodFrom: new Date('2026-10-19T06:00:00Z'), periodTo: new Date('2026-10-26T07:00:00Z') });
      await store.finish(first!.id, 'x', 'delivered', null, new Date());
      expect((await store.getSubscription('w'))?.nextDueAt).toEqual(new Date('2026-11-02T07:00:00Z'));
      const [late] = await store.claimDue(claimAt('2026-11-18T12:00:00Z', 'x'));
      expect(late).toMatchObject({ slot: '2026-11-16T07:00:00.000Z', reason: 'catch-up', periodFrom: new Date('2026-11-09T07:00:00Z'), periodTo: new Date('2026-11-16T07:00:00Z') });
      expect(await store.claimDue(claimAt('2026-11-18T12:00:05Z', 'x'))).toEqual([]);
      expect((await store.getSubscription('w'))?.nextDueAt).toEqual(new Date('2026-11-23T07:00:00Z'));
      await store.close();
    });

    it('GIVEN follows THEN a server has at most the limit, no duplicate per channel, lists its own, and removes only its own', async () => {
      const store = await open();
      const now = new Date('2026-11-22T10:00:00Z');
      const a = await store.addFollow({ guildId: 'g', channelId: 'c', query: 'bitcoin etf', createdBy: 'u1' }, now, 2);
      expect(a).toMatchObject({ ok: true, follow: { guildId: 'g', channelId: 'c', query: 'bitcoin etf', createdBy: 'u1', coveredTo: now, lastBatchAt: null } });
      expect(await store.addFollow({ guildId: 'g', channelId: 'c', query: 'bitcoin etf', createdBy: 'u2' }, now, 2)).toEqual({ ok: false, reason: 'duplicate' });
      expect((await store.addFollow({ guildId: 'g', channelId: 'other', query: 'bitcoin etf', createdBy: null }, now, 2)).ok).toBe(true);
      expect(await store.addFollow({ guildId: 'g', channelId: 'c', query: 'musk', createdBy: null }, now, 2)).toEqual({ ok: false, reason: 'limit' });
      expect((await store.addFollow({ guildId: 'h', channelId: 'c', query: 'musk', createdBy: null }, now, 2)).ok).toBe(true);
      expect((await store.listFollows('g')).map((f) => [f.channelId, f.query])).toEqual([
        ['c', 'bitcoin etf'],
        ['other', 'bitcoin etf'],
      ]);
      expect(await store.listFollows()).toHaveLength(3);
      const id = a.ok ? a.follow.id : -1;
      expect(await store.removeFollow('h', id)).toBeUndefined();
      expect((await store.removeFollow('g', id))?.query).toBe('bitcoin etf');
      expect(await store.removeFollow('g', id)).toBeUndefined();
      expect((await store.listFollows('g')).map((f) => f.channelId)).toEqual(['other']);
      await store.close();
    });

    it('GIVEN a follow batch claimed by two owners at once THEN one delivery exists, stored rendered and leased, and it never moves the channel digest\'s period', async () => {
      const store = await setUp(['g']);
      const t0 = new Date('2026-11-22T10:00:00Z');
      const added = await store.addFollow({ guildId: 'g', channelId: 'c-g', query: 'musk', createdBy: null }, t0, 25);
      const follow = added.ok ? added.follow : undefined;
      const t1 = new Date('2026-11-22T10:05:00Z');
      const batch = (owner: string) => ({ followId: follow!.id, from: t0, to: t1, payloads: [payload('🔔 2 new articles')], articleCount: 2, now: t1, owner, leaseMs: 60_000 });
      const [x, y] = await Promise.all([store.claimFollowBatch(batch('x')), store.claimFollowBatch(batch('y'))]);
      const won = [x, y].filter((r) => r.delivery);
      expect(won).toHaveLength(1);
      expect([x.moved, y.moved].filter(Boolean)).toHaveLength(1);
      expect(won[0]!.delivery).toMatchObject({
        guildId: 'g',
        channelId: 'c-g',
        reason: 'follow',
        status: 'claimed',
        slot: `follow:${follow!.id}:2026-11-22T10:00:00.000Z`,
        periodFrom: t0,
        periodTo: t1,
        payloads: [payload('🔔 2 new articles')],
        messageIds: [null],
        articleCount: 2,
      });
      expect((await store.listFollows('g'))[0]).toMatchObject({ coveredTo: t1, lastBatchAt: t1 });
      // Moving an idle follow on records no batch.
      expect(await store.claimFollowBatch({ ...batch('x'), from: t1, to: new Date('2026-11-22T11:00:00Z'), payloads: null, articleCount: 0 })).toEqual({ moved: true });
      expect((await store.listFollows('g'))[0]).toMatchObject({ coveredTo: new Date('2026-11-22T11:00:00Z'), lastBatchAt: t1 });
      // The follow's row is not a digest: the channel's first digest still covers the day before its slot.
      expect(await store.latestDelivery('g')).toBeUndefined();
      const [digest] = await store.claimDue(claimAt('2026-11-22T08:00:01Z', 'x'));
      expect(digest).toMatchObject({ channelId: 'c-g', periodFrom: new Date('2026-11-21T08:00:00Z') });
      await store.close();
    });
  });
}
