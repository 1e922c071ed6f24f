import { setTimeout as sleep } from 'node:timers/promises';
import type { MessagePayload } from '../payload/types.ts';
import type { Db } from './database.ts';
import { ARRIVAL_RUN_SQL, readFirstSeenInWorker } from './first-seen-reader.ts';
import { startWalCheckpointer } from './wal-checkpointer.ts';
import {
  DatabaseError,
  FIRST_SEEN_RUN,
  firstSeenRun,
  LeaseLostError,
  type FirstSeenRows,
  type ClaimOptions,
  type Delivery,
  type DeliveryReason,
  type DeliveryStatus,
  type DigestStore,
  type Follow,
  type Frequency,
  type Subscription,
  type SubscriptionInput,
  followSlot,
  subscriptionValues,
} from './digest-store.ts';

interface SubRow {
  guild_id: string;
  channel_id: string;
  time: string;
  timezone: string;
  topics: string | null;
  frequency: Frequency;
  weekday: number | null;
  top_stories: number;
  enabled: number;
  next_due_at: number | null;
  paused_reason: string | null;
  paused_at: string | null;
  pause_notified: number;
  created_at: string;
  updated_at: string;
}

interface DeliveryRow {
  id: number;
  guild_id: string;
  channel_id: string;
  slot: string;
  reason: DeliveryReason;
  status: DeliveryStatus;
  lease_owner: string | null;
  lease_expires_at: number | null;
  period_from: string;
  period_to: string;
  timezone: string;
  topics: string | null;
  frequency: Frequency;
  top_stories: number;
  article_count: number;
  payloads: string | null;
  message_ids: string;
  first_attempt_at: string;
  attempts: number;
  error: string | null;
  created_at: string;
  updated_at: string;
}

