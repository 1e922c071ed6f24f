import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Clock } from '../calendar/clock.ts';
import type { Article } from '../content/article.ts';
import type { StoreChange } from '../content/store.ts';
import { publishedMs } from '../content/stored-article.ts';
import type { DigestStore, FirstSeenRows } from '../db/digest-store.ts';
import type { DeliveryLogger } from './deliver.ts';

/** An article published longer than this before it was first seen is archive, not news: no digest picks it up late. */
export const MAX_LATE_MS = 7 * 24 * 60 * 60 * 1000;
/** Set once the first archive was recorded: articles seen after that arrived at the moment they were seen. */
const FIRST_LOAD_KEY = 'article_arrivals_since';
/** Ids recorded per transaction at start-up, so no write holds the loop for long. */
const BATCH = 500;
/** Stored arrivals compared per turn of the event loop at start-up. */
const YIELD_EVERY = 20_000;

/** The articles the log follows: the in-memory store fits. */
export interface ArrivalSource {
  all(): readonly Article[];
  get(id: string): Article | undefined;
  query(q: { from: Date; to: Date }): Article[];
  onChange(listener: (e: StoreChange) => void): () => void;
  /** How many articles `all()` holds: when every one has a stored arrival, a start need not list them (a sort of 100,000). */
  readonly size?: number;
}

/** What a start reads before the archive is whole: whether this is the first archive, and every stored arrival. */
interface StoredArrivals {
  initial: boolean;
  runs: FirstSeenRows[];
}

/**
 * When each article was first seen, so a digest includes everything that arrived since the last one,
 * whatever its publish date (rewritten stories are often saved hours after the time they carry).
 *
 * An article arrives at the later of its publish time and when the bot first saw it; a period
 * [from, to) holds the articles that arrived in it, and each arrival falls in exactly one period, so
 * nothing is repeated or lost. The very first archive the bot loads counts as arrived when published
 * (an existing folder must not flood the next digest); an id seen later arrived when it was seen (the
 * injected clock). Instants are stored per id in the database, so a restart or a second process
 * agrees on them.
 *
 * A start reads every stored instant, as a few strings (`FirstSeenRows`; `preload`, which may run while the archive loads)
 * and then writes only the ids that have none yet. In memory it keeps only what answers need: which
 * ids are recorded, and the instant of those first seen after their publish time (any other arrived
 * when published). Both are keyed by the store's own id strings, not copies.
 */
