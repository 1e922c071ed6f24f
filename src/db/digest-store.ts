/**
 * The delivery engine's storage, as an interface: SQLite implements it today (sqlite-digest-store.ts),
 * and every method returns a Promise so another database can implement it with the same test suite.
 */
import type { MessagePayload } from '../payload/types.ts';

/** How often a subscription posts. */
export type Frequency = 'daily' | 'weekly';

/** How many top stories a digest opens with when the subscription does not say (digest/compose.ts has the same default). */
export const DEFAULT_TOP_STORIES = 5;

/**
 * One channel's digest settings and where its schedule stands. A server has at most one per channel,
 * and may have several channels, each with its own topics and frequency.
 */
export interface Subscription {
  guildId: string;
  channelId: string;
  /** Local time, `HH:MM`. */
  time: string;
  timezone: string;
  /** Only these topics; null for all. */
  topics: string[] | null;
  frequency: Frequency;
  /** For a weekly digest, its ISO weekday (1 = Monday … 7 = Sunday); null for a daily one. */
  weekday: number | null;
  /** How many top stories the digest opens with (0–10). */
  topStories: number;
  enabled: boolean;
  /** The slot the ticker will claim next; null when off. */
  nextDueAt: Date | null;
  /** Why deliveries are paused (Discord refused the channel, the bot left, permissions missing); null when not. */
  pausedReason: string | null;
  pausedAt: Date | null;
  /** True once the admins were told about the pause, so they are told once. */
  pauseNotified: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What `/digest set` stores; frequency, weekday and top stories default to daily, none and 5. */
export interface SubscriptionInput {
  guildId: string;
  channelId: string;
  time: string;
  timezone: string;
  topics: string[] | null;
  frequency?: Frequency;
  weekday?: number | null;
  topStories?: number;
  nextDueAt: Date;
}

/** A saved search whose new matches are posted in a channel as they arrive. */
export interface Follow {
  id: number;
  guildId: string;
  channelId: string;
  query: string;
  /** Who created it (a user id), for the list. */
  createdBy: string | null;
  /** Articles that arrived before this instant have been handled (posted, or matched nothing). */
  coveredTo: Date;
  /** When its last batch was claimed; the next waits for the batch interval after it. */
  lastBatchAt: Date | null;
  createdAt: Date;
}

/** What `/news follow` stores. */
export interface FollowInput {
  guildId: string;
  channelId: string;
  query: string;
  createdBy: string | null;
}

/** Why a message was sent: a digest (scheduled, catch-up, send-now) or a follow's batch of new matches. */
export type DeliveryReason = 'scheduled' | 'catch-up' | 'manual' | 'follow';

/**
 * Where a delivery stands. `claimed`: a process holds (or held) its lease and it is not finished;
 * the rest are final: `delivered`, `rejected` (Discord refused the payload: 400, never resent),
 * `paused` (the channel refused the bot; the subscription is paused), `failed` (gave up after many
 * attempts), `skipped` (an empty period), `abandoned` (left unfinished by an older version).
 */
export type DeliveryStatus = 'claimed' | 'delivered' | 'rejected' | 'paused' | 'failed' | 'skipped' | 'abandoned';

/**
 * One digest for one (server, channel, slot), or one batch of a follow (slot `follow:<id>:<from>`,
 * rendered when claimed): its period, its messages once rendered, and each message's fate.
 */
export interface Delivery {
  id: number;
  guildId: string;
  channelId: string;
  /** The scheduled instant (ISO) for scheduled and catch-up runs; `manual:<ISO>` for send-now. */
  slot: string;
  reason: DeliveryReason;
  status: DeliveryStatus;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  periodFrom: Date;
  periodTo: Date;
  timezone: string;
  topics: string[] | null;
  frequency: Frequency;
  /** How many top stories the digest opens with, from its subscription when it was claimed. */
  topStories: number;
  articleCount: number;
  /** The rendered messages, written once before the first is sent; null until then. */
  payloads: MessagePayload[] | null;
  /** Discord message id per part, null until that part is known to be posted. */
  messageIds: (string | null)[];
  /** When the first attempt of each part started (its outcome is unknown until its id is recorded). */
  firstAttemptAt: (Date | null)[];
  attempts: number;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A claim request: deliveries due at `now`, leased to `owner` until `now + leaseMs`. */
export interface ClaimOptions {
  now: Date;
  owner: string;
  leaseMs: number;
  /** At most this many rows per call (one short transaction). */
  limit: number;
  /**
   * Where a due subscription goes: the slot to deliver now (the latest one that has passed, so a
   * long downtime gives one catch-up), its reason, and the next slot to store. Computed by the caller
   * (calendar maths stays out of the database).
   */
  plan(sub: { time: string; timezone: string; frequency: Frequency; weekday: number | null; nextDueAt: Date }, now: Date): SlotPlan;
  /** The first digest of a channel covers this long before its slot. */
  firstPeriodMs: number;
  /** No digest covers more than this. */
  maxPeriodMs: number;
}

/** Where a due subscription goes (see `ClaimOptions.plan`); a weekly plan also sets its period's bounds. */
export interface SlotPlan {
  slot: Date;
  reason: DeliveryReason;
  next: Date;
  /** Overrides `ClaimOptions.firstPeriodMs` (a weekly digest first covers its week). */
  firstPeriodMs?: number;
  /** Overrides `ClaimOptions.maxPeriodMs` (a weekly catch-up covers one local week, DST hour included). */
  maxPeriodMs?: number;
}

/** A follow's batch to claim: its new matches from `from` (its stored `coveredTo`) up to `to`. */
export interface FollowBatchClaim {
  followId: number;
  /** The follow's `coveredTo` as read: the claim succeeds only if no one moved it since. */
  from: Date;
  to: Date;
  /** The rendered messages (markers included), or null to move `coveredTo` on with no message. */
  payloads: MessagePayload[] | null;
  articleCount: number;
  now: Date;
  owner: string;
  leaseMs: number;
}

/**
 * A run of recorded first-seen instants (see `DigestStore.firstSeenAll`): `count` article ids as one
 * string, a newline between two, and the instant of each (ms since the epoch) at its index. One string and
 * one typed array, not a string and a number object per id: a restart reads every id while the archive
 * loads, and at a million they were about 70 MB of the load's peak that every collection traced.
 */
export interface FirstSeenRows {
  count: number;
  ids: string;
  firstSeen: Float64Array;
}

/** Rows per run of `firstSeenAll` (a run's ids are one string: a few MB). */
export const FIRST_SEEN_RUN = 100_000;

/**
 * A run from a store's query: `count` rows, their ids joined by newlines and their instants by commas.
 * Throws when the two do not add up (an id with a newline is left out by the query: ids are path slugs).
 */
export function firstSeenRun(count: number, ids: string | null, instants: string | null): FirstSeenRows {
  const firstSeen = new Float64Array(count);
  if (count === 0) return { count, ids: '', firstSeen };
  let k = 0;
  let start = 0;
  const text = instants ?? '';
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text.charCodeAt(i) !== 44) continue;
    // An empty field is no instant (`Number('')` would read it as 0).
    if (k < count) firstSeen[k] = i === start ? NaN : Number(text.slice(start, i));
    k++;
    start = i + 1;
  }
  let lines = 1;
  for (let at = ids?.indexOf('\n') ?? -1; at !== -1; at = ids!.indexOf('\n', at + 1)) lines++;
  if (k !== count || lines !== count || firstSeen.some(Number.isNaN)) throw new Error(`first-seen rows do not add up (${count} rows, ${lines} ids, ${k} instants)`);
  return { count, ids: ids!, firstSeen };
}

