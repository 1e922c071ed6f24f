import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { MessagePayload } from '../payload/types.ts';
import { DatabaseOpenError } from './database.ts';
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
import { migratePostgres } from './postgres-schema.ts';

interface SubRow {
  guild_id: string;
  channel_id: string;
  time: string;
  timezone: string;
  topics: string | null;
  frequency: Frequency;
  weekday: number | null;
  top_stories: number;
  enabled: boolean;
  next_due_at: Date | null;
  paused_reason: string | null;
  paused_at: Date | null;
  pause_notified: boolean;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  id: string;
  guild_id: string;
  channel_id: string;
  slot: string;
  reason: DeliveryReason;
  status: DeliveryStatus;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  period_from: Date;
  period_to: Date;
  timezone: string;
  topics: string | null;
  frequency: Frequency;
  top_stories: number;
  article_count: number;
  payloads: string | null;
  message_ids: (string | null)[];
  first_attempt_at: (string | null)[];
  attempts: number;
  error: string | null;
  created_at: Date;
  updated_at: Date;
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
  enabled: r.enabled,
  nextDueAt: r.enabled && r.next_due_at !== null ? r.next_due_at : null,
  pausedReason: r.paused_reason,
  pausedAt: r.paused_at,
  pauseNotified: r.pause_notified,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const deliveryFromRow = (r: DeliveryRow): Delivery => ({
  // BIGINT comes back as text; ids stay far below 2^53.
  id: Number(r.id),
  guildId: r.guild_id,
  channelId: r.channel_id,
  slot: r.slot,
  reason: r.reason,
  status: r.status,
  leaseOwner: r.lease_owner,
  leaseExpiresAt: r.lease_expires_at,
  periodFrom: r.period_from,
  periodTo: r.period_to,
  timezone: r.timezone,
  topics: r.topics ? (JSON.parse(r.topics) as string[]) : null,
  frequency: r.frequency,
  topStories: r.top_stories,
  articleCount: r.article_count,
  payloads: r.payloads ? (JSON.parse(r.payloads) as MessagePayload[]) : null,
  messageIds: r.message_ids,
  firstAttemptAt: r.first_attempt_at.map((t) => (t ? new Date(t) : null)),
  attempts: r.attempts,
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

interface FollowRow {
  id: string;
  guild_id: string;
  channel_id: string;
  query: string;
  created_by: string | null;
  covered_to: Date;
  last_batch_at: Date | null;
  created_at: Date;
}

const followFromRow = (r: FollowRow): Follow => ({
  id: Number(r.id),
  guildId: r.guild_id,
  channelId: r.channel_id,
  query: r.query,
  createdBy: r.created_by,
  coveredTo: r.covered_to,
  lastBatchAt: r.last_batch_at,
  createdAt: r.created_at,
});

/** SQLSTATEs of a connection lost or refused, a server shutting down or restarting, too many clients, or a conflict to retry. */
const TRANSIENT_SQLSTATE = /^(08...|57P01|57P02|57P03|53300|40001|40P01)$/;
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** node-postgres reports a dropped or timed-out connection with these texts and no code. */
const TRANSIENT_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Connection refused|server closed the connection/i;

/**
 * True for a failure that may pass by itself: Postgres unreachable, restarting or briefly overloaded.
 * Anything else (a constraint, a syntax error, a closed store) is not retried.
 */
export function isTransientPostgresError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (TRANSIENT_SQLSTATE.test(code) || TRANSIENT_NODE_CODES.has(code)) return true;
  if (err instanceof AggregateError) return err.errors.some(isTransientPostgresError);
  return typeof e?.message === 'string' && TRANSIENT_MESSAGE.test(e.message);
}

/**
 * Waits between retries of a call that failed because Postgres was unreachable: about 16 s in all
 * (plus jitter), well inside a 60 s lease, so a restart or failover of the server loses no write.
 * Past that, a `DatabaseError`: a claim is tried again at the next tick, and a delivery waits for its
 * lease to be taken over (and settled from the channel's history), never resent blindly.
 */
export const PG_RETRY_DELAYS_MS: readonly number[] = [100, 200, 400, 800, 1600, 3200, 5000, 5000];

/** A server's subscription for a channel, or (with a null channel) its first one. */
const SUB_OF = 'SELECT * FROM subscriptions WHERE guild_id = $1 AND ($2::text IS NULL OR channel_id = $2) ORDER BY created_at, channel_id LIMIT 1';
/** The first key of the advisory lock that serialises one server's new follows ("fllw"). */
const FOLLOW_LOCK_KEY = 0x666c6c77;

/** How a `DigestStore` on Postgres is built. */
export interface PostgresStoreOptions {
  /** Waits between retries of a transient failure; tests pass shorter ones. */
  retryDelaysMs?: readonly number[];
  /** Called with a connection's error that no call was waiting for (the server went away while it was idle). */
  onError?: (message: string) => void;
  /** Called before each retry of a call that failed because Postgres was unreachable (for a log line). */
  onRetry?: (info: { what: string; attempt: number; delayMs: number; error: string }) => void;
}

const iso = (d: Date) => d.toISOString();

/**
 * The `DigestStore` on Postgres (node-postgres), for several processes on one database. Claims are a
 * work queue: due subscriptions and expired leases are picked with `FOR UPDATE SKIP LOCKED`, so
 * processes claiming at once take disjoint rows without waiting on each other, and the unique
 * (guild, channel, slot) constraint makes a second claim of one slot a no-op. Calls that fail because
 * the server is unreachable are retried with backoff; a write that may have committed before its
 * answer was lost is checked, not refused, on retry.
 *
 * The pool must reach a database migrated by `migratePostgres` (`openPostgresDigestStore` does both).
 */
export function createPostgresDigestStore(pool: pg.Pool, options: PostgresStoreOptions = {}): DigestStore {
  const delays = options.retryDelaysMs ?? PG_RETRY_DELAYS_MS;
  let closed = false;
  // An idle connection whose server goes away emits here; without a listener the process would crash.
  // Kept after close: a connection still ending when the server stops reports it here, and it is moot.
  pool.on('error', (err: Error) => {
    if (!closed) options.onError?.(`idle Postgres connection failed: ${err.message}`);
  });

  /**
   * Runs one call; a transient failure is retried (the attempt number lets a write check whether its
   * earlier attempt committed). A lost lease stays itself; anything else becomes a `DatabaseError`.
   */
  async function attempt<T>(what: string, step: (attempt: number) => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await step(i);
      } catch (err) {
        if (err instanceof LeaseLostError) throw err;
        if (!closed && i < delays.length && isTransientPostgresError(err)) {
          const delayMs = Math.round(delays[i]! * (1 + Math.random() / 2));
          options.onRetry?.({ what, attempt: i + 1, delayMs, error: (err as Error).message || String(err) });
          await sleep(delayMs);
          continue;
        }
        throw new DatabaseError(`database error while ${what}: ${(err as Error).message || String(err)}`, err);
      }
    }
  }