export function createArrivalLog(deps: {
  store: Pick<DigestStore, 'recordFirstSeen' | 'firstSeenAll' | 'getMeta' | 'setMeta'>;
  articles: ArrivalSource;
  clock: Clock;
  logger?: DeliveryLogger;
}) {
  const { store, articles, clock } = deps;
  /** Every id with a recorded first-seen instant (or one kept in memory after a failed write). */
  const known = new Set<string>();
  /** When each id first seen after its publish time was first seen (ms); an id not here arrived when published. */
  const seenLate = new Map<string, number>();
  /** Ids of `seenLate` still young enough to join a period late: the only candidates `periodArticles` looks through. */
  const late = new Set<string>();
  const pending = new Set<Promise<void>>();
  /** When this process last saw an article it had not seen before (the clock's ms); 0 before any. */
  let lastNewAt = 0;
  /** The start's read of the database, from `preload` (or `load`), until `load` has used it. */
  let reading: Promise<StoredArrivals> | undefined;

  /** No period reaches back more than a week and a day before now: older arrivals never join one late. */
  const oldestLate = () => clock.now().getTime() - MAX_LATE_MS - 8 * 24 * 60 * 60 * 1000;

  /** Takes in the stored instant of an id (`a`: its article, when the caller has it already). */
  const note = (id: string, at: number, oldest: number, a = articles.get(id)) => {
    // The store's string when it has the article: one copy of each id in the process.
    const key = a?.id ?? id;
    known.add(key);
    // Without the article (gone meanwhile), the instant is kept: it decides the arrival if the file comes back.
    if (a && at <= publishedMs(a)) return;
    seenLate.set(key, at);
    if (a && at >= oldest) late.add(key);
  };

  const remember = (stored: Map<string, Date>) => {
    const oldest = oldestLate();
    for (const [id, at] of stored) note(id, at.getTime(), oldest);
  };

  const record = async (id: string) => {
    const at = clock.now();
    try {
      remember(await store.recordFirstSeen([{ id, firstSeen: at }]));
    } catch (err) {
      // Kept in memory all the same, so this process still puts the article in its next digest.
      deps.logger?.warn({ err, articleId: id }, 'could not record when an article was first seen');
      remember(new Map([[id, at]]));
    }
  };

  /**
   * A recorded article whose file changed: its publish time may now be before its first-seen instant,
   * which memory does not hold for it (it arrived when published), so the stored one is read again.
   * Recording an id already recorded keeps its instant; this writes only if the row is missing.
   */
  const reread = async (id: string) => {
    try {
      remember(await store.recordFirstSeen([{ id, firstSeen: clock.now() }]));
    } catch (err) {
      deps.logger?.warn({ err, articleId: id }, 'could not read when a changed article was first seen');
    }
  };

  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const read = (): Promise<StoredArrivals> =>
    (reading ??= Promise.all([store.getMeta(FIRST_LOAD_KEY), store.firstSeenAll()]).then(([since, rows]) => ({ initial: since === undefined, runs: rows })));

  /** When the article arrived: the later of its publish time and when it was first seen (now, if that is not recorded yet). */
  const arrivedAt = (a: Article): Date => {
    const published = publishedMs(a);
    const seen = seenLate.get(a.id) ?? (known.has(a.id) ? published : clock.now().getTime());
    return new Date(Math.max(published, seen));
  };
  const inPeriod = (a: Article, from: number, to: number) => {
    const t = arrivedAt(a).getTime();
    return t >= from && t < to && publishedMs(a) >= t - MAX_LATE_MS;
  };

  return {
    /**
     * Starts reading every stored arrival, before the archive is whole: `load` then only compares.
     * Optional (`load` reads them itself otherwise); a failed read fails `load`.
     */
    preload(): void {
      // Awaited (and its failure reported) by `load`; this only keeps it from counting as unhandled meanwhile.
      read().catch(() => undefined);
    },
    /** Records every article loaded now that has no stored arrival (the first archive at its publish times); call once at start. */
    async load(): Promise<void> {
      const stored = await read();
      let { initial } = stored;
      // Read again only on a first start: another process may have recorded its first archive while this one loaded.
      if (initial) initial = (await store.getMeta(FIRST_LOAD_KEY)) === undefined;
      reading = undefined;
      const oldest = oldestLate();
      let matched = 0;
      let n = 0;
      for (const run of stored.runs) {
        const { ids, firstSeen } = run;
        for (let k = 0, start = 0; k < run.count; k++) {
          const end = k === run.count - 1 ? ids.length : ids.indexOf('\n', start);
          // Ids the archive no longer has are left out: recorded again (the row wins) if their file comes back.
          // The id cut out here is garbage at once: the store's own string is the one kept.
          const a = articles.get(ids.slice(start, end));
          start = end + 1;
          if (a) {
            note(a.id, firstSeen[k]!, oldest, a);
            matched++;
          }
          if (++n % YIELD_EVERY === 0) await yieldToLoop();
        }
      }
      // Ids are unique in the store, so as many matches as articles means none is missing: the usual restart.
      const missing = matched === articles.size ? [] : articles.all().filter((a) => !known.has(a.id));
      for (let i = 0; i < missing.length; i += BATCH) {
        const now = clock.now();
        remember(await store.recordFirstSeen(missing.slice(i, i + BATCH).map((a) => ({ id: a.id, firstSeen: initial ? a.publishedAt : now }))));
        await yieldToLoop();
      }
      if (initial) await store.setMeta(FIRST_LOAD_KEY, clock.now().toISOString());
    },
    /** Records each article that appears from now on; returns the function that stops listening. */
    watch(): () => void {
      return articles.onChange((e) => {
        if (e.type !== 'set') return;
        if (!known.has(e.id)) {
          lastNewAt = clock.now().getTime();
          track(record(e.id));
        } else if (!seenLate.has(e.id)) {
          track(reread(e.id));
        }
      });
    },
    /** Resolves once every article seen so far has its first-seen instant recorded. */
    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    arrivedAt,
    /** When this process last saw a new article (0 before any): follows need not look again until it changes. */
    lastNewAt: () => lastNewAt,
    /**
     * The articles that arrived in [from, to): published in it (and seen by its end), plus those
     * published before it, within `MAX_LATE_MS`, that were first seen in it.
     */
    periodArticles(q: { from: Date; to: Date }): Article[] {
      const from = q.from.getTime();
      const to = q.to.getTime();
      const out = articles.query(q).filter((a) => inPeriod(a, from, to));
      const oldest = oldestLate();
      for (const id of late) {
        const a = articles.get(id);
        if (!a || (seenLate.get(id) ?? 0) < oldest) {
          late.delete(id);
          continue;
        }
        if (publishedMs(a) < from && inPeriod(a, from, to)) out.push(a);
      }
      return out;
    },
  };
}

/** The arrival log. */
export type ArrivalLog = ReturnType<typeof createArrivalLog>;