/** Thrown by a write guarded by a lease that another process now holds: stop, send nothing more. */
export class LeaseLostError extends Error {
  constructor(readonly deliveryId: number) {
    super(`lease on delivery ${deliveryId} was lost`);
    this.name = 'LeaseLostError';
  }
}

/**
 * A database failure (locked, full, gone), kept apart from Discord failures: it never pauses a
 * subscription and never causes a resend; the delivery stays claimed and is taken over after its lease.
 */
export class DatabaseError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'DatabaseError';
  }
}

/** Storage for subscriptions, deliveries, follows and small settings. */
export interface DigestStore {
  /** The channel's subscription; without a channel, the server's first (oldest) one. */
  getSubscription(guildId: string, channelId?: string): Promise<Subscription | undefined>;
  /** Every subscription of a server, on or off, oldest first. */
  listSubscriptions(guildId: string): Promise<Subscription[]>;
  /** Creates or replaces the subscription of the server's channel: enabled, unpaused, due at `nextDueAt`. */
  upsertSubscription(s: SubscriptionInput, now: Date): Promise<Subscription>;
  /** Turns a channel's digest off (without a channel: every digest of the server); false if none was on. */
  disableSubscription(guildId: string, now: Date, channelId?: string): Promise<boolean>;
  /** Pauses the subscriptions posting in this channel; returns the guild ids newly paused. */
  pauseChannel(guildId: string, channelId: string, reason: string, now: Date): Promise<string[]>;
  /** Pauses every subscription of a server (the bot left it); true if one was newly paused. */
  pauseGuild(guildId: string, reason: string, now: Date): Promise<boolean>;
  /** Marks the pause (of the channel's subscription, or any of the server's) as told; true only for the one caller that marked it. */
  markPauseNotified(guildId: string, channelId?: string): Promise<boolean>;

