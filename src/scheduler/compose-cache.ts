import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { composeDigest, type ArticleSource } from '../digest/compose.ts';
import type { MessagePayload } from '../payload/types.ts';
import { renderDigest } from '../render/digest.ts';
import type { ArrivalLog } from './arrivals.ts';

/** The inputs a rendered digest depends on: servers that share them share one rendering. */
export interface ComposeInput {
  from: Date;
  to: Date;
  timezone: string;
  topics: readonly string[] | null;
  title: string;
}

/** A rendered digest, without per-channel markers. */
export interface ComposedDigest {
  payloads: MessagePayload[];
  articleCount: number;
}

const keyOf = (i: ComposeInput) =>
  [i.from.toISOString(), i.to.toISOString(), i.timezone, i.topics && i.topics.length > 0 ? [...i.topics].sort().join(',') : '*', i.title].join('|');

/**
 * Composes and renders each distinct digest once and hands the same result to every server that
 * asks for it, including servers asking while it is being made (the cache holds the Promise). At
 * 10,000 servers due in one minute this turns 10,000 compositions into a handful. Entries expire
 * after `ttlMs` of the engine's clock, so an edited article is in the next rendering. With an arrival
 * log, a period holds what arrived in it (see arrivals.ts), late articles included.
 */
export function createComposeCache(deps: { articles: ArticleSource; arrivals?: ArrivalLog; now: () => number; maxEntries?: number; ttlMs?: number }) {
  const maxEntries = deps.maxEntries ?? 256;
  const ttlMs = deps.ttlMs ?? 5 * 60_000;
  const entries = new Map<string, { at: number; value: Promise<ComposedDigest> }>();

  async function compose(input: ComposeInput): Promise<ComposedDigest> {
    // Let other work (command replies, other deliveries) run before a composition takes the loop.
    await yieldToLoop();
    const { from, to, timezone, topics } = input;
    const { arrivals } = deps;
    let digest;
    if (arrivals) {
      // Every article seen so far gets its arrival recorded first; the query below then runs without a
      // break, so none can slip in between. A past period's articles never change after that (each
      // arrival falls in one period for good), which keeps the (from, to, zone, topics) key correct.
      await arrivals.settled();
      digest = composeDigest(arrivals.periodArticles({ from, to }), { from, to, timezone, topics, arrivedAt: arrivals.arrivedAt });
    } else {
      digest = composeDigest(deps.articles.query({ from, to }), { from, to, timezone, topics });
    }
    await yieldToLoop();
    return { payloads: renderDigest(digest, { title: input.title }), articleCount: digest.total };
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
