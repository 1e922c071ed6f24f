import { randomUUID } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Clock } from '../calendar/clock.ts';
import { latestSlot, nextSlot } from '../calendar/slots.ts';
import { DatabaseError, LeaseLostError, type Delivery, type DigestStore, type Frequency, type SlotPlan, type Subscription, type SubscriptionInput } from '../db/digest-store.ts';
import type { ArticleSource } from '../digest/compose.ts';
import type { ArrivalLog } from './arrivals.ts';
import { createComposeCache } from './compose-cache.ts';
import { DEFAULT_BACKOFF_MS, FIRST_PERIOD_MS, MAX_PERIOD_MS, NONCE_TRUST_MS, runDelivery, type DeliveryLogger, type DeliveryOutcome } from './deliver.ts';
import { createFollowBatcher, type FollowOptions } from './follows.ts';
import type { DigestSender, NotifyAdmins, ThreadOptions } from './sender.ts';

/** How often the ticker looks for due slots. State, not the timer, decides what is due, so a late tick loses nothing. */
export const TICK_MS = 2000;
/** How long a claim holds a delivery; renewed while it runs, so only a dead process's claims are taken over. */
export const LEASE_MS = 60_000;
/** A slot delivered later than this after its time is a catch-up. */
export const CATCH_UP_LATE_MS = 10 * 60_000;
/** Deliveries running at once: enough to keep Discord's 50/s busy, bounded so 10,000 due never means 10,000 in memory. */
export const CONCURRENCY = 100;
/** Subscriptions claimed per transaction: measured at about 10–20 ms for 100 on SQLite, so 50 keeps each well under the 50 ms budget. */
export const CLAIM_BATCH = 50;

/** How the engine is built; everything but the parts has a production default. */
export interface EngineOptions {
  store: DigestStore;
  articles: ArticleSource;
  sender: DigestSender;
  clock: Clock;
  logger: DeliveryLogger;
  notifyAdmins?: NotifyAdmins;
  /** When each article was first seen: with it, a digest also carries the articles that arrived late. */
  arrivals?: ArrivalLog;
  owner?: string;
  tickMs?: number;
  leaseMs?: number;
  nonceTrustMs?: number;
  concurrency?: number;
  backoffMs?: readonly number[];
  /**
   * Resolves once the articles are fully loaded. Until then nothing is claimed, by the ticker or by
   * hand, so a digest is never composed from a half-loaded archive. Absent: loaded already.
   */
  ready?: Promise<unknown>;
  /** Follows: with these (and `arrivals`), new articles matching a saved search are posted in batches. */
  follows?: FollowOptions;
}

/** What `/digest set` asks for one channel: what the store keeps, less the due slot, which the engine computes. */
export type SubscriptionRequest = Omit<SubscriptionInput, 'nextDueAt'>;

/** The engine was stopped or killed: nothing more is written or sent. */
class Stopped extends Error {}

/** The weekday of a schedule: a weekly one's, none for a daily one. */
const weekdayOf = (sub: { frequency?: Frequency; weekday?: number | null }) => (sub.frequency === 'weekly' ? (sub.weekday ?? null) : null);

/**
 * Where a due subscription goes: the latest slot that has passed (one catch-up for a whole downtime,
 * not one per missed day or week), its reason, and the next slot after now. A weekly digest covers
 * the local week before its slot (167 to 169 hours across a DST change), and a catch-up no more.
 */
export function planSlot(sub: { time: string; timezone: string; frequency?: Frequency; weekday?: number | null; nextDueAt: Date }, now: Date): SlotPlan {
  const weekday = weekdayOf(sub);
  const latest = latestSlot(sub.time, sub.timezone, now, weekday);
  const slot = latest.getTime() > sub.nextDueAt.getTime() ? latest : sub.nextDueAt;
  const late = slot.getTime() !== sub.nextDueAt.getTime() || now.getTime() - slot.getTime() > CATCH_UP_LATE_MS;
  const plan: SlotPlan = { slot, reason: late ? 'catch-up' : 'scheduled', next: nextSlot(sub.time, sub.timezone, now, weekday) };
  if (weekday === null) return plan;
  const week = slot.getTime() - latestSlot(sub.time, sub.timezone, new Date(slot.getTime() - 1), weekday).getTime();
  return { ...plan, firstPeriodMs: week, maxPeriodMs: week };
}

/** How far back a send-now of this subscription may reach: a day for a daily digest (first time), a week for a weekly one. */
function manualPeriods(sub: Subscription | undefined): { firstPeriodMs: number; maxPeriodMs: number } {
  return sub?.frequency === 'weekly' ? { firstPeriodMs: MAX_PERIOD_MS, maxPeriodMs: MAX_PERIOD_MS } : { firstPeriodMs: FIRST_PERIOD_MS, maxPeriodMs: MAX_PERIOD_MS };
}

