/**
 * Why the store sorts with `sortNewestFirst` and not with `Array.prototype.sort` and a comparison: both
 * sort the same N stored articles (a million by default, times spread over a year, some in the same
 * millisecond) in this process, three rounds, and print the milliseconds of each and whether the orders agree.
 *
 * `node --import tsx src/bench/sort-cost.ts [N]`
 */
import { newestFirst, sortNewestFirst } from '../content/newest-first.ts';
import { storedRecord } from '../content/stored-article.ts';

const n = Number(process.argv[2] ?? 1_000_000);
const start = Date.UTC(2026, 0, 1);
const articles = Array.from({ length: n }, (_, i) => {
  // A deterministic scatter over a year, in whole seconds (so some share a millisecond).
  const t = start + ((i * 2_654_435_761) % 31_536_000) * 1000;
  return storedRecord(`batch-${i % 10_000}/article-${i}`, `batch-${i % 10_000}/article-${i}.md`, `Story ${i}`, null, null, t, [], 'neutral', 'inferred', 0, null, 0, 0, 0, 0, 0);
});
for (let round = 1; round <= 3; round++) {
  let t0 = performance.now();
  const compared = articles.slice().sort(newestFirst);
  const comparedMs = performance.now() - t0;
  t0 = performance.now();
  const keyed = sortNewestFirst(articles.slice());
  const keyedMs = performance.now() - t0;
  const same = keyed.every((a, i) => a === compared[i]);
  process.stdout.write(`${JSON.stringify({ round, articles: n, comparisonMs: Math.round(comparedMs), keyedMs: Math.round(keyedMs), sameOrder: same })}\n`);
}
