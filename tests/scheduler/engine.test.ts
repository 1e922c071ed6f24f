import { describe, expect, it } from 'vitest';
import type { Article } from '../../src/content/article.ts';
import { openDatabase } from '../../src/db/database.ts';
import { DatabaseError, type DigestStore } from '../../src/db/digest-store.ts';
import { createSqliteDigestStore } from '../../src/db/sqlite-digest-store.ts';
import { digestNonce, hasMarker, NONCE_MAX_LENGTH, partMarker } from '../../src/payload/message-identity.ts';
import { createDeliveryEngine, type EngineOptions } from '../../src/scheduler/engine.ts';
import { classifySendError, type DigestSender, type NoncePayload } from '../../src/scheduler/sender.ts';
import { makeArticle } from '../support/article-factory.ts';
import { tempDir } from '../support/temp-dir.ts';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** A Discord stand-in: channels of messages, nonce dedupe per author while `nonceWindow` is on, scripted failures. */
function fakeDiscord() {
  const channels = new Map<string, Array<{ id: string; content: string; nonce: string }>>();
  const nonces = new Map<string, string>();
  const failures: Array<{ status?: number; code?: number; applied?: boolean }> = [];
  let next = 1;
  let nonceWindow = true;
  const denied = new Set<string>();
  const sender: DigestSender = {
    async send(channelId: string, payload: NoncePayload) {
      const seen = nonceWindow ? nonces.get(payload.nonce) : undefined;
      const f = failures.shift();
      if (f && !f.applied) throw Object.assign(new Error('scripted'), f);
      let id = seen;
      if (!id) {
        id = String(next++);
        const list = channels.get(channelId) ?? [];
        list.push({ id, content: payload.content ?? '', nonce: payload.nonce });
        channels.set(channelId, list);
        nonces.set(payload.nonce, id);
      }
      if (f) throw Object.assign(new Error('answer lost'), { status: undefined });
      return { id };
    },
    async findOwnMessage(channelId, marker) {
      return (channels.get(channelId) ?? []).find((m) => hasMarker(m.content, marker))?.id ?? null;
    },
    checkPermissions: (_g, channelId) => (denied.has(channelId) ? { ok: false, missing: ['Send Messages'] } : { ok: true }),
  };
  return {
    sender,
    posted: (channelId: string) => channels.get(channelId) ?? [],
    fail: (...f: Array<{ status?: number; code?: number; applied?: boolean }>) => failures.push(...f),
    forgetNonces: () => void (nonceWindow = false),
    deny: (channelId: string) => denied.add(channelId),
  };
}

function clockAt(iso: string) {
  let now = new Date(iso).getTime();
  return { now: () => new Date(now), set: (s: string) => void (now = new Date(s).getTime()), advance: (ms: number) => void (now += ms) };
}

const articles = (list: Article[], calls = { n: 0 }) => ({
  calls,
  query: ({ from, to }: { from: Date; to: Date }) => {
    calls.n++;
    return list.filter((a) => a.publishedAt >= from && a.publishedAt < to);
  },
});

async function subscribe(store: DigestStore, guilds: string[], time = '08:00') {
  for (const g of guilds) {
    await store.upsertSubscription({ guildId: g, channelId: `c${g}`, time, timezone: 'UTC', topics: null, nextDueAt: new Date('2026-11-22T08:00:00Z') }, new Date('2026-11-21T12:00:00Z'));
  }
}

function engineFor(store: DigestStore, discord: ReturnType<typeof fakeDiscord>, clock: ReturnType<typeof clockAt>, extra: Partial<EngineOptions> = {}) {
  return createDeliveryEngine({ store, sender: discord.sender, clock, logger: silent, articles: articles([makeArticle({ publishedAt: new Date('2026-11-22T06:00:00Z') })]), backoffMs: [1, 1], ...extra });
}