  /**
   * In one short transaction: claims due subscriptions (enabled, unpaused, `next_due_at <= now`,
   * oldest first) by inserting their delivery row (a row that exists already is left alone), advancing
   * `next_due_at`, and taking over claimed deliveries whose lease expired. Returns the deliveries now
   * leased to `owner`.
   */
  claimDue(options: ClaimOptions): Promise<Delivery[]>;
  /**
   * Creates and leases a send-now delivery covering everything since the channel's last digest up to
   * `now`, for the channel's subscription (without a channel, the server's first).
   */
  claimManual(options: { guildId: string; channelId?: string; now: Date; owner: string; leaseMs: number; firstPeriodMs: number; maxPeriodMs: number }): Promise<Delivery | undefined>;
  /** Extends a lease; false if the lease is no longer this owner's. */
  renewLease(id: number, owner: string, until: Date): Promise<boolean>;
  /** Releases the lease so any process may take the delivery over at `retryAt`. */
  releaseLease(id: number, owner: string, retryAt: Date, error: string | null, now: Date): Promise<void>;

  /**
   * Writes the rendered messages (once). With `firstAttemptAt`, also records the first attempt of
   * part 0 and counts it, in the same write: one commit where two would be. Lease-guarded: throws
   * `LeaseLostError`.
   */
  savePayloads(id: number, owner: string, payloads: MessagePayload[], articleCount: number, now: Date, firstAttemptAt?: Date): Promise<void>;
  /** Records (or clears, with null) when the first attempt of a part started, and counts the attempt. Lease-guarded. */
  markAttempt(id: number, owner: string, part: number, at: Date | null, now: Date): Promise<void>;
  /**
   * Records a part's Discord message id. With `finish`, the delivery is also ended as `delivered`
   * (its lease cleared) in the same write, for the last part. Lease-guarded.
   */
  recordMessage(id: number, owner: string, part: number, messageId: string, now: Date, finish?: boolean): Promise<void>;
  /** Ends a delivery with a final status and clears its lease. Lease-guarded. */
  finish(id: number, owner: string, status: Exclude<DeliveryStatus, 'claimed'>, error: string | null, now: Date): Promise<void>;

  getDelivery(id: number): Promise<Delivery | undefined>;
  /** The most recent digest (by creation, follows' batches aside) of the server, or of one of its channels, whatever its status. */
  latestDelivery(guildId: string, channelId?: string): Promise<Delivery | undefined>;
  /** Every delivery of a server, oldest first. */
  listDeliveries(guildId: string): Promise<Delivery[]>;

  /**
   * Records when articles were first seen, in one short transaction. An id already recorded (by this or
   * another process, now or in an earlier run) keeps its earlier instant. Returns the stored instant of
   * every given id.
   */
  recordFirstSeen(items: ReadonlyArray<{ id: string; firstSeen: Date }>): Promise<Map<string, Date>>;
  /**
   * Every first-seen instant recorded so far, in runs of at most `runRows` (default {@link FIRST_SEEN_RUN}),
   * in no particular order (see {@link FirstSeenRows}): a restart reads a million and keeps none.
   */
  firstSeenAll(runRows?: number): Promise<FirstSeenRows[]>;

  /**
   * Saves a follow covering articles that arrive from `now` on, unless the server has `max` already
   * or the channel follows the same query: then nothing is written and the reason is returned.
   */
  addFollow(f: FollowInput, now: Date, max: number): Promise<{ ok: true; follow: Follow } | { ok: false; reason: 'limit' | 'duplicate' }>;
  /** A server's follows (or, without a server, every follow), oldest first. */
  listFollows(guildId?: string): Promise<Follow[]>;
  /** Removes one of the server's follows; the removed follow, or undefined if it had no such follow. */
  removeFollow(guildId: string, id: number): Promise<Follow | undefined>;
  /**
   * In one short transaction: moves the follow's `coveredTo` from `from` to `to` (only if it is still
   * `from`: of two processes, one wins) and, with payloads, records the claim time and inserts the
   * batch's delivery already rendered, leased to `owner`. Returns whether this call moved it, and the
   * delivery to run.
   */
  claimFollowBatch(c: FollowBatchClaim): Promise<{ moved: boolean; delivery?: Delivery }>;

  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /**
   * Runs `fn` holding a lock named `key`, so that of several processes on this database one at a time runs it:
   * a check, a request and its record (command registration) then happen once. Postgres holds a session advisory
   * lock, released when `fn` settles or with the connection if the process dies; SQLite serialises the calls of
   * this process (one SQLite file is one machine's database).
   */
  withMetaLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const topicsJson = (t: string[] | null) => (t && t.length > 0 ? JSON.stringify(t) : null);

/** The stored columns of a subscription, its defaults filled in (a daily digest has no weekday). */
export const subscriptionValues = (s: SubscriptionInput) => {
  const frequency = s.frequency ?? 'daily';
  return {
    guildId: s.guildId,
    channelId: s.channelId,
    time: s.time,
    timezone: s.timezone,
    topics: topicsJson(s.topics),
    frequency,
    weekday: frequency === 'weekly' ? (s.weekday ?? null) : null,
    topStories: s.topStories ?? DEFAULT_TOP_STORIES,
  };
};

/** The slot of a follow's batch: the follow and where the batch starts, unique per batch and the same in every process. */
export const followSlot = (followId: number, from: Date) => `follow:${followId}:${from.toISOString()}`;
