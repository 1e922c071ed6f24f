import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Article } from '../content/article.ts';
import { composeDigest, readTopImpacts, topStoryCount, type ArticleSource, type ImpactReader } from '../digest/compose.ts';
import { composeMood, moodWindowStart } from '../digest/mood.ts';
import type { DigestPart } from '../payload/types.ts';
import { renderDigestParts } from '../render/digest.ts';
import { moodChartFile } from '../render/mood-chart.ts';
import type { ArrivalLog } from './arrivals.ts';

/** The inputs a rendered digest depends on: servers that share them share one rendering. */
export interface ComposeInput {
  from: Date;
  to: Date;
  timezone: string;
  topics: readonly string[] | null;
  title: string;
  /** Top stories to open with, 0–10 (default 5). */
  topStories?: number;
  /** The full list goes into a thread started from the first message. */
  thread?: boolean;
  /** The first message carries the mood chart (the bot may attach files there). */
  chart?: boolean;
}



/** A rendered digest, without per-channel markers. */
export interface ComposedDigest {
  payloads: DigestPart[];
  articleCount: number;
}

const keyOf = (i: ComposeInput) =>
  [
    i.from.toISOString(),
    i.to.toISOString(),
    i.timezone,
    i.topics && i.topics.length > 0 ? [...i.topics].sort().join(',') : '*',
    i.title,
    topStoryCount(i.topStories),
    i.thread ? 'thread' : 'inline',
    i.chart ? 'chart' : 'text',
  ].join('|');

/**
 * Composes and renders each distinct digest once and hands the same result to every server that
 * asks for it, including servers asking while it is being made (the cache holds the Promise). At
 * 10,000 servers due in one minute this turns 10,000 compositions into a handful. Entries expire
 * after `ttlMs` of the engine's clock, so an edited article is in the next rendering. With an arrival
 * log, a period holds what arrived in it (see arrivals.ts), late articles included.
 */
export function createComposeCache(deps: {
  articles: ArticleSource & Partial<ImpactReader>;
  arrivals?: ArrivalLog;
  now: () => number;
  maxEntries?: number;
  ttlMs?: number;
  /** Reads impact bullets for the top stories; the article source itself when it can (`ArticleStore`). */
  impacts?: ImpactReader;
}) {
  const maxEntries = deps.maxEntries ?? 256;
  const ttlMs = deps.ttlMs ?? 5 * 60_000;
  const entries = new Map<string, { at: number; value: Promise<ComposedDigest> }>();

  async function compose(input: ComposeInput): Promise<ComposedDigest> {
    // Let other work (command replies, other deliveries) run before a composition takes the loop.
    await yieldToLoop();
    const { from, to, timezone, topics } = input;
    const { arrivals } = deps;
    const sourcesOf = deps.articles.sourceCount ? (a: Article) => deps.articles.sourceCount!(a) : undefined;
    const topStories = topStoryCount(input.topStories);
    // The mood compares the period with the week before it and charts 14 days: read that far back.
    const moodFrom = moodWindowStart(from, to);
    let digest;
    let mood;
    if (arrivals) {
      // Every article seen so far gets its arrival recorded first; the query below then runs without a
      // break, so none can slip in between. A past period's articles never change after that (each
      // arrival falls in one period for good), which keeps the (from, to, zone, topics) key correct.
      await arrivals.settled();
      const wide = arrivals.periodArticles({ from: moodFrom, to });
      digest = composeDigest(wide, { from, to, timezone, topics, arrivedAt: arrivals.arrivedAt, topStories, sourcesOf });
      mood = composeMood(wide, { from, to, timezone, arrivedAt: arrivals.arrivedAt });
    } else {
      const wide = deps.articles.query({ from: moodFrom, to });
      digest = composeDigest(wide, { from, to, timezone, topics, topStories, sourcesOf });
      mood = composeMood(wide, { from, to, timezone });
    }
    const impacts = await readTopImpacts(deps.impacts ?? (deps.articles.details ? (deps.articles as ImpactReader) : undefined), digest);
    await yieldToLoop();
    const payloads = renderDigestParts(digest, {
      title: input.title,
      impacts,
      mood: mood.line,
      thread: input.thread === true,
      ...(input.chart ? { chart: moodChartFile(mood.days) } : {}),
    });
    return { payloads, articleCount: digest.total };
  }

  return {
    /** The rendered digest for these inputs, composed now or shared with earlier callers. */
    get(input: ComposeInput): Promise<ComposedDigest> {
      const key = keyOf(input);
      const now = deps.now();
      const hit = entries.get(key);
      if (hit && now - hit.at < ttlMs) {
        // Re-inserting keeps the Map in least-recently-used order.
        entries.delete(key);
        entries.set(key, hit);
        return hit.value;
      }
      const value = compose(input);
      entries.set(key, { at: now, value });
      value.catch(() => entries.delete(key));
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      return value;
    },
    /** How many renderings are held. */
    get size() {
      return entries.size;
    },
  };
}

/** The compose cache. */
export type ComposeCache = ReturnType<typeof createComposeCache>;
