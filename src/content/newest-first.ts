import type { Article } from './article.ts';
import { publishedMs } from './stored-article.ts';

/** Newest first; the same time in id order (so a listing is the same after every restart). */
export const newestFirst = (a: Article, b: Article) => publishedMs(b) - publishedMs(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Articles a keyed sort takes at most: an article's place in the list has 21 bits of the key. */
const MAX_KEYED = 2 ** 21;
/** The widest span of publication times a keyed sort takes, in ms (43 bits of the key: about 278 years). */
const MAX_SPAN = 2 ** 43;

/**
 * `articles` sorted by {@link newestFirst}: a new array, or `articles` itself sorted in place. Each article becomes one 64-bit number, its time
 * from the newest (43 bits) then its place in the list (21 bits), sorted by the engine's own numeric
 * sort with no comparison function; only articles of the same millisecond are then compared by id.
 * Sorting a million articles with `newestFirst` itself called it about twenty million times, each
 * reading two articles from anywhere in memory: 1.8 s, where this takes about 0.25 s (`src/bench/sort-cost.ts`).
 * A list longer than `maxKeyed`, or spanning more than 278 years, is sorted with `newestFirst`.
 */
export function sortNewestFirst<T extends Article>(articles: T[], maxKeyed = MAX_KEYED): T[] {
  const n = articles.length;
  if (n < 2) return articles;
  const times = new Float64Array(n);
  let newest = -Infinity;
  let oldest = Infinity;
  for (let i = 0; i < n; i++) {
    const t = publishedMs(articles[i]!);
    times[i] = t;
    if (t > newest) newest = t;
    if (t < oldest) oldest = t;
  }
  if (n > Math.min(maxKeyed, MAX_KEYED) || !(newest - oldest < MAX_SPAN)) return articles.sort(newestFirst);
  const keys = new BigUint64Array(n);
  // The two 32-bit halves of each key, written as numbers: no BigInt is made per article (little-endian words).
  const words = new Uint32Array(keys.buffer);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const [lo, hi] = little ? [0, 1] : [1, 0];
  for (let i = 0; i < n; i++) {
    const age = newest - times[i]!;
    words[2 * i + lo] = ((age % 2048) * MAX_KEYED + i) >>> 0;
    words[2 * i + hi] = Math.floor(age / 2048);
  }
  keys.sort();
  const sorted = new Array<T>(n);
  for (let k = 0; k < n; k++) sorted[k] = articles[words[2 * k + lo]! & (MAX_KEYED - 1)]!;
  // Runs of the same millisecond, in list order so far: in id order instead.
  for (let start = 0, k = 1; k <= n; k++) {
    if (k === n || publishedMs(sorted[k]!) !== publishedMs(sorted[start]!)) {
      if (k - start > 1) {
        const run = sorted.slice(start, k).sort(newestFirst);
        for (let r = 0; r < run.length; r++) sorted[start + r] = run[r]!;
      }
      start = k;
    }
  }
  return sorted;
}
