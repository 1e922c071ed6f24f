import { statSync } from 'node:fs';
import { sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import { absoluteOf } from './regular-files.ts';

/** Below this many files they are stat'ed here, at once: a worker costs more than it saves. */
const INLINE_BELOW = 2000;
/** Files handed to the worker at a time while the folder is listed. */
const BATCH = 5000;

/**
 * Stats the files of a listing while it is still being made: size and modification time of each (NaN
 * for one that is gone), for a restart to check against the archive cache. At a million files the stats
 * took about 3 s on a worker thread that started only once the listing was whole, and the load waited
 * for it; fed as the folders are read, the worker is done by the time the cache is read and absorbed.
 *
 * `listed(files)` is told the listing so far (the same array, growing); `result(found)` the whole
 * listing. A listing that was reordered at the end (a new array) is stat'ed again in its own order.
 */
export function streamFileStats(root: string): { listed(files: readonly string[]): void; result(found: readonly string[]): Promise<Float64Array>; abandon(): void } {
  let worker: StatWorker | null = null;
  let streamed: readonly string[] | null = null;
  let sent = 0;
  const send = (files: readonly string[], end: number) => {
    if (end > sent) worker!.worker.postMessage(files.slice(sent, end).join('\0'));
    sent = end;
  };
  return {
    listed(files) {
      streamed = files;
      if (!worker && files.length >= INLINE_BELOW) worker = statWorker(root);
      if (worker && files.length - sent >= BATCH) send(files, files.length);
    },
    async result(found) {
      if (!worker) return statFiles(root, found);
      if (found !== streamed) {
        void worker.worker.terminate();
        return statFiles(root, found);
      }
      send(found, found.length);
      return answer(worker);
    },
    /** The listing failed: no answer will be asked for. */
    abandon() {
      void worker?.worker.terminate();
    },
  };
}

/** Size and modification time of each file found (NaN for one that is gone), read on a worker thread; inline for a few. */
export async function statFiles(root: string, found: readonly string[]): Promise<Float64Array> {
  if (found.length < INLINE_BELOW) {
    const out = new Float64Array(found.length * 2);
    found.forEach((f, i) => {
      const s = statSync(absoluteOf(root, f), { throwIfNoEntry: false });
      out[i * 2] = s ? s.size : NaN;
      out[i * 2 + 1] = s ? s.mtimeMs : NaN;
    });
    return out;
  }
  const worker = statWorker(root);
  worker.worker.postMessage(found.join('\0'));
  return answer(worker);
}

/** A worker that stats the paths it is sent (see `stat-worker.js`), and its one answer. A path through a symlinked folder resolves the same from the folder. */
function statWorker(root: string): StatWorker {
  const worker = new Worker(new URL('./stat-worker.js', import.meta.url), { workerData: { root, sep }, execArgv: [] });
  // Its answer or its failure, whenever either comes: a worker that fails before it is asked must not go unheard.
  const answered = new Promise<Float64Array>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`The stat worker stopped (exit code ${code}) before answering`)));
  });
  answered.catch(() => undefined);
  // Held open only while its answer is awaited (see `answer`): a load that stops early never waits on it.
  worker.unref();
  return { worker, answered };
}

interface StatWorker {
  worker: Worker;
  answered: Promise<Float64Array>;
}

/** The worker's stats of everything it was sent; the worker is let go. */
async function answer({ worker, answered }: StatWorker): Promise<Float64Array> {
  try {
    worker.ref();
    worker.postMessage(null);
    return await answered;
  } finally {
    void worker.terminate();
  }
}
