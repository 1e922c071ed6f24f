/**
 * What loading an archive costs outside the bot: the archive loader alone, in this process, timed from
 * the call to `ready`. A diagnostic of the loader (where a restart's time and memory go), not a figure
 * of the bot: `npm run bench` measures the bot itself.
 *
 * `node --max-semi-space-size=2 --heap-growing-percent=20 --import tsx src/bench/load-cost.ts DIR CACHE_DIR [--cold]`
 * (the bot's V8 flags, see `src/node-flags.ts`) loads DIR with its cache in CACHE_DIR, first removing the
 * cache with `--cold`, and prints one JSON line: the load's stats, the time to ready, RSS, heap and
 * array buffers at ready, the peak RSS (sampled every 50 ms), the time spent in each kind of garbage
 * collection, and the longest event-loop delay. Any change to the parser or the index makes the cache
 * another version's, so the first load after one is a cold load.
 */
import { rmSync } from 'node:fs';
import { constants, monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { openArchive } from '../files/archive.ts';

const [dir, cacheDir] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!dir || !cacheDir) {
  process.stderr.write('usage: load-cost.ts DIR CACHE_DIR [--cold]\n');
  process.exit(2);
}
if (process.argv.includes('--cold')) rmSync(cacheDir, { recursive: true, force: true });

const mb = (bytes: number) => Math.round(bytes / 1048576);
/** Milliseconds and count of each kind of collection, by the names `PerformanceObserver` gives their kinds. */
const gc: Record<string, { ms: number; count: number }> = {};
const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'young',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = KINDS[(e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
    const k = (gc[kind] ??= { ms: 0, count: 0 });
    k.ms += e.duration;
    k.count++;
  }
}).observe({ entryTypes: ['gc'] });
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);

const start = performance.now();
const archive = openArchive({ dir, cacheDir });
const report = await archive.ready;
const ms = Math.round(performance.now() - start);
const m = process.memoryUsage();
clearInterval(sampler);
peak = Math.max(peak, m.rss);
const gcMs = Object.fromEntries(Object.entries(gc).map(([k, v]) => [k, { ms: Math.round(v.ms), count: v.count }]));
process.stdout.write(
  `${JSON.stringify({ readyMs: ms, stats: report.stats, rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), arrayBuffersMb: mb(m.arrayBuffers), peakRssMb: mb(peak), gc: gcMs, maxLoopDelayMs: Math.round(delay.max / 1e6) })}\n`,
);
// The cache is written after `ready`; a cold load waits for it, so the next load finds it.
await archive.cacheWritten;
process.exit(0);