  /** One transaction on one connection; a connection that failed is dropped, not returned to the pool. */
  async function tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await pool.connect();
    let failure: Error | undefined;
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      failure = err as Error;
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release(failure && isTransientPostgresError(failure) ? failure : undefined);
    }
  }

  const one = async <R extends pg.QueryResultRow>(text: string, values: unknown[]) => (await pool.query<R>(text, values)).rows[0];
  const count = async (text: string, values: unknown[]) => (await pool.query(text, values)).rowCount ?? 0;

  /**
   * A lease-guarded write: no row changed means another process holds the delivery now, unless this
   * is a retry and `done` finds the earlier attempt's write in place (it committed, its answer was lost).
   */
  const guarded = async (id: number, i: number, changes: number, done: () => Promise<boolean>) => {
    if (changes > 0) return;
    if (i > 0 && (await done())) return;
    throw new LeaseLostError(id);
  };

  const insertDelivery = `INSERT INTO deliveries (guild_id, channel_id, slot, reason, status, lease_owner, lease_expires_at, period_from, period_to, timezone, topics, frequency, top_stories, created_at, updated_at)
     SELECT g, ch, s, r, 'claimed', $1, $2, f, t, tz, tp, fq, ts, $3, $3
       FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[], $12::text[], $13::int[])
         AS x(g, ch, s, r, f, t, tz, tp, fq, ts)
     ON CONFLICT (guild_id, channel_id, slot) DO NOTHING
     RETURNING *`;

  /**
   * Where the next period of each channel starts: after its last covered digest; else where its first
   * (refused or failed) digest started, so a rejected day is covered by the next one; else
   * `firstPeriodMs` back. Never more than `maxPeriodMs` back. One query for the whole batch.
   */
  async function periodStarts(
    c: pg.PoolClient,
    items: ReadonlyArray<{ guildId: string; channelId: string; to: number; firstPeriodMs?: number; maxPeriodMs?: number }>,
    firstPeriodMs: number,
    maxPeriodMs: number,
  ): Promise<number[]> {
    // A follow's batches in the same channel are not digests and never move a digest's period.
    const { rows } = await c.query<{ last_to: Date | null; first_from: Date | null }>(
      `SELECT (SELECT max(period_to) FROM deliveries d WHERE d.guild_id = k.g AND d.channel_id = k.ch AND d.reason <> 'follow' AND d.status IN ('delivered', 'claimed', 'skipped')) AS last_to,
              (SELECT min(period_from) FROM deliveries d WHERE d.guild_id = k.g AND d.channel_id = k.ch AND d.reason <> 'follow') AS first_from
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(g, ch, n) ORDER BY k.n`,
      [items.map((x) => x.guildId), items.map((x) => x.channelId)],
    );
    return items.map((item, i) => {
      const r = rows[i]!;
      const { to } = item;
      const from = r.last_to ? r.last_to.getTime() : r.first_from ? r.first_from.getTime() : to - (item.firstPeriodMs ?? firstPeriodMs);
      return Math.max(Math.min(from, to), to - (item.maxPeriodMs ?? maxPeriodMs));
    });
  }

  /** Inserts claimed deliveries (a slot that has its row already is left alone); returns the new rows in the given order. */
  async function insertClaims(
    c: pg.PoolClient,
    o: { owner: string; leaseUntil: Date; now: Date },
    items: ReadonlyArray<{
      guildId: string;
      channelId: string;
      slot: string;
      reason: DeliveryReason;
      from: Date;
      to: Date;
      timezone: string;
      topics: string | null;
      frequency: Frequency;
      topStories: number;
    }>,
  ): Promise<Delivery[]> {
    const { rows } = await c.query<DeliveryRow>(insertDelivery, [
      o.owner,
      o.leaseUntil,
      o.now,
      items.map((x) => x.guildId),
      items.map((x) => x.channelId),
      items.map((x) => x.slot),
      items.map((x) => x.reason),
      items.map((x) => iso(x.from)),
      items.map((x) => iso(x.to)),
      items.map((x) => x.timezone),
      items.map((x) => x.topics),
      items.map((x) => x.frequency),
      items.map((x) => x.topStories),
    ]);
    const order = new Map(items.map((x, i) => [`${x.guildId}\n${x.channelId}\n${x.slot}`, i]));
    return rows.sort((a, b) => order.get(`${a.guild_id}\n${a.channel_id}\n${a.slot}`)! - order.get(`${b.guild_id}\n${b.channel_id}\n${b.slot}`)!).map(deliveryFromRow);
  }

  const claimDue = (o: ClaimOptions) =>
    tx(async (c): Promise<Delivery[]> => {
      const leaseUntil = new Date(o.now.getTime() + o.leaseMs);
      // Work a dead process left half done comes first: it is older than anything due now. Rows another
      // process is taking over right now are skipped, not waited for.
      const taken = await c.query<DeliveryRow>(
        `UPDATE deliveries d SET lease_owner = $1, lease_expires_at = $2
           FROM (SELECT id FROM deliveries WHERE status = 'claimed' AND lease_expires_at <= $3
                  ORDER BY lease_expires_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) t
          WHERE d.id = t.id
         RETURNING d.*`,
        [o.owner, leaseUntil, o.now, o.limit],
      );
      const out = taken.rows.sort((a, b) => Number(a.id) - Number(b.id)).map(deliveryFromRow);
      const room = o.limit - out.length;
      if (room <= 0) return out;
      // Each due subscription is locked by the one claim that picked it; another process's claim skips
      // it and takes the next ones, so processes share a burst instead of queueing on one row.
      const due = await c.query<SubRow>(
        `SELECT * FROM subscriptions WHERE enabled AND paused_reason IS NULL AND next_due_at <= $1
          ORDER BY next_due_at, guild_id, channel_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [o.now, room],
      );
      if (due.rows.length === 0) return out;
      const plans = due.rows.map((r) => o.plan({ time: r.time, timezone: r.timezone, frequency: r.frequency, weekday: r.weekday, nextDueAt: r.next_due_at! }, o.now));
      const starts = await periodStarts(
        c,
        due.rows.map((r, i) => ({
          guildId: r.guild_id,
          channelId: r.channel_id,
          to: plans[i]!.slot.getTime(),
          firstPeriodMs: plans[i]!.firstPeriodMs,
          maxPeriodMs: plans[i]!.maxPeriodMs,
        })),
        o.firstPeriodMs,
        o.maxPeriodMs,
      );
      const inserted = await insertClaims(
        c,
        { owner: o.owner, leaseUntil, now: o.now },
        due.rows.map((r, i) => ({
          guildId: r.guild_id,
          channelId: r.channel_id,
          slot: iso(plans[i]!.slot),
          reason: plans[i]!.reason,
          from: new Date(starts[i]!),
          to: plans[i]!.slot,
          timezone: r.timezone,
          topics: r.topics,
          frequency: r.frequency,
          topStories: r.top_stories,
        })),
      );
      await c.query('UPDATE subscriptions s SET next_due_at = x.next FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS x(g, ch, next) WHERE s.guild_id = x.g AND s.channel_id = x.ch', [
        due.rows.map((r) => r.guild_id),
        due.rows.map((r) => r.channel_id),
        plans.map((p) => iso(p.next)),
      ]);
      return [...out, ...inserted];
    });

  const store: DigestStore = {
    getSubscription: (guildId, channelId) =>
      attempt('reading a subscription', async () => {
        const r = await one<SubRow>(SUB_OF, [guildId, channelId ?? null]);
        return r ? subFromRow(r) : undefined;
      }),
    listSubscriptions: (guildId) =>
      attempt('listing subscriptions', async () => (await pool.query<SubRow>('SELECT * FROM subscriptions WHERE guild_id = $1 ORDER BY created_at, channel_id', [guildId])).rows.map(subFromRow)),
    upsertSubscription: (s: SubscriptionInput, now) => {
      const v = subscriptionValues(s);
      return attempt('saving a subscription', async () =>
        subFromRow(
          (await one<SubRow>(
            `INSERT INTO subscriptions (guild_id, channel_id, time, timezone, topics, frequency, weekday, top_stories, enabled, next_due_at, paused_reason, paused_at, pause_notified, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9, NULL, NULL, FALSE, $10, $10)
             ON CONFLICT (guild_id, channel_id) DO UPDATE SET time = $3, timezone = $4, topics = $5, frequency = $6, weekday = $7, top_stories = $8, enabled = TRUE,
               next_due_at = $9, paused_reason = NULL, paused_at = NULL, pause_notified = FALSE, updated_at = $10
             RETURNING *`,
            [v.guildId, v.channelId, v.time, v.timezone, v.topics, v.frequency, v.weekday, v.topStories, s.nextDueAt, now],
          ))!,
        ),
      );
    },
    disableSubscription: (guildId, now, channelId) =>
      attempt(
        'turning a digest off',
        async () =>
          (await count('UPDATE subscriptions SET enabled = FALSE, next_due_at = NULL, updated_at = $1 WHERE guild_id = $2 AND ($3::text IS NULL OR channel_id = $3) AND enabled', [
            now,
            guildId,
            channelId ?? null,
          ])) > 0,
      ),
    pauseChannel: (guildId, channelId, reason, now) =>
      attempt('pausing a channel', async () =>
        (
          await pool.query<{ guild_id: string }>(
            `UPDATE subscriptions SET paused_reason = $1, paused_at = $2, pause_notified = FALSE, updated_at = $2
              WHERE guild_id = $3 AND channel_id = $4 AND enabled AND paused_reason IS NULL RETURNING guild_id`,
            [reason, now, guildId, channelId],
          )
        ).rows.map((r) => r.guild_id),
      ),
    pauseGuild: (guildId, reason, now) =>
      attempt('pausing a server', async () =>
        (await count('UPDATE subscriptions SET paused_reason = $1, paused_at = $2, pause_notified = FALSE, updated_at = $2 WHERE guild_id = $3 AND enabled AND paused_reason IS NULL', [reason, now, guildId])) > 0,
      ),
    markPauseNotified: (guildId, channelId) =>
      attempt(
        'marking a pause as told',
        async () =>
          (await count('UPDATE subscriptions SET pause_notified = TRUE WHERE guild_id = $1 AND ($2::text IS NULL OR channel_id = $2) AND paused_reason IS NOT NULL AND NOT pause_notified', [
            guildId,
            channelId ?? null,
          ])) > 0,
      ),

    claimDue: (o) => attempt('claiming due digests', () => claimDue(o)),
    claimManual: (o) =>
      attempt('claiming a send-now digest', () =>
        tx(async (c) => {
          const sub = (await c.query<SubRow>(SUB_OF, [o.guildId, o.channelId ?? null])).rows[0];
          if (!sub || !sub.enabled) return undefined;
          const to = o.now.getTime();
          const [from] = await periodStarts(c, [{ guildId: sub.guild_id, channelId: sub.channel_id, to }], o.firstPeriodMs, o.maxPeriodMs);
          const [d] = await insertClaims(c, { owner: o.owner, leaseUntil: new Date(to + o.leaseMs), now: o.now }, [
            {
              guildId: sub.guild_id,
              channelId: sub.channel_id,
              slot: `manual:${iso(o.now)}`,
              reason: 'manual',
              from: new Date(from!),
              to: o.now,
              timezone: sub.timezone,
              topics: sub.topics,
              frequency: sub.frequency,
              topStories: sub.top_stories,
            },
          ]);
          return d;
        }),
      ),
    renewLease: (id, owner, until) =>
      attempt('renewing a lease', async () => (await count("UPDATE deliveries SET lease_expires_at = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'claimed'", [until, id, owner])) > 0),
    releaseLease: (id, owner, retryAt, error, now) =>
      attempt('releasing a lease', async () => {
        await pool.query("UPDATE deliveries SET lease_owner = NULL, lease_expires_at = $1, error = $2, updated_at = $3 WHERE id = $4 AND lease_owner = $5 AND status = 'claimed'", [
          retryAt,
          error,
          now,
          id,
          owner,
        ]);
      }),

    savePayloads: (id, owner, payloads, articleCount, now, firstAttemptAt) => {
      const text = JSON.stringify(payloads);
      const empty = JSON.stringify(payloads.map(() => null));
      const times = firstAttemptAt ? JSON.stringify(payloads.map((_, i) => (i === 0 ? iso(firstAttemptAt) : null))) : empty;
      return attempt('saving rendered messages', async (i) =>
        guarded(
          id,
          i,
          await count(
            `UPDATE deliveries SET payloads = $1, article_count = $2, message_ids = $3::jsonb, first_attempt_at = $4::jsonb, attempts = attempts + $5, updated_at = $6
              WHERE id = $7 AND lease_owner = $8 AND status = 'claimed' AND payloads IS NULL`,
            [text, articleCount, empty, times, firstAttemptAt ? 1 : 0, now, id, owner],
          ),
          async () => (await count("SELECT 1 FROM deliveries WHERE id = $1 AND lease_owner = $2 AND status = 'claimed' AND payloads = $3", [id, owner, text])) > 0,
        ),
      );
    },
    markAttempt: (id, owner, part, at, now) =>
      attempt('recording an attempt', async (i) =>
        guarded(
          id,
          i,
          await count(
            `UPDATE deliveries SET first_attempt_at = jsonb_set(first_attempt_at, ARRAY[$1::text], COALESCE(to_jsonb($2::text), 'null'::jsonb)),
                    attempts = attempts + $3, updated_at = $4
              WHERE id = $5 AND lease_owner = $6 AND status = 'claimed'`,
            [String(part), at ? iso(at) : null, at ? 1 : 0, now, id, owner],
          ),
          async () => false,
        ),
      ),
    recordMessage: (id, owner, part, messageId, now, finish = false) =>
      attempt('recording a posted message', async (i) =>
        guarded(
          id,
          i,
          await count(
            `UPDATE deliveries SET message_ids = jsonb_set(message_ids, ARRAY[$1::text], to_jsonb($2::text)), updated_at = $3,
                    status = CASE WHEN $4::boolean THEN 'delivered' ELSE status END,
                    error = CASE WHEN $4::boolean THEN NULL ELSE error END,
                    lease_owner = CASE WHEN $4::boolean THEN NULL ELSE lease_owner END,
                    lease_expires_at = CASE WHEN $4::boolean THEN NULL ELSE lease_expires_at END
              WHERE id = $5 AND lease_owner = $6 AND status = 'claimed'`,
            [String(part), messageId, now, finish, id, owner],
          ),
          // The last part with `finish` clears the lease: its retry finds the delivery delivered with this id.
          async () =>
            (await count(
              `SELECT 1 FROM deliveries WHERE id = $1 AND message_ids ->> $2::int = $3
                 AND (CASE WHEN $4::boolean THEN status = 'delivered' ELSE status = 'claimed' AND lease_owner = $5 END)`,
              [id, part, messageId, finish, owner],
            )) > 0,
        ),
      ),
    finish: (id, owner, status, error, now) =>
      attempt('finishing a delivery', async (i) =>
        guarded(
          id,
          i,
          await count("UPDATE deliveries SET status = $1, error = $2, lease_owner = NULL, lease_expires_at = NULL, updated_at = $3 WHERE id = $4 AND lease_owner = $5 AND status = 'claimed'", [
            status,
            error,
            now,
            id,
            owner,
          ]),
          async () => (await count('SELECT 1 FROM deliveries WHERE id = $1 AND status = $2 AND lease_owner IS NULL', [id, status])) > 0,
        ),
      ),

    getDelivery: (id) =>
      attempt('reading a delivery', async () => {
        const r = await one<DeliveryRow>('SELECT * FROM deliveries WHERE id = $1', [id]);
        return r ? deliveryFromRow(r) : undefined;
      }),
    latestDelivery: (guildId, channelId) =>
      attempt('reading the last delivery', async () => {
        const r = await one<DeliveryRow>(
          "SELECT * FROM deliveries WHERE guild_id = $1 AND ($2::text IS NULL OR channel_id = $2) AND reason <> 'follow' ORDER BY id DESC LIMIT 1",
          [guildId, channelId ?? null],
        );
        return r ? deliveryFromRow(r) : undefined;
      }),
    listDeliveries: (guildId) => attempt('listing deliveries', async () => (await pool.query<DeliveryRow>('SELECT * FROM deliveries WHERE guild_id = $1 ORDER BY id', [guildId])).rows.map(deliveryFromRow)),
    recordFirstSeen: (items) =>
      attempt('recording new articles', async () => {
        if (items.length === 0) return new Map<string, Date>();
        const ids = items.map((x) => x.id);
        // Two statements: the read runs after the insert, so it also sees an id another process inserted meanwhile.
        const rows = await tx(async (c) => {
          await c.query('INSERT INTO article_arrivals (article_id, first_seen) SELECT * FROM unnest($1::text[], $2::timestamptz[]) ON CONFLICT (article_id) DO NOTHING', [
            ids,
            items.map((x) => iso(x.firstSeen)),
          ]);
          return (await c.query<{ article_id: string; first_seen: Date }>('SELECT article_id, first_seen FROM article_arrivals WHERE article_id = ANY($1::text[])', [ids])).rows;
        });
        const stored = new Map(rows.map((r) => [r.article_id, r.first_seen]));
        return new Map(ids.map((id) => [id, stored.get(id)!]));
      }),
    firstSeenAll: (runRows = FIRST_SEEN_RUN) =>
      attempt('reading when articles were first seen', async () => {
        // Runs in id order, each run's ids and instants joined into one string by the database: no value
        // per row crosses into JavaScript. Both aggregates order by id, so they agree row for row.
        const runs: FirstSeenRows[] = [];
        for (let after: string | null = null; ; ) {
          const res: pg.QueryResult<{ n: number; last: string | null; ids: string | null; times: string | null }> = await pool.query({
            text: `SELECT count(*)::int AS n, max(article_id) AS last,
                     string_agg(article_id, E'\n' ORDER BY article_id) AS ids, string_agg(ms::text, ',' ORDER BY article_id) AS times
                   FROM (SELECT article_id, round(extract(epoch FROM first_seen) * 1000)::bigint AS ms FROM article_arrivals
                         WHERE ($1::text IS NULL OR article_id > $1) AND strpos(article_id, E'\n') = 0 ORDER BY article_id LIMIT $2) t`,
            values: [after, runRows],
          });
          const run = res.rows[0]!;
          if (run.n === 0) return runs;
          runs.push(firstSeenRun(run.n, run.ids, run.times));
          after = run.last;
        }
      }),
    addFollow: (f, now, max) =>
      attempt('saving a follow', async () =>
        tx(async (c) => {
          // One server's follows are added one at a time, so two at once cannot both pass the limit.
          await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [FOLLOW_LOCK_KEY, f.guildId]);
          const same = await c.query('SELECT 1 FROM follows WHERE guild_id = $1 AND channel_id = $2 AND query = $3', [f.guildId, f.channelId, f.query]);
          if (same.rowCount) return { ok: false as const, reason: 'duplicate' as const };
          const n = (await c.query<{ n: string }>('SELECT count(*) AS n FROM follows WHERE guild_id = $1', [f.guildId])).rows[0]!.n;
          if (Number(n) >= max) return { ok: false as const, reason: 'limit' as const };
          const r = await c.query<FollowRow>('INSERT INTO follows (guild_id, channel_id, query, created_by, covered_to, created_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING *', [
            f.guildId,
            f.channelId,
            f.query,
            f.createdBy,
            now,
          ]);
          return { ok: true as const, follow: followFromRow(r.rows[0]!) };
        }),
      ),
    listFollows: (guildId) =>
      attempt('listing follows', async () =>
        (await pool.query<FollowRow>('SELECT * FROM follows WHERE $1::text IS NULL OR guild_id = $1 ORDER BY id', [guildId ?? null])).rows.map(followFromRow),
      ),
    removeFollow: (guildId, id) =>
      attempt('removing a follow', async () => {
        const r = await one<FollowRow>('DELETE FROM follows WHERE guild_id = $1 AND id = $2 RETURNING *', [guildId, id]);
        return r ? followFromRow(r) : undefined;
      }),
    claimFollowBatch: (b) =>
      attempt('claiming a follow batch', async (i) => {
        const slot = followSlot(b.followId, b.from);
        const out = await tx(async (c) => {
          const moved = await c.query<FollowRow>(
            'UPDATE follows SET covered_to = $1, last_batch_at = CASE WHEN $2::boolean THEN $3 ELSE last_batch_at END WHERE id = $4 AND covered_to = $5 RETURNING *',
            [b.to, b.payloads !== null, b.now, b.followId, b.from],
          );
          const f = moved.rows[0];
          if (!f || !b.payloads) return { moved: !!f };
          const [d] = await insertClaims(c, { owner: b.owner, leaseUntil: new Date(b.now.getTime() + b.leaseMs), now: b.now }, [
            { guildId: f.guild_id, channelId: f.channel_id, slot, reason: 'follow', from: b.from, to: b.to, timezone: 'UTC', topics: null, frequency: 'daily', topStories: 0 },
          ]);
          if (!d) return { moved: true };
          // Rendered before the claim, stored with it: a takeover sends exactly these messages.
          const empty = JSON.stringify(b.payloads.map(() => null));
          const saved = await c.query<DeliveryRow>('UPDATE deliveries SET payloads = $1, article_count = $2, message_ids = $3::jsonb, first_attempt_at = $3::jsonb WHERE id = $4 RETURNING *', [
            JSON.stringify(b.payloads),
            b.articleCount,
            empty,
            d.id,
          ]);
          return { moved: true, delivery: deliveryFromRow(saved.rows[0]!) };
        });
        if (out.moved || i === 0) return out;
        // A retry after a lost answer: the first attempt may have committed; its delivery is this process's.
        const mine = await one<DeliveryRow>("SELECT * FROM deliveries WHERE slot = $1 AND lease_owner = $2 AND status = 'claimed'", [slot, b.owner]);
        return mine ? { moved: true, delivery: deliveryFromRow(mine) } : out;
      }),
    getMeta: (key) => attempt('reading a setting', async () => (await one<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]))?.value),
    setMeta: (key, value) =>
      attempt('saving a setting', async () => {
        await pool.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
      }),
    withMetaLock: async (key, fn) => {
      const c = await attempt('locking a setting', () => pool.connect());
      let broken = false;
      try {
        await c.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
        try {
          return await fn();
        } finally {
          // A connection that could not unlock is destroyed, which releases the lock with it.
          await c.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => (broken = true));
        }
      } finally {
        c.release(broken);
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
  return store;
}

/** `postgres://user:secret@host/db` → `postgres://user@host/db`: a URL fit for a log or an error message. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'the configured DATABASE_URL';
  }
}

/**
 * Connects to Postgres, migrates it, checks it takes writes, and returns the store. Throws
 * `DatabaseOpenError` (with the URL minus its password, and what to do) when that fails, so the
 * process stops before it logs in rather than at its first digest.
 */
export async function openPostgresDigestStore(url: string, options: PostgresStoreOptions & { poolSize?: number } = {}): Promise<DigestStore> {
  const where = redactDatabaseUrl(url);
  // The driver is loaded only here: a bot on SQLite never loads it (about 30 ms of every start).
  const { default: driver } = await import('pg');
  const pool = new driver.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // A server that does not answer is a failure to retry, not a call that hangs forever.
    connectionTimeoutMillis: 5000,
    query_timeout: 30_000,
    keepAlive: true,
    application_name: 'news-digest-bot',
  });
  const swallow = () => undefined;
  pool.on('error', swallow);
  try {
    const client = await pool.connect();
    try {
      await migratePostgres(client);
      // A read-only server (a replica, default_transaction_read_only) fails here, not at the first digest.
      await client.query('BEGIN');
      try {
        await client.query("INSERT INTO meta (key, value) VALUES ('writable_check', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [new Date().toISOString()]);
      } finally {
        await client.query('ROLLBACK');
      }
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    const reason = (err as Error).message || String(err);
    throw new DatabaseOpenError(
      isTransientPostgresError(err)
        ? `Cannot reach the Postgres database at ${where} (${reason}). Check DATABASE_URL and that the server is running and accepts connections from this machine.`
        : `The Postgres database at ${where} cannot be used (${reason}). Check that the user in DATABASE_URL may create tables and write there, and that the server is not read-only.`,
      where,
      err,
    );
  } finally {
    pool.off('error', swallow);
  }
  return createPostgresDigestStore(pool, options);
}