const subFromRow = (r: SubRow): Subscription => ({
  guildId: r.guild_id,
  channelId: r.channel_id,
  time: r.time,
  timezone: r.timezone,
  topics: r.topics ? (JSON.parse(r.topics) as string[]) : null,
  frequency: r.frequency,
  weekday: r.frequency === 'weekly' ? r.weekday : null,
  topStories: r.top_stories,
  enabled: r.enabled === 1,
  nextDueAt: r.enabled === 1 && r.next_due_at !== null ? new Date(r.next_due_at) : null,
  pausedReason: r.paused_reason,
  pausedAt: r.paused_at ? new Date(r.paused_at) : null,
  pauseNotified: r.pause_notified === 1,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

const deliveryFromRow = (r: DeliveryRow): Delivery => ({
  id: r.id,
  guildId: r.guild_id,
  channelId: r.channel_id,
  slot: r.slot,
  reason: r.reason,
  status: r.status,
  leaseOwner: r.lease_owner,
  leaseExpiresAt: r.lease_expires_at === null ? null : new Date(r.lease_expires_at),
  periodFrom: new Date(r.period_from),
  periodTo: new Date(r.period_to),
  timezone: r.timezone,
  topics: r.topics ? (JSON.parse(r.topics) as string[]) : null,
  frequency: r.frequency,
  topStories: r.top_stories,
  articleCount: r.article_count,
  payloads: r.payloads ? (JSON.parse(r.payloads) as MessagePayload[]) : null,
  messageIds: JSON.parse(r.message_ids) as (string | null)[],
  firstAttemptAt: (JSON.parse(r.first_attempt_at) as (string | null)[]).map((t) => (t ? new Date(t) : null)),
  attempts: r.attempts,
  error: r.error,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

interface FollowRow {
  id: number;
  guild_id: string;
  channel_id: string;
  query: string;
  created_by: string | null;
  covered_to: number;
  last_batch_at: number | null;
  created_at: string;
}

const followFromRow = (r: FollowRow): Follow => ({
  id: r.id,
  guildId: r.guild_id,
  channelId: r.channel_id,
  query: r.query,
  createdBy: r.created_by,
  coveredTo: new Date(r.covered_to),
  lastBatchAt: r.last_batch_at === null ? null : new Date(r.last_batch_at),
  createdAt: new Date(r.created_at),
});

const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED']);
/** Waits between retries of a locked database: short, growing, with jitter so two processes do not collide again. */
// About 6 s in all (up to 9 s with jitter): enough to ride out another process's short write (a backup,
// a migration, an operator's sqlite3 session) without a write ever blocking the loop for more than the
// 20 ms busy_timeout. Past that, a DatabaseError: the delivery waits for its lease, never resends.
const BUSY_BACKOFF_MS = [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000, 1000];

/**
 * Runs one synchronous SQLite step; when another process holds the lock, retries it later without
 * blocking the event loop. Any other failure becomes a `DatabaseError` (a lost lease stays itself).
 */
async function attempt<T>(what: string, step: () => T): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return step();
    } catch (err) {
      if (err instanceof LeaseLostError) throw err;
      const code = (err as { code?: string }).code;
      if (code && BUSY_CODES.has(code) && i < BUSY_BACKOFF_MS.length) {
        await sleep(BUSY_BACKOFF_MS[i]! * (1 + Math.random() / 2));
        continue;
      }
      throw new DatabaseError(`database error while ${what}: ${(err as Error).message}`, err);
    }
  }
}

const iso = (d: Date) => d.toISOString();

/**
 * The `DigestStore` on SQLite (better-sqlite3). Every write is one short transaction. With
 * `checkpointInWorker` (the bot's own store), WAL checkpoints run in a worker thread
 * (wal-checkpointer.ts), not in the middle of a write on the main thread.
 */
export function createSqliteDigestStore(db: Db, options: { checkpointInWorker?: boolean; onError?: (message: string) => void } = {}): DigestStore {
  const checkpointer = options.checkpointInWorker ? startWalCheckpointer(db, { onError: options.onError }) : null;
  // Without a channel, the server's first subscription: what a server with one digest always meant.
  const getSub = db.prepare<[string], SubRow>('SELECT * FROM subscriptions WHERE guild_id = ? ORDER BY created_at, channel_id LIMIT 1');
  const getChannelSub = db.prepare<[string, string], SubRow>('SELECT * FROM subscriptions WHERE guild_id = ? AND channel_id = ?');
  const listSubs = db.prepare<[string], SubRow>('SELECT * FROM subscriptions WHERE guild_id = ? ORDER BY created_at, channel_id');
  const subOf = (guildId: string, channelId?: string) => (channelId === undefined ? getSub.get(guildId) : getChannelSub.get(guildId, channelId));
  const upsertSub = db.prepare(
    `INSERT INTO subscriptions (guild_id, channel_id, time, timezone, topics, frequency, weekday, top_stories, enabled, next_due_at, paused_reason, paused_at, pause_notified, created_at, updated_at)
     VALUES (@guildId, @channelId, @time, @timezone, @topics, @frequency, @weekday, @topStories, 1, @nextDueAt, NULL, NULL, 0, @now, @now)
     ON CONFLICT (guild_id, channel_id) DO UPDATE SET time = @time, timezone = @timezone, topics = @topics, frequency = @frequency, weekday = @weekday,
       top_stories = @topStories, enabled = 1, next_due_at = @nextDueAt, paused_reason = NULL, paused_at = NULL, pause_notified = 0, updated_at = @now`,
  );
  const disableSub = db.prepare('UPDATE subscriptions SET enabled = 0, next_due_at = NULL, updated_at = ? WHERE guild_id = ? AND enabled = 1');
  const disableChannelSub = db.prepare('UPDATE subscriptions SET enabled = 0, next_due_at = NULL, updated_at = ? WHERE guild_id = ? AND channel_id = ? AND enabled = 1');
  const pauseByChannel = db.prepare<[string, string, string, string, string], { guild_id: string }>(
    `UPDATE subscriptions SET paused_reason = ?, paused_at = ?, pause_notified = 0, updated_at = ?
     WHERE guild_id = ? AND channel_id = ? AND enabled = 1 AND paused_reason IS NULL RETURNING guild_id`,
  );
  const pauseByGuild = db.prepare(
    'UPDATE subscriptions SET paused_reason = ?, paused_at = ?, pause_notified = 0, updated_at = ? WHERE guild_id = ? AND enabled = 1 AND paused_reason IS NULL',
  );
  const markNotified = db.prepare('UPDATE subscriptions SET pause_notified = 1 WHERE guild_id = ? AND paused_reason IS NOT NULL AND pause_notified = 0');
  const markChannelNotified = db.prepare('UPDATE subscriptions SET pause_notified = 1 WHERE guild_id = ? AND channel_id = ? AND paused_reason IS NOT NULL AND pause_notified = 0');
  const dueSubs = db.prepare<[number, number], SubRow>(
    'SELECT * FROM subscriptions WHERE enabled = 1 AND paused_reason IS NULL AND next_due_at <= ? ORDER BY next_due_at, guild_id, channel_id LIMIT ?',
  );
  const advanceSub = db.prepare('UPDATE subscriptions SET next_due_at = ? WHERE guild_id = ? AND channel_id = ? AND next_due_at = ?');
  // The channel's latest digest that reached it or may still (claimed): the next period starts where it ended.
  // A follow's batches in the same channel are not digests and never move a digest's period.
  const lastCovered = db.prepare<[string, string], { period_to: string }>(
    "SELECT period_to FROM deliveries WHERE guild_id = ? AND channel_id = ? AND reason <> 'follow' AND status IN ('delivered', 'claimed', 'skipped') ORDER BY period_to DESC LIMIT 1",
  );
  // With no covered digest, the earliest refused or failed one says where the channel's uncovered news starts.
  const firstTried = db.prepare<[string, string], { period_from: string | null }>(
    "SELECT MIN(period_from) AS period_from FROM deliveries WHERE guild_id = ? AND channel_id = ? AND reason <> 'follow'",
  );
  const insertDelivery = db.prepare(
    `INSERT INTO deliveries (guild_id, channel_id, slot, reason, status, lease_owner, lease_expires_at, period_from, period_to, timezone, topics, frequency, top_stories, created_at, updated_at)
     VALUES (@guildId, @channelId, @slot, @reason, 'claimed', @owner, @leaseUntil, @from, @to, @timezone, @topics, @frequency, @topStories, @now, @now)
     ON CONFLICT (guild_id, channel_id, slot) DO NOTHING`,
  );
  const expired = db.prepare<[number, number], DeliveryRow>(
    "SELECT * FROM deliveries WHERE status = 'claimed' AND lease_expires_at <= ? ORDER BY lease_expires_at, id LIMIT ?",
  );
  const takeOver = db.prepare("UPDATE deliveries SET lease_owner = ?, lease_expires_at = ? WHERE id = ? AND status = 'claimed' AND lease_expires_at <= ?");
  const byId = db.prepare<[number], DeliveryRow>('SELECT * FROM deliveries WHERE id = ?');
  const renew = db.prepare("UPDATE deliveries SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND status = 'claimed'");
  const release = db.prepare("UPDATE deliveries SET lease_owner = NULL, lease_expires_at = ?, error = ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'claimed'");
  const setPayloads = db.prepare(
    "UPDATE deliveries SET payloads = ?, article_count = ?, message_ids = ?, first_attempt_at = ?, attempts = attempts + ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'claimed' AND payloads IS NULL",
  );
  // One statement each (json_set on the stored arrays), not a read and a write in a transaction: every
  // write of a delivery is a single short commit, so a burst of them never holds the event loop.
  const setAttempt = db.prepare(
    "UPDATE deliveries SET first_attempt_at = json_set(first_attempt_at, ?, ?), attempts = attempts + ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'claimed'",
  );
  const setId = db.prepare(
    `UPDATE deliveries SET message_ids = json_set(message_ids, ?, ?), updated_at = ?,
       status = CASE WHEN ? THEN 'delivered' ELSE status END,
       error = CASE WHEN ? THEN NULL ELSE error END,
       lease_owner = CASE WHEN ? THEN NULL ELSE lease_owner END,
       lease_expires_at = CASE WHEN ? THEN NULL ELSE lease_expires_at END
     WHERE id = ? AND lease_owner = ? AND status = 'claimed'`,
  );
  const finishRow = db.prepare(
    "UPDATE deliveries SET status = ?, error = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'claimed'",
  );
  const latest = db.prepare<[string], DeliveryRow>("SELECT * FROM deliveries WHERE guild_id = ? AND reason <> 'follow' ORDER BY id DESC LIMIT 1");
  const latestInChannel = db.prepare<[string, string], DeliveryRow>("SELECT * FROM deliveries WHERE guild_id = ? AND channel_id = ? AND reason <> 'follow' ORDER BY id DESC LIMIT 1");
  const countFollows = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM follows WHERE guild_id = ?');
  const sameFollow = db.prepare<[string, string, string], { id: number }>('SELECT id FROM follows WHERE guild_id = ? AND channel_id = ? AND query = ?');
  const insertFollow = db.prepare<[string, string, string, string | null, number, string], FollowRow>(
    'INSERT INTO follows (guild_id, channel_id, query, created_by, covered_to, last_batch_at, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?) RETURNING *',
  );
  const guildFollows = db.prepare<[string], FollowRow>('SELECT * FROM follows WHERE guild_id = ? ORDER BY id');
  const everyFollow = db.prepare<[], FollowRow>('SELECT * FROM follows ORDER BY id');
  const deleteFollow = db.prepare<[string, number], FollowRow>('DELETE FROM follows WHERE guild_id = ? AND id = ? RETURNING *');
  const followById = db.prepare<[number], FollowRow>('SELECT * FROM follows WHERE id = ?');
  const moveFollow = db.prepare('UPDATE follows SET covered_to = @to, last_batch_at = CASE WHEN @batch THEN @now ELSE last_batch_at END WHERE id = @id AND covered_to = @from');
  const all = db.prepare<[string], DeliveryRow>('SELECT * FROM deliveries WHERE guild_id = ? ORDER BY id');
  const insertArrival = db.prepare('INSERT INTO article_arrivals (article_id, first_seen) VALUES (?, ?) ON CONFLICT (article_id) DO NOTHING');
  const arrivalOf = db.prepare<[string], { first_seen: number }>('SELECT first_seen FROM article_arrivals WHERE article_id = ?');
  // A run of rows in the table's order, its ids and instants each joined into one string by the database:
  // no value per row crosses into JavaScript. Both aggregates read the same rows in the same order.
  const arrivalRun = db.prepare<[number, number], { n: number; last: number | null; ids: string | null; times: string | null }>(ARRIVAL_RUN_SQL);
  // In one transaction, so every run reads the same table.
  const everyArrival = db.transaction((runRows: number) => {
    const runs: FirstSeenRows[] = [];
    for (let after = 0; ; ) {
      const run = arrivalRun.get(after, runRows)!;
      if (run.n === 0) return runs;
      runs.push(firstSeenRun(run.n, run.ids, run.times));
      after = run.last!;
    }
  });
  const recordArrivals = db.transaction((items: ReadonlyArray<{ id: string; firstSeen: Date }>) => {
    const out = new Map<string, Date>();
    for (const { id, firstSeen } of items) {
      insertArrival.run(id, firstSeen.getTime());
      out.set(id, new Date(arrivalOf.get(id)!.first_seen));
    }
    return out;
  });
  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  /** The tail of each `withMetaLock` queue, by key. */
  const metaLocks = new Map<string, Promise<void>>();

  /**
   * Where the next period of a channel starts: after its last covered digest; else where its first
   * (refused or failed) digest started, so a rejected day is covered by the next one; else
   * `firstPeriodMs` back. Never more than `maxPeriodMs` back.
   */
  const periodStart = (guildId: string, channelId: string, to: number, firstPeriodMs: number, maxPeriodMs: number): number => {
    const last = lastCovered.get(guildId, channelId);
    const tried = last ? undefined : firstTried.get(guildId, channelId)?.period_from;
    const from = last ? new Date(last.period_to).getTime() : tried ? new Date(tried).getTime() : to - firstPeriodMs;
    return Math.max(Math.min(from, to), to - maxPeriodMs);
  };

  /** A lease-guarded write: no row changed means another process holds the delivery now. */
  const guarded = (id: number, changes: number) => {
    if (changes === 0) throw new LeaseLostError(id);
  };

  const claimTx = db.transaction((o: ClaimOptions): number[] => {
    const now = o.now.getTime();
    const leaseUntil = now + o.leaseMs;
    const ids: number[] = [];
    // Work a dead process left half done comes first: it is older than anything due now.
    for (const r of expired.all(now, o.limit)) if (takeOver.run(o.owner, leaseUntil, r.id, now).changes > 0) ids.push(r.id);
    for (const r of dueSubs.all(now, o.limit - ids.length)) {
      const plan = o.plan({ time: r.time, timezone: r.timezone, frequency: r.frequency, weekday: r.weekday, nextDueAt: new Date(r.next_due_at!) }, o.now);
      const to = plan.slot.getTime();
      const info = insertDelivery.run({
        guildId: r.guild_id,
        channelId: r.channel_id,
        slot: iso(plan.slot),
        reason: plan.reason,
        owner: o.owner,
        leaseUntil,
        from: iso(new Date(periodStart(r.guild_id, r.channel_id, to, plan.firstPeriodMs ?? o.firstPeriodMs, plan.maxPeriodMs ?? o.maxPeriodMs))),
        to: iso(plan.slot),
        timezone: r.timezone,
        topics: r.topics,
        frequency: r.frequency,
        topStories: r.top_stories,
        now: iso(o.now),
      });
      if (info.changes > 0) ids.push(Number(info.lastInsertRowid));
      advanceSub.run(plan.next.getTime(), r.guild_id, r.channel_id, r.next_due_at);
    }
    return ids;
  });

  const store: DigestStore = {
    getSubscription: (guildId, channelId) => attempt('reading a subscription', () => {
      const r = subOf(guildId, channelId);
      return r ? subFromRow(r) : undefined;
    }),
    listSubscriptions: (guildId) => attempt('listing subscriptions', () => listSubs.all(guildId).map(subFromRow)),
    upsertSubscription: (s: SubscriptionInput, now) =>
      attempt('saving a subscription', () => {
        upsertSub.run({ ...subscriptionValues(s), nextDueAt: s.nextDueAt.getTime(), now: iso(now) });
        return subFromRow(getChannelSub.get(s.guildId, s.channelId)!);
      }),
    disableSubscription: (guildId, now, channelId) =>
      attempt('turning a digest off', () => (channelId === undefined ? disableSub.run(iso(now), guildId) : disableChannelSub.run(iso(now), guildId, channelId)).changes > 0),
    pauseChannel: (guildId, channelId, reason, now) =>
      attempt('pausing a channel', () => pauseByChannel.all(reason, iso(now), iso(now), guildId, channelId).map((r) => r.guild_id)),
    pauseGuild: (guildId, reason, now) => attempt('pausing a server', () => pauseByGuild.run(reason, iso(now), iso(now), guildId).changes > 0),
    markPauseNotified: (guildId, channelId) =>
      attempt('marking a pause as told', () => (channelId === undefined ? markNotified.run(guildId) : markChannelNotified.run(guildId, channelId)).changes > 0),

    claimDue: async (o) => {
      const ids = await attempt('claiming due digests', () => claimTx.immediate(o));
      return attempt('reading claimed digests', () => ids.map((id) => deliveryFromRow(byId.get(id)!)));
    },
    claimManual: (o) =>
      attempt('claiming a send-now digest', () =>
        db.transaction(() => {
          const sub = subOf(o.guildId, o.channelId);
          if (!sub || sub.enabled !== 1) return undefined;
          const to = o.now.getTime();
          const info = insertDelivery.run({
            guildId: sub.guild_id,
            channelId: sub.channel_id,
            slot: `manual:${iso(o.now)}`,
            reason: 'manual',
            owner: o.owner,
            leaseUntil: to + o.leaseMs,
            from: iso(new Date(periodStart(sub.guild_id, sub.channel_id, to, o.firstPeriodMs, o.maxPeriodMs))),
            to: iso(o.now),
            timezone: sub.timezone,
            topics: sub.topics,
            frequency: sub.frequency,
            topStories: sub.top_stories,
            now: iso(o.now),
          });
          return info.changes > 0 ? deliveryFromRow(byId.get(Number(info.lastInsertRowid))!) : undefined;
        }).immediate(),
      ),
    renewLease: (id, owner, until) => attempt('renewing a lease', () => renew.run(until.getTime(), id, owner).changes > 0),
    releaseLease: (id, owner, retryAt, error, now) =>
      attempt('releasing a lease', () => void release.run(retryAt.getTime(), error, iso(now), id, owner)),

    savePayloads: (id, owner, payloads, articleCount, now, firstAttemptAt) =>
      attempt('saving rendered messages', () => {
        const empty = JSON.stringify(payloads.map(() => null));
        const times = firstAttemptAt ? JSON.stringify(payloads.map((_, i) => (i === 0 ? iso(firstAttemptAt) : null))) : empty;
        guarded(id, setPayloads.run(JSON.stringify(payloads), articleCount, empty, times, firstAttemptAt ? 1 : 0, iso(now), id, owner).changes);
      }),
    markAttempt: (id, owner, part, at, now) =>
      attempt('recording an attempt', () => guarded(id, setAttempt.run(`$[${part}]`, at ? iso(at) : null, at ? 1 : 0, iso(now), id, owner).changes)),
    recordMessage: (id, owner, part, messageId, now, finish = false) =>
      attempt('recording a posted message', () => {
        const f = finish ? 1 : 0;
        guarded(id, setId.run(`$[${part}]`, messageId, iso(now), f, f, f, f, id, owner).changes);
      }),
    finish: (id, owner, status, error, now) => attempt('finishing a delivery', () => guarded(id, finishRow.run(status, error, iso(now), id, owner).changes)),

    getDelivery: (id) => attempt('reading a delivery', () => {
      const r = byId.get(id);
      return r ? deliveryFromRow(r) : undefined;
    }),
    latestDelivery: (guildId, channelId) => attempt('reading the last delivery', () => {
      const r = channelId === undefined ? latest.get(guildId) : latestInChannel.get(guildId, channelId);
      return r ? deliveryFromRow(r) : undefined;
    }),
    listDeliveries: (guildId) => attempt('listing deliveries', () => all.all(guildId).map(deliveryFromRow)),
    recordFirstSeen: (items) => attempt('recording new articles', () => recordArrivals.immediate(items)),
    // A file's arrivals are read by a worker thread (see `readFirstSeenInWorker`); an in-memory database
    // has no file for a second connection, and a worker that fails leaves the read to this connection.
    firstSeenAll: (runRows = FIRST_SEEN_RUN) => {
      const here = () => attempt('reading when articles were first seen', () => everyArrival(runRows));
      return db.memory ? here() : readFirstSeenInWorker(db, runRows).catch(here);
    },
    addFollow: (f, now, max) =>
      attempt('saving a follow', () =>
        db.transaction(() => {
          if (sameFollow.get(f.guildId, f.channelId, f.query)) return { ok: false as const, reason: 'duplicate' as const };
          if (countFollows.get(f.guildId)!.n >= max) return { ok: false as const, reason: 'limit' as const };
          return { ok: true as const, follow: followFromRow(insertFollow.get(f.guildId, f.channelId, f.query, f.createdBy, now.getTime(), iso(now))!) };
        }).immediate(),
      ),
    listFollows: (guildId) => attempt('listing follows', () => (guildId === undefined ? everyFollow.all() : guildFollows.all(guildId)).map(followFromRow)),
    removeFollow: (guildId, id) =>
      attempt('removing a follow', () => {
        const r = deleteFollow.get(guildId, id);
        return r ? followFromRow(r) : undefined;
      }),
    claimFollowBatch: (c) =>
      attempt('claiming a follow batch', () =>
        db.transaction(() => {
          const moved = moveFollow.run({ id: c.followId, from: c.from.getTime(), to: c.to.getTime(), now: c.now.getTime(), batch: c.payloads ? 1 : 0 }).changes > 0;
          if (!moved || !c.payloads) return { moved };
          const f = followById.get(c.followId)!;
          const info = insertDelivery.run({
            guildId: f.guild_id,
            channelId: f.channel_id,
            slot: followSlot(c.followId, c.from),
            reason: 'follow',
            owner: c.owner,
            leaseUntil: c.now.getTime() + c.leaseMs,
            from: iso(c.from),
            to: iso(c.to),
            timezone: 'UTC',
            topics: null,
            frequency: 'daily',
            topStories: 0,
            now: iso(c.now),
          });
          if (info.changes === 0) return { moved };
          const id = Number(info.lastInsertRowid);
          // Rendered before the claim, stored with it: a takeover sends exactly these messages.
          setPayloads.run(JSON.stringify(c.payloads), c.articleCount, JSON.stringify(c.payloads.map(() => null)), JSON.stringify(c.payloads.map(() => null)), 0, iso(c.now), id, c.owner);
          return { moved, delivery: deliveryFromRow(byId.get(id)!) };
        }).immediate(),
      ),
    getMeta: (key) => attempt('reading a setting', () => getMeta.get(key)?.value),
    setMeta: (key, value) => attempt('saving a setting', () => void setMeta.run(key, value)),
    withMetaLock: <T>(key: string, fn: () => Promise<T>): Promise<T> => {
      // In this process only: holding a SQLite write lock across a network request would stall every other writer.
      const run = (metaLocks.get(key) ?? Promise.resolve()).then(fn);
      const settled = run.then(
        () => undefined,
        () => undefined,
      );
      metaLocks.set(key, settled);
      void settled.then(() => {
        if (metaLocks.get(key) === settled) metaLocks.delete(key);
      });
      return run;
    },
    close: async () => {
      await checkpointer?.stop();
      if (db.open) db.close();
    },
  };
  return store;
}
