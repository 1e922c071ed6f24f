import v8 from 'node:v8';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Worker threads with a young generation of their own size. A worker's `resourceLimits` set its heap,
 * but V8 lets a `--max-semi-space-size` flag win over them, and the bot runs with `--max-semi-space-size=2`
 * (`src/node-flags.ts`), which suits its main thread (the garbage of one command dies young, and the
 * resident memory stays low). A parse worker makes much short-lived garbage and lives only for the load:
 * with 2 MB semi-spaces, two of them parsing 100,000 files side by side spent about a sixth of their
 * time more than with V8's 16 MB.
 *
 * V8 reads that flag once per heap, when the heap is configured as its isolate is created
 * (`Heap::ConfigureHeap`), so the flag is set to the worker's size just before the worker is created and
 * set back once it is online (its heap configured): the main thread's heap, configured at start, keeps
 * its own. While a worker starts, any other isolate created by the process would get the worker's size too.
 */

/**
 * The semi-space size, in MB, that the process's own command line or `NODE_OPTIONS` sets for every heap,
 * or null when neither does (then `resourceLimits` apply as given). The last setting wins, as in V8.
 */
export function semiSpaceFlag(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): number | null {
  let mb: number | null = null;
  const args = [...nodeOptions.split(/\s+/).filter(Boolean), ...execArgv];
  for (let i = 0; i < args.length; i++) {
    const m = /^--max[-_]semi[-_]space[-_]size(?:=(.*))?$/.exec(args[i]!);
    if (!m) continue;
    const value = Number(m[1] ?? args[++i]);
    if (Number.isFinite(value)) mb = value;
  }
  return mb;
}

/** Workers being started with a size of their own: the process's flag is set back once none is left. */
let starting = 0;

/**
 * Starts a worker whose semi-spaces are `semiSpaceMb` each (its young generation about three times that),
 * whatever the process's V8 flags say. Everything else is as `new Worker(url, options)`.
 */
export function startWorkerWithYoungGeneration(url: URL, options: WorkerOptions, semiSpaceMb: number): Worker {
  const flag = semiSpaceFlag();
  const limits = { ...options.resourceLimits, maxYoungGenerationSizeMb: semiSpaceMb * 3 };
  if (flag === null || flag === semiSpaceMb) return new Worker(url, { ...options, resourceLimits: limits });
  starting++;
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    if (--starting === 0) v8.setFlagsFromString(`--max-semi-space-size=${flag}`);
  };
  v8.setFlagsFromString(`--max-semi-space-size=${semiSpaceMb}`);
  let worker: Worker;
  try {
    worker = new Worker(url, { ...options, resourceLimits: limits });
  } catch (err) {
    settle();
    throw err;
  }
  // Online: its isolate exists, so its heap is configured. A worker that fails first ends with `exit`.
  worker.once('online', settle);
  worker.once('exit', settle);
  return worker;
}
