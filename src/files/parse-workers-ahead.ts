import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { parseArchiveLocation } from '../config.ts';
import { cacheFileFor } from './cache-file.ts';
import type { ToWorker, WorkerSettings } from './parse-worker.ts';
import { startWorkerWithYoungGeneration } from './worker-heap.ts';

/**
 * Starting parse workers, with the process if need be. A worker takes about a quarter of a second to
 * load its code; on a first load of 100,000 files the bot's own code loads for about as long before the
 * load can start them, so on a first start (no archive cache yet) `npm start` starts them first
 * (`src/start.mjs`), before the bot's bundle, and the load takes them when it finds it has every file to
 * parse. A load that does not (a small folder) ends them.
 */

/**
 * Each parse worker's semi-spaces: V8's default on 64-bit systems. A worker lives only for the load and
 * its heap is freed at the end, so it may trade memory for speed: parsing makes much short-lived garbage,
 * where the bot's main thread runs with 2 MB semi-spaces (see `worker-heap.ts`). In `npm run bench` at
 * 100k, the cold start took about a tenth less time with it, and its peak was about 80 MB higher while
 * the workers ran.
 */
const WORKER_SEMI_SPACE_MB = 16;

/**
 * Where the workers started ahead wait. On `globalThis` under a registered symbol: `start.mjs` loads this
 * module from a bundle of its own, and the bot's bundle holds another copy of it.
 */
const AHEAD = Symbol.for('news-digest-bot.parse-workers-ahead');
const waiting = (): Worker[] => ((globalThis as { [AHEAD]?: Worker[] })[AHEAD] ??= []);

/**
 * Starts a parse worker with `settings`, or, given none, one that waits for a `settings` message before
 * any batch (see `parse-worker.ts`).
 */
export function startParseWorker(settings: WorkerSettings | null): Worker {
  return startWorkerWithYoungGeneration(new URL('./parse-worker.js', import.meta.url), { workerData: settings, execArgv: [] }, WORKER_SEMI_SPACE_MB);
}

/** The parse workers of a large load: one per core, at most 4. */
export const largeLoadThreads = (): number => Math.min(4, availableParallelism());

/**
 * Starts `count` parse workers (default: as many as a large load uses) that wait for a load to take
 * them. They do not keep the process alive while they wait.
 */
export function startParseWorkersAhead(count = largeLoadThreads()): void {
  const list = waiting();
  for (let k = 0; k < count; k++) {
    const worker = startParseWorker(null);
    worker.unref();
    // One that fails or exits while it waits is simply not taken.
    worker.on('error', () => undefined);
    worker.once('exit', () => {
      const at = list.indexOf(worker);
      if (at >= 0) list.splice(at, 1);
    });
    list.push(worker);
  }
}

/**
 * Starts the workers ahead when the bot, configured by `env` and started with `argv`, will find no
 * archive cache: its first start (or a cache that was deleted). A restart with a cache parses only what
 * changed, and two workers loading their code beside the bot's made it come online about 0.1 s later;
 * with the cache off (`:none:`, the sandbox: `--sandbox`, or no token) every start parses every file, and
 * the load starts its workers as the listing calls for them. Returns how many were started.
 */
export function startParseWorkersForFirstLoad(env: Record<string, string | undefined>, argv: readonly string[] = []): number {
  const where = parseArchiveLocation(env, argv);
  // A configuration the bot refuses stops it before any load.
  if (!where || where.cacheDir === null || existsSync(cacheFileFor(where.cacheDir, where.contentDir))) return 0;
  const count = largeLoadThreads();
  startParseWorkersAhead(count);
  return count;
}

/** A worker started ahead, given its settings, or undefined when none is waiting. */
export function takeParseWorkerAhead(settings: WorkerSettings): Worker | undefined {
  const worker = waiting().shift();
  if (!worker) return undefined;
  worker.ref();
  worker.postMessage({ type: 'settings', settings } satisfies ToWorker);
  return worker;
}

/** Ends the workers started ahead that no load took. */
export function endParseWorkersAhead(): void {
  for (const worker of waiting().splice(0)) void worker.terminate();
}

/** The workers started ahead still waiting for a load. */
export function parseWorkersWaiting(): readonly Worker[] {
  return [...waiting()];
}
