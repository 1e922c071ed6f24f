/**
 * The delivery engine's storage, as an interface: SQLite implements it today (sqlite-digest-store.ts),
 * and every method returns a Promise so another database can implement it with the same test suite.
 */
import type { MessagePayload } from '../payload/types.ts';

/** A server's daily digest settings and where its schedule stands. */
export interface Subscription {
  guildId: string;
  channelId: string;
  /** Local time, `HH:MM`. */
  time: string;
  timezone: string;
  /** Only these topics; null for all. */
  topics: string[] | null;
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

/** What `/digest set` stores. */
export interface SubscriptionInput {
  guildId: string;
  channelId: string;
  time: string;
  timezone: string;
  topics: string[] | null;
  nextDueAt: Date;
}

/** Why a digest was sent. */
export type DeliveryReason = 'scheduled' | 'catch-up' | 'manual';

/**
 * Where a delivery stands. `claimed`: a process holds (or held) its lease and it is not finished;
 * the rest are final: `delivered`, `rejected` (Discord refused the payload: 400, never resent),
 * `paused` (the channel refused the bot; the subscription is paused), `failed` (gave up after many
 * attempts), `skipped` (an empty period), `abandoned` (left unfinished by an older version).
 */
export type DeliveryStatus = 'claimed' | 'delivered' | 'rejected' | 'paused' | 'failed' | 'skipped' | 'abandoned';

/** One digest for one (server, channel, slot): its period, its messages once rendered, and each message's fate. */
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
  plan(sub: { time: string; timezone: string; nextDueAt: Date }, now: Date): { slot: Date; reason: DeliveryReason; next: Date };
  /** The first digest of a channel covers this long before its slot. */
  firstPeriodMs: number;
  /** No digest covers more than this. */
  maxPeriodMs: number;
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

/** Storage for subscriptions, deliveries and small settings. */
export interface DigestStore {
  getSubscription(guildId: string): Promise<Subscription | undefined>;
  /** Creates or replaces a server's subscription: enabled, unpaused, due at `nextDueAt`. */
  upsertSubscription(s: SubscriptionInput, now: Date): Promise<Subscription>;
  /** Turns a server's digest off; false if it was not on. */
  disableSubscription(guildId: string, now: Date): Promise<boolean>;
  /** Pauses the subscriptions posting in this channel; returns the guild ids newly paused. */
  pauseChannel(guildId: string, channelId: string, reason: string, now: Date): Promise<string[]>;
  /** Pauses a server's subscription (the bot left it); true if it was newly paused. */
  pauseGuild(guildId: string, reason: string, now: Date): Promise<boolean>;
  /** Marks the pause as told to the admins; true only for the one caller that marked it. */
  markPauseNotified(guildId: string): Promise<boolean>;

  /**
   * In one short transaction: claims due subscriptions (enabled, unpaused, `next_due_at <= now`,
   * oldest first) by inserting their delivery row (a row that exists already is left alone), advancing
   * `next_due_at`, and taking over claimed deliveries whose lease expired. Returns the deliveries now
   * leased to `owner`.
   */
  claimDue(options: ClaimOptions): Promise<Delivery[]>;
  /** Creates and leases a send-now delivery covering everything since the channel's last digest up to `now`. */
  claimManual(options: { guildId: string; now: Date; owner: string; leaseMs: number; firstPeriodMs: number; maxPeriodMs: number }): Promise<Delivery | undefined>;
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
  /** The server's most recent delivery (by creation), whatever its status. */
  latestDelivery(guildId: string): Promise<Delivery | undefined>;
  /** Every delivery of a server, oldest first. */
  listDeliveries(guildId: string): Promise<Delivery[]>;

  /**
   * Records when articles were first seen, in one short transaction. An id already recorded (by this or
   * another process, now or in an earlier run) keeps its earlier instant. Returns the stored instant of
   * every given id.
   */
  recordFirstSeen(items: ReadonlyArray<{ id: string; firstSeen: Date }>): Promise<Map<string, Date>>;

  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  close(): Promise<void>;
}