describe('delivery engine', () => {
  it('derives nonces and markers from channel, slot and part: stable, distinct per channel, within 25 characters', () => {
    expect(digestNonce('c1', '2026-11-22T08:00:00.000Z', 0)).toBe(digestNonce('c1', '2026-11-22T08:00:00.000Z', 0));
    expect(digestNonce('c1', '2026-11-22T08:00:00.000Z', 0)).not.toBe(digestNonce('c2', '2026-11-22T08:00:00.000Z', 0));
    expect(digestNonce('c1', '2026-11-22T08:00:00.000Z', 0)).not.toBe(digestNonce('c1', '2026-11-22T08:00:00.000Z', 1));
    expect(digestNonce('c1', 's', 0).length).toBeLessThanOrEqual(NONCE_MAX_LENGTH);
    expect(partMarker('c1', 's', 0)).toMatch(/^ref [0-9a-z]{12}$/);
  });

  it('classifies Discord failures: 403/404-10003 pause, 400 is rejected, 429/5xx/network are retried', () => {
    expect(classifySendError({ status: 403, code: 50013 })).toBe('pause');
    expect(classifySendError({ status: 404, code: 10003 })).toBe('pause');
    expect(classifySendError({ status: 400, code: 50035 })).toBe('rejected');
    expect(classifySendError({ status: 502 })).toBe('retry');
    expect(classifySendError({ status: 429 })).toBe('retry');
    expect(classifySendError(new Error('socket hang up'))).toBe('retry');
  });

  it('GIVEN two engines on one database file THEN every server gets its digest exactly once', async () => {
    const dir = await tempDir();
    const path = `${dir.root}/bot.sqlite`;
    const a = createSqliteDigestStore(openDatabase(path));
    const b = createSqliteDigestStore(openDatabase(path));
    const guilds = Array.from({ length: 60 }, (_, i) => `g${i}`);
    await subscribe(a, guilds);
    const discord = fakeDiscord();
    const clock = clockAt('2026-11-22T08:00:01Z');
    const calls = { n: 0 };
    const list = [makeArticle({ publishedAt: new Date('2026-11-22T06:00:00Z') })];
    const one = engineFor(a, discord, clock, { articles: articles(list, calls), concurrency: 7 });
    const two = engineFor(b, discord, clock, { articles: articles(list, calls), concurrency: 5 });
    const [x, y] = await Promise.all([one.tick(), two.tick()]);
    expect(x.length + y.length).toBe(60);
    for (const g of guilds) expect(discord.posted(`c${g}`)).toHaveLength(1);
    // Composed once per process for all the servers sharing the period, zone and topics.
    expect(calls.n).toBeLessThanOrEqual(2);
    await a.close();
    await b.close();
    await dir.cleanup();
  });

  it('GIVEN a post whose answer was lost and a restart past the nonce window THEN the history is read and nothing is sent twice', async () => {
    const store = createSqliteDigestStore(openDatabase(':memory:'));
    await subscribe(store, ['g']);
    const discord = fakeDiscord();
    const clock = clockAt('2026-11-22T08:00:01Z');
    // Every try fails: the first was applied (answer lost), the retries are refused.
    discord.fail({ applied: true }, { status: 502 }, { status: 502 });
    const first = engineFor(store, discord, clock);
    expect((await first.tick()).map((o) => o.status)).toEqual(['retrying']);
    expect(discord.posted('cg')).toHaveLength(1);
    discord.forgetNonces();
    clock.advance(2 * 60_000);
    const second = engineFor(store, discord, clock);
    const [done] = await second.tick();
    expect(done).toMatchObject({ status: 'delivered', messageIds: [discord.posted('cg')[0]!.id] });
    expect(discord.posted('cg')).toHaveLength(1);
  });

  // synchronous = NORMAL: a power cut may lose the last commits. Simulated by undoing them in the file.
  const lostRecords = {
    'the first attempt': "UPDATE deliveries SET first_attempt_at = '[null]', attempts = 0",
    'the whole claim': "DELETE FROM deliveries; UPDATE subscriptions SET next_due_at = 1795334400000",
  };
  for (const [what, undo] of Object.entries(lostRecords)) {
    it(`GIVEN a post Discord applied whose record of ${what} was lost, and a restart past the nonce window THEN the history is read and the channel has one digest`, async () => {
      const db = openDatabase(':memory:');
      const store = createSqliteDigestStore(db);
      await subscribe(store, ['g']);
      const discord = fakeDiscord();
      const clock = clockAt('2026-11-22T08:00:01Z');
      discord.fail({ applied: true }, { status: 502 }, { status: 502 });
      expect((await engineFor(store, discord, clock).tick()).map((o) => o.status)).toEqual(['retrying']);
      expect(discord.posted('cg')).toHaveLength(1);
      db.exec(undo);
      expect((await store.listDeliveries('g')).every((d) => d.firstAttemptAt.every((t) => t === null))).toBe(true);
      discord.forgetNonces();
      clock.advance(2 * 60_000);
      const [done] = await engineFor(store, discord, clock).tick();
      expect(done).toMatchObject({ status: 'delivered', messageIds: [discord.posted('cg')[0]!.id] });
      expect(discord.posted('cg')).toHaveLength(1);
    });
  }

  it('GIVEN a post Discord applied and a restart within the nonce window THEN the nonce alone prevents a second message, without reading the history', async () => {
    const db = openDatabase(':memory:');
    const store = createSqliteDigestStore(db);
    await subscribe(store, ['g']);
    const discord = fakeDiscord();
    const clock = clockAt('2026-11-22T08:00:01Z');
    discord.fail({ applied: true }, { status: 502 }, { status: 502 });
    await engineFor(store, discord, clock).tick();
    db.exec("UPDATE deliveries SET first_attempt_at = '[null]', lease_expires_at = 0");
    clock.advance(20_000);
    let searched = 0;
    const sender: DigestSender = { ...discord.sender, findOwnMessage: async (...a) => (searched++, discord.sender.findOwnMessage(...a)) };
    const [done] = await engineFor(store, discord, clock, { sender }).tick();
    expect(done).toMatchObject({ status: 'delivered', messageIds: [discord.posted('cg')[0]!.id] });
    expect(discord.posted('cg')).toHaveLength(1);
    expect(searched).toBe(0);
  });

  it('GIVEN many digests due at once THEN each starts in its own turn of the event loop, so a claimed batch never runs as one long task', async () => {
    const store = createSqliteDigestStore(openDatabase(':memory:'));
    const guilds = Array.from({ length: 20 }, (_, i) => `g${i}`);
    await subscribe(store, guilds);
    const discord = fakeDiscord();
    // Counts turns of the event loop: one per setImmediate round, for as long as the tick runs.
    let turn = 0;
    let spinning = true;
    const spin = () => {
      turn++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const startedInTurn: number[] = [];
    const sender: DigestSender = {
      ...discord.sender,
      checkPermissions: (guildId, channelId) => {
        startedInTurn.push(turn);
        return discord.sender.checkPermissions(guildId, channelId);
      },
    };
    const engine = engineFor(store, { ...discord, sender }, clockAt('2026-11-22T08:00:01Z'));
    const outcomes = await engine.tick();
    spinning = false;
    expect(outcomes.map((o) => o.status)).toEqual(guilds.map(() => 'delivered'));
    expect(startedInTurn).toHaveLength(20);
    expect(new Set(startedInTurn).size).toBe(20);
    for (const g of guilds) expect(discord.posted(`c${g}`)).toHaveLength(1);
  });

  it('GIVEN a 400 THEN that delivery is rejected and never resent, and the next slot is delivered', async () => {
    const store = createSqliteDigestStore(openDatabase(':memory:'));
    await subscribe(store, ['g']);
    const discord = fakeDiscord();
    const clock = clockAt('2026-11-22T08:00:01Z');
    const engine = engineFor(store, discord, clock);
    discord.fail({ status: 400, code: 50035 });
    expect((await engine.tick()).map((o) => o.status)).toEqual(['rejected']);
    clock.advance(10 * 60_000);
    expect(await engine.tick()).toEqual([]);
    clock.set('2026-11-23T08:00:01Z');
    const [next] = await engine.tick();
    expect(next).toMatchObject({ status: 'delivered' });
    // The rejected day is covered again by the next digest.
    expect((await store.getDelivery(next!.deliveryId))?.periodFrom).toEqual(new Date('2026-11-21T08:00:00Z'));
  });

  it('GIVEN a 403, or permissions missing in the cache THEN the subscription is paused, admins told once, and nothing more is sent', async () => {
    const store = createSqliteDigestStore(openDatabase(':memory:'));
    await subscribe(store, ['a', 'b']);
    const discord = fakeDiscord();
    const clock = clockAt('2026-11-22T08:00:01Z');
    const told: string[] = [];
    const engine = engineFor(store, discord, clock, { notifyAdmins: async (g, text) => void told.push(`${g}: ${text}`), concurrency: 1 });
    discord.deny('cb');
    discord.fail({ status: 403, code: 50013 });
    const outcomes = await engine.tick();
    expect(outcomes.map((o) => [o.guildId, o.status])).toEqual([
      ['a', 'paused'],
      ['b', 'paused'],
    ]);
    expect((await store.getSubscription('a'))?.pausedReason).toMatch(/^Discord refused the digest in <#ca> \(HTTP 403 · code 50013/);
    expect((await store.getSubscription('b'))?.pausedReason).toBe('I am missing Send Messages in <#cb>');
    expect(discord.posted('cb')).toEqual([]);
    expect(told).toHaveLength(2);
    await engine.pauseChannel('a', 'ca', 'again');
    expect(told).toHaveLength(2);
    clock.set('2026-11-23T08:00:01Z');
    expect(await engine.tick()).toEqual([]);
  });

  it('GIVEN the database fails after a post went out THEN the post is not repeated: the delivery is left for a takeover', async () => {
    const real = createSqliteDigestStore(openDatabase(':memory:'));
    await subscribe(real, ['g']);
    let broken = true;
    const store: DigestStore = {
      ...real,
      recordMessage: async (...args) => {
        if (broken) throw new DatabaseError('database error while recording a posted message: disk I/O error', new Error('SQLITE_IOERR'));
        return real.recordMessage(...args);
      },
    };
    const discord = fakeDiscord();
    const clock = clockAt('2026-11-22T08:00:01Z');
    const [lost] = await engineFor(store, discord, clock).tick();
    expect(lost).toMatchObject({ status: 'lost' });
    expect(discord.posted('cg')).toHaveLength(1);
    broken = false;
    discord.forgetNonces();
    clock.advance(2 * 60_000);
    const [done] = await engineFor(store, discord, clock).tick();
    expect(done).toMatchObject({ status: 'delivered' });
    expect(discord.posted('cg')).toHaveLength(1);
  });
});