/**
 * `planSlot` remembered per (time, zone, due slot) for one claim: servers that chose the same time and
 * zone share one answer, so a claim of 100 servers costs a few calendar computations, not 100.
 */
function memoPlan(): typeof planSlot {
  const memo = new Map<string, ReturnType<typeof planSlot>>();
  return (sub, now) => {
    const key = `${sub.time}|${sub.timezone}|${weekdayOf(sub) ?? '*'}|${sub.nextDueAt.getTime()}|${now.getTime()}`;
    let plan = memo.get(key);
    if (!plan) memo.set(key, (plan = planSlot(sub, now)));
    return plan;
  };
}

/**
 * The delivery engine: a ticker claims due slots from the store in small transactions, runs at most
 * `concurrency` deliveries at once, and claims more as they finish. Any number of processes may share
 * one store: the claim (a unique row per server, channel and slot, with a lease) decides who sends.
 */
export function createDeliveryEngine(options: EngineOptions) {
  const { store, clock, logger } = options;
  const owner = options.owner ?? randomUUID();
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const concurrency = options.concurrency ?? CONCURRENCY;
  const abort = new AbortController();
  let dead = false;
  /** Set by `shutdown`: nothing new is claimed or started; what runs finishes its message in flight. */
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let draining: Promise<DeliveryOutcome[]> | null = null;
  const active = new Set<Promise<DeliveryOutcome | undefined>>();
  let loaded = !options.ready;
  const ready = (options.ready ?? Promise.resolve()).then(() => {
    loaded = true;
  });
  // A failed load stops the process elsewhere; here it only means nothing is ever claimed.
  ready.catch(() => undefined);
  /** Waits for the archive; a stop or kill ends the wait (as `Stopped`), so stopping never hangs on a load. */
  const untilLoaded = () =>
    new Promise<void>((resolve, reject) => {
      if (abort.signal.aborted) return reject(new Stopped('the delivery engine is stopped'));
      const onAbort = () => reject(new Stopped('the delivery engine is stopped'));
      abort.signal.addEventListener('abort', onAbort, { once: true });
      ready.then(resolve, reject).finally(() => abort.signal.removeEventListener('abort', onAbort));
    });

  const stopped = () => dead || abort.signal.aborted;
  const refuse = () => Promise.reject(new Stopped('the delivery engine is stopped'));
  // After stop or kill, no store write and no request goes out: as if the process were gone.
  const guardedStore = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (stopped() ? refuse() : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  const sender = options.sender;
  const guardedSender: DigestSender = {
    send: (channelId, payload) => (stopped() ? refuse() : sender.send(channelId, payload)),
    findOwnMessage: (channelId, marker, since) => (stopped() ? refuse() : sender.findOwnMessage(channelId, marker, since)),
    checkPermissions: (guildId, channelId) => sender.checkPermissions(guildId, channelId),
    ...(sender.capabilities ? { capabilities: (guildId: string, channelId: string) => sender.capabilities!(guildId, channelId) } : {}),
    ...(sender.startThread ? { startThread: (channelId: string, messageId: string, o: ThreadOptions) => (stopped() ? refuse() : sender.startThread!(channelId, messageId, o)) } : {}),
  };

  const notifyOnce = async (guildId: string, channelId: string, text: string) => {
    if (!options.notifyAdmins || !(await guardedStore.markPauseNotified(guildId, channelId))) return;
    await options.notifyAdmins(guildId, text).catch((err: unknown) => logger.warn({ err, guildId }, 'could not tell the admins about the paused digest'));
  };
  const pauseChannel = async (guildId: string, channelId: string, reason: string) => {
    const paused = await guardedStore.pauseChannel(guildId, channelId, reason, clock.now());
    for (const g of paused) {
      logger.warn({ guildId: g, channelId, reason }, 'digest paused');
      const kind = (await guardedStore.getSubscription(g, channelId))?.frequency === 'weekly' ? 'weekly' : 'daily';
      await notifyOnce(g, channelId, `⚠️ The ${kind} news digest in <#${channelId}> is paused: ${reason}. Fix it, then run /digest set to resume it.`);
    }
  };

  const deps = {
    store: guardedStore,
    sender: guardedSender,
    cache: createComposeCache({ articles: options.articles, arrivals: options.arrivals, now: () => clock.now().getTime() }),
    clock,
    logger,
    owner,
    leaseMs,
    nonceTrustMs: options.nonceTrustMs ?? NONCE_TRUST_MS,
    backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS,
    sleep: (ms: number) => sleepFor(ms, undefined, { signal: abort.signal }),
    stopping: () => stopping || stopped(),
    startedAt: clock.now(),
    pause: pauseChannel,
  };
  const followBatcher =
    options.follows && options.arrivals
      ? createFollowBatcher({ store: guardedStore, arrivals: options.arrivals, clock, logger, owner, leaseMs, options: options.follows })
      : null;

  /** Runs one delivery with a heartbeat on its lease; failures of the database or of this process leave it for a takeover. */
  async function run(d: Delivery): Promise<DeliveryOutcome | undefined> {
    const heartbeat = setInterval(() => {
      guardedStore.renewLease(d.id, owner, new Date(clock.now().getTime() + leaseMs)).catch(() => undefined);
    }, Math.max(1000, leaseMs / 3));
    heartbeat.unref();
    try {
      const outcome = await runDelivery(deps, d);
      logger.info({ ...outcome, messageIds: undefined, messages: outcome.messageIds.length }, `digest ${outcome.status}`);
      return outcome;
    } catch (err) {
      if (err instanceof Stopped || abort.signal.aborted) {
        // A graceful stop hands the delivery to the next process at once; a killed one leaves it to its lease.
        if (!dead) await store.releaseLease(d.id, owner, clock.now(), null, clock.now()).catch(() => undefined);
        return undefined;
      }
      if (err instanceof LeaseLostError) logger.warn({ deliveryId: d.id }, 'another process took this digest over; stopping here');
      else if (err instanceof DatabaseError) logger.error({ err, deliveryId: d.id }, 'database error during a delivery; it will be taken over after its lease');
      else logger.error({ err, deliveryId: d.id }, 'delivery crashed; it will be taken over after its lease');
      return { deliveryId: d.id, guildId: d.guildId, channelId: d.channelId, slot: d.slot, status: 'lost', messageIds: [], articles: 0, error: String(err) };
    } finally {
      clearInterval(heartbeat);
    }
  }

  const track = <T extends DeliveryOutcome | undefined>(p: Promise<T>): Promise<T> => {
    active.add(p);
    void p.finally(() => active.delete(p));
    return p;
  };

  /** Claims and runs everything due, `concurrency` at a time, claiming more as runs finish; resolves when all are done. */
  async function drain(): Promise<DeliveryOutcome[]> {
    if (!loaded) await untilLoaded();
    const outcomes: DeliveryOutcome[] = [];
    const running = new Set<Promise<void>>();
    const refill = Math.max(1, Math.floor(concurrency / 4));
    let more = true;
    // One wake-up per finished run, rather than Promise.race over every running one each time (which
    // attaches a handler to each of the hundred running promises per finish: garbage and CPU in a burst).
    let wake: (() => void) | null = null;
    const launch = (d: Delivery) => {
      const p: Promise<void> = track(run(d)).then((o) => {
        if (o) outcomes.push(o);
        running.delete(p);
        wake?.();
      });
      running.add(p);
    };
    // Follows' batches due now are claimed (rendered and stored) first and run alongside the digests;
    // a batch left unfinished by a dead process comes back through claimDue's lease takeover.
    if (followBatcher && !stopping) {
      const batches = await followBatcher.claim().catch((err: unknown) => {
        if (err instanceof Stopped || abort.signal.aborted) throw err;
        logger.error({ err }, 'claiming follow batches failed; they are tried again at the next tick');
        return [];
      });
      for (const d of batches) launch(d);
    }
    while (!abort.signal.aborted) {
      const free = concurrency - running.size;
      // Claim in batches as room frees up: a claim's lease starts ticking at once, so never claim more than can run.
      if (more && !stopping && (free >= refill || running.size === 0)) {
        const limit = Math.min(free, CLAIM_BATCH);
        const claimed = await guardedStore.claimDue({ now: clock.now(), owner, leaseMs, limit, plan: memoPlan(), firstPeriodMs: FIRST_PERIOD_MS, maxPeriodMs: MAX_PERIOD_MS });
        more = claimed.length === limit;
        for (const d of claimed) {
          launch(d);
          // A delivery renders, stores and checks its message without a break until its first request
          // waits: started one per turn of the event loop, a batch of claims never runs as one long task.
          await new Promise<void>((r) => setImmediate(r));
        }
        if (more) {
          await new Promise<void>((r) => setImmediate(r));
          continue;
        }
      }
      if (running.size === 0) break;
      await new Promise<void>((r) => (wake = r));
      wake = null;
      more = true;
    }
    await Promise.all(running);
    return outcomes;
  }

  const drainOnce = (): Promise<DeliveryOutcome[]> => {
    if (draining) return draining.then(() => drainOnce());
    const p = drain().finally(() => {
      if (draining === p) draining = null;
    });
    draining = p;
    return p;
  };

  return {
    /** This process's claim owner id. */
    owner,
    /** Starts the ticker (unref'd: it never keeps the process alive by itself). */
    start(): void {
      if (timer) return;
      const tick = () => {
        if (draining || dead || !loaded) return;
        drainOnce().catch((err: unknown) => {
          if (!(err instanceof Stopped)) logger.error({ err }, 'digest tick failed');
        });
      };
      timer = setInterval(tick, options.tickMs ?? TICK_MS);
      timer.unref();
      tick();
      // The first tick after the archive is loaded comes at once, not up to a tick later.
      if (!loaded) void ready.then(tick, () => undefined);
    },
    /** Claims and delivers everything due now; resolves with what was done once those deliveries finish. */
    tick: drainOnce,
    /** Stops ticking, cancels retries' waits, and hands unfinished deliveries back (their lease released). */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      abort.abort();
      await Promise.allSettled([...active, ...(draining ? [draining] : [])]);
    },
    /**
     * Stops gracefully, for SIGTERM: no more claims; each running delivery finishes the message in
     * flight, records it, and hands the rest back (its lease released, so the next start or another
     * process resumes it at once). Past `graceMs` whatever still runs is cut off as `stop` does.
     * Resolves with what the running deliveries did.
     */
    async shutdown(graceMs: number): Promise<{ inTime: boolean }> {
      if (timer) clearInterval(timer);
      timer = null;
      stopping = true;
      const settled = Promise.allSettled([...active, ...(draining ? [draining] : [])]);
      let deadline: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([settled.then(() => true), new Promise<boolean>((r) => (deadline = setTimeout(() => r(false), graceMs)))]);
      clearTimeout(deadline);
      abort.abort();
      if (!inTime) {
        // A request still waiting on Discord is not waited for long: its part stays "outcome unknown",
        // which the next run settles with the nonce or the channel history, never by posting twice.
        let grace: NodeJS.Timeout | undefined;
        await Promise.race([settled, new Promise((r) => (grace = setTimeout(r, 1000)))]);
        clearTimeout(grace);
      }
      return { inTime };
    },
    /** Stops at once as a crash would: nothing more is written or sent, leases are left to expire. */
    kill(): void {
      dead = true;
      if (timer) clearInterval(timer);
      timer = null;
      abort.abort();
    },
    /** Creates or replaces the subscription of a server's channel (resuming it if paused), due at its next slot after now. */
    async setSubscription(s: SubscriptionRequest): Promise<Subscription> {
      const now = clock.now();
      return guardedStore.upsertSubscription({ ...s, nextDueAt: nextSlot(s.time, s.timezone, now, weekdayOf(s)) }, now);
    },
    /** Turns a channel's digest off (without a channel, all of the server's); false if none was on. */
    disable: (guildId: string, channelId?: string) => guardedStore.disableSubscription(guildId, clock.now(), channelId),
    /** The channel's subscription; without a channel, the server's first. */
    subscription: (guildId: string, channelId?: string) => guardedStore.getSubscription(guildId, channelId),
    /** Every subscription of the server, oldest first. */
    subscriptions: (guildId: string) => guardedStore.listSubscriptions(guildId),
    latestDelivery: (guildId: string, channelId?: string) => guardedStore.latestDelivery(guildId, channelId),
    /**
     * Posts a digest now in the channel (without one, the server's first subscription's), covering
     * everything since the channel's last digest. Undefined when there is no such digest.
     */
    async sendNow(guildId: string, channelId?: string): Promise<DeliveryOutcome | undefined> {
      if (stopping) throw new Stopped('the delivery engine is shutting down');
      if (!loaded) await untilLoaded();
      const periods = manualPeriods(await guardedStore.getSubscription(guildId, channelId));
      const d = await guardedStore.claimManual({ guildId, channelId, now: clock.now(), owner, leaseMs, ...periods });
      return d ? track(run(d)) : undefined;
    },
    /** The follow store operations `/news follow`, `follows` and `unfollow` use. */
    follows: {
      async add(f: { guildId: string; channelId: string; query: string; createdBy: string | null }, max: number) {
        const r = await guardedStore.addFollow(f, clock.now(), max);
        followBatcher?.invalidate();
        return r;
      },
      list: (guildId: string) => guardedStore.listFollows(guildId),
      async remove(guildId: string, id: number) {
        const r = await guardedStore.removeFollow(guildId, id);
        followBatcher?.invalidate();
        return r;
      },
      /** The interval between two batches of one follow. */
      batchMs: followBatcher?.batchMs ?? null,
    },
    /** Pauses the subscriptions posting in a channel (deleted, or refusing the bot), with no request sent. */
    pauseChannel,
    /** Pauses a server's subscription (the bot was removed from it); nobody there can be told. */
    async pauseGuild(guildId: string, reason: string): Promise<void> {
      if (await guardedStore.pauseGuild(guildId, reason, clock.now())) logger.warn({ guildId, reason }, 'digest paused');
    },
  };
}

/** The delivery engine. */
export type DeliveryEngine = ReturnType<typeof createDeliveryEngine>;
export type { DeliveryOutcome, DeliveryLogger } from './deliver.ts';
