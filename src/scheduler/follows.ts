import type { Clock } from '../calendar/clock.ts';
import type { Article } from '../content/article.ts';
import { followSlot, type Delivery, type DigestStore, type Follow } from '../db/digest-store.ts';
import { partMarker, withMarker } from '../payload/message-identity.ts';
import { renderFollowBatch } from '../render/follow.ts';
import type { ArrivalLog } from './arrivals.ts';
import type { DeliveryLogger } from './deliver.ts';

/** At most one message per follow per this long (FOLLOW_BATCH_MINUTES). */
export const FOLLOW_BATCH_MS = 10 * 60_000;
/**
 * A batch waits until no new match arrived for this long, so files landing together (500 copied at
 * once arrive over a few seconds) make one message rather than a first slice and the rest later.
 */
export const FOLLOW_SETTLE_MS = 5_000;
/** …but never longer than this after its first match, so a steady trickle is still posted. */
export const FOLLOW_MAX_WAIT_MS = 60_000;
/** A follow with no match for this long has its window moved on, so a check never scans more than this. */
const IDLE_WINDOW_MS = 60 * 60_000;
/**
 * The follows are read from the database at most this often while news flows (each tick otherwise).
 * A follow made by another process is picked up this late at most, and loses nothing: its window starts
 * when it was made. A stale row only makes a claim fail (its window moved), which reloads the list.
 */
const LIST_TTL_MS = 30_000;

/** How follows are matched and batched; `main.ts` passes the matcher (the search layer's). */
export interface FollowOptions {
  /** A test for one saved query: does this article match it? Built once per query. */
  matcher(query: string): (a: Article) => boolean;
  batchMs?: number;
  settleMs?: number;
  maxWaitMs?: number;
}

/**
 * Turns the articles that arrived since each follow's last batch into at most one claimed delivery per
 * follow per batch interval. A batch is rendered and stored with its claim (see
 * `DigestStore.claimFollowBatch`), then sent by the digest delivery machinery: same nonces, markers,
 * leases, takeovers and history checks as a digest. Of several processes, one claims each batch.
 */
export function createFollowBatcher(deps: {
  store: DigestStore;
  arrivals: ArrivalLog;
  clock: Clock;
  logger: DeliveryLogger;
  owner: string;
  leaseMs: number;
  options: FollowOptions;
}) {
  const { store, arrivals, clock, options } = deps;
  const batchMs = options.batchMs ?? FOLLOW_BATCH_MS;
  const settleMs = options.settleMs ?? FOLLOW_SETTLE_MS;
  const maxWaitMs = options.maxWaitMs ?? FOLLOW_MAX_WAIT_MS;
  const matchers = new Map<string, (a: Article) => boolean>();
  const matcherFor = (query: string) => {
    let m = matchers.get(query);
    if (!m) {
      if (matchers.size > 1000) matchers.clear();
      matchers.set(query, (m = options.matcher(query)));
    }
    return m;
  };

  /** Moves an idle follow's window on; a lost race (another process moved it) changes nothing. */
  const moveOn = async (f: Follow, to: number) => {
    await store.claimFollowBatch({ followId: f.id, from: f.coveredTo, to: new Date(to), payloads: null, articleCount: 0, now: clock.now(), owner: deps.owner, leaseMs: deps.leaseMs });
    // Moved by this call or by another process: either way the listed row is stale now.
    listed = null;
  };

  /**
   * Set after a pass that left nothing waiting: until this process sees a new article, another pass
   * would find nothing, so the ticker skips it without reading the database. Starts unset, so the
   * first pass after a start picks up batches that were waiting when the last process stopped.
   */
  let quietSince: number | null = null;
  let listed: { at: number; follows: Follow[] } | null = null;
  const follows = async (now: number) => {
    if (!listed || now - listed.at >= LIST_TTL_MS || now < listed.at) listed = { at: now, follows: await store.listFollows() };
    return listed.follows;
  };
  /** Forgets the listed follows and any quiet pass: a follow was added, removed, or moved by a claim. */
  const invalidate = () => {
    listed = null;
    quietSince = null;
  };

  return {
    batchMs,
    invalidate,
    /** Claims the batches due now; returns their deliveries (already rendered), for the engine to run. */
    async claim(): Promise<Delivery[]> {
      if (quietSince !== null && arrivals.lastNewAt() < quietSince) return [];
      const now = clock.now().getTime();
      // Until this pass ends well, the next one must run (a failed pass may have left a batch unclaimed).
      quietSince = null;
      const all = await follows(now);
      const due = all.filter((f) => !f.lastBatchAt || now - f.lastBatchAt.getTime() >= batchMs);
      // A follow inside its batch interval may have matches waiting for the interval to end.
      let waiting = due.length < all.length;
      const out = due.length > 0 ? await claimDue(due, now) : { claimed: [], waiting: false };
      waiting ||= out.waiting;
      if (!waiting) quietSince = now;
      return out.claimed;
    },
  };

  /** One pass over the follows that may post now: one claimed batch each that has matches ready. */
  async function claimDue(due: Follow[], now: number): Promise<{ claimed: Delivery[]; waiting: boolean }> {
    let waiting = false;
    // Every article seen so far has its arrival recorded before the window is read.
      await arrivals.settled();
      const from = Math.min(...due.map((f) => f.coveredTo.getTime()));
      if (from >= now) return { claimed: [], waiting };
      const arrived = arrivals.periodArticles({ from: new Date(from), to: new Date(now) }).map((a) => ({ a, at: arrivals.arrivedAt(a).getTime() }));
      const claimed: Delivery[] = [];
      for (const f of due) {
        const start = f.coveredTo.getTime();
        const match = matcherFor(f.query);
        const hits = arrived.filter((x) => x.at >= start && match(x.a));
        if (hits.length === 0) {
          if (now - start >= IDLE_WINDOW_MS) await moveOn(f, now - settleMs);
          continue;
        }
        const newest = Math.max(...hits.map((h) => h.at));
        const oldest = Math.min(...hits.map((h) => h.at));
        if (now - newest < settleMs && now - oldest < maxWaitMs) {
          waiting = true;
          continue;
        }
        const articles = hits.map((h) => h.a).sort((x, y) => y.publishedAt.getTime() - x.publishedAt.getTime() || x.id.localeCompare(y.id));
        const slot = followSlot(f.id, f.coveredTo);
        const payloads = [renderFollowBatch({ query: f.query, articles })].map((p, part) => withMarker(p, partMarker(f.channelId, slot, part)));
        const r = await store.claimFollowBatch({
          followId: f.id,
          from: f.coveredTo,
          to: new Date(now),
          payloads,
          articleCount: articles.length,
          now: clock.now(),
          owner: deps.owner,
          leaseMs: deps.leaseMs,
        });
        // Claimed here or by another process: either way the listed row is stale now.
        listed = null;
        if (r.delivery) {
          deps.logger.info({ followId: f.id, guildId: f.guildId, channelId: f.channelId, articles: articles.length }, 'follow batch claimed');
          claimed.push(r.delivery);
        }
      }
      return { claimed, waiting };
  }
}

/** The follow batcher. */
export type FollowBatcher = ReturnType<typeof createFollowBatcher>;
