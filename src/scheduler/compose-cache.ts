import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { composeDigest, type ArticleSource } from '../digest/compose.ts';
import type { MessagePayload } from '../payload/types.ts';
import { renderDigest } from '../render/digest.ts';

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
 * after `ttlMs` of the engine's clock, so an article that arrived late is in the next rendering.
 */
export function createComposeCache(deps: { articles: ArticleSource; now: () => number; maxEntries?: number; ttlMs?: number }) {
  const maxEntries = deps.maxEntries ?? 256;
  const ttlMs = deps.ttlMs ?? 5 * 60_000;
  const entries = new Map<string, { at: number; value: Promise<ComposedDigest> }>();

  async function compose(input: ComposeInput): Promise<ComposedDigest> {
    // Let other work (command replies, other deliveries) run before a composition takes the loop.
    await yieldToLoop();
    const { from, to, timezone, topics } = input;
    const digest = composeDigest(deps.articles.query({ from, to }), { from, to, timezone, topics });
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
