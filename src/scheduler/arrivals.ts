import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Clock } from '../calendar/clock.ts';
import type { Article } from '../content/article.ts';
import type { StoreChange } from '../content/store.ts';
import type { DigestStore } from '../db/digest-store.ts';
import type { DeliveryLogger } from './deliver.ts';

/** An article published longer than this before it was first seen is archive, not news: no digest picks it up late. */
export const MAX_LATE_MS = 7 * 24 * 60 * 60 * 1000;
/** Set once the first archive was recorded: articles seen after that arrived at the moment they were seen. */
const FIRST_LOAD_KEY = 'article_arrivals_since';
/** Ids recorded per transaction at start-up, so no write holds the loop for long. */
const BATCH = 500;

/** The articles the log follows: the in-memory store fits. */
export interface ArrivalSource {
  all(): readonly Article[];
  get(id: string): Article | undefined;
  query(q: { from: Date; to: Date }): Article[];
  onChange(listener: (e: StoreChange) => void): () => void;
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
 */
export function createArrivalLog(deps: { store: Pick<DigestStore, 'recordFirstSeen' | 'getMeta' | 'setMeta'>; articles: ArrivalSource; clock: Clock; logger?: DeliveryLogger }) {
  const { store, articles, clock } = deps;
  const firstSeen = new Map<string, number>();
  /** Ids first seen after their publish time: the only candidates for a late place in a period. */
  const late = new Set<string>();
  const pending = new Set<Promise<void>>();
  /** When this process last saw an article it had not seen before (the clock's ms); 0 before any. */
  let lastNewAt = 0;

  const remember = (stored: Map<string, Date>) => {
    for (const [id, at] of stored) {
      firstSeen.set(id, at.getTime());
      const a = articles.get(id);
      if (a && at.getTime() > a.publishedAt.getTime()) late.add(id);
    }
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

  /** When the article arrived: the later of its publish time and when it was first seen (now, if that is not recorded yet). */
  const arrivedAt = (a: Article): Date => new Date(Math.max(a.publishedAt.getTime(), firstSeen.get(a.id) ?? clock.now().getTime()));
  const inPeriod = (a: Article, from: number, to: number) => {
    const t = arrivedAt(a).getTime();
    return t >= from && t < to && a.publishedAt.getTime() >= t - MAX_LATE_MS;
  };

  return {
    /** Records every article loaded now (the first archive at its publish times); call once at start. */
    async load(): Promise<void> {
      const initial = (await store.getMeta(FIRST_LOAD_KEY)) === undefined;
      const all = [...articles.all()];
      for (let i = 0; i < all.length; i += BATCH) {
        const now = clock.now();
        remember(await store.recordFirstSeen(all.slice(i, i + BATCH).map((a) => ({ id: a.id, firstSeen: initial ? a.publishedAt : now }))));
        await yieldToLoop();
      }
      if (initial) await store.setMeta(FIRST_LOAD_KEY, clock.now().toISOString());
    },
    /** Records each article that appears from now on; returns the function that stops listening. */
    watch(): () => void {
      return articles.onChange((e) => {
        if (e.type !== 'set' || firstSeen.has(e.id)) return;
        lastNewAt = clock.now().getTime();
        const p = record(e.id);
        pending.add(p);
        void p.finally(() => pending.delete(p));
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
      // No period reaches back more than a week and a day before now: older arrivals leave the set.
      const oldest = clock.now().getTime() - MAX_LATE_MS - 8 * 24 * 60 * 60 * 1000;
      for (const id of late) {
        const a = articles.get(id);
        if (!a || (firstSeen.get(id) ?? 0) < oldest) {
          late.delete(id);
          continue;
        }
        if (a.publishedAt.getTime() < from && inPeriod(a, from, to)) out.push(a);
      }
      return out;
    },
  };
}

/** The arrival log. */
export type ArrivalLog = ReturnType<typeof createArrivalLog>;
