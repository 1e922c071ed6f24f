import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { IndexSnapshots } from '../content/store.ts';
import { RecordsEncoder } from './archive-cache.ts';
import { createBatchParser, type BatchSettings, type ParsedEntry } from './parse-batch.ts';
import type { FromWorker, ToWorker, WorkerSettings } from './parse-worker.ts';
import { startWorkerWithYoungGeneration } from './worker-heap.ts';

/**
 * Parses many files on worker threads: each reads its batches synchronously, parses them and builds
 * the index of what it parsed, so the main thread only stores compact records and, at the end,
 * joins the workers' indexes. Small jobs are parsed inline: starting a worker costs more than
 * parsing a few hundred files.
 */

/** Files per batch: big enough that messages are few, small enough that progress moves and both workers stay busy. */
const BATCH = 250;
/** Each parse worker's semi-spaces: V8's default on 64-bit systems. */
const WORKER_SEMI_SPACE_MB = 16;
/** Below this many files, parsing inline is faster than starting workers. */
const INLINE_BELOW = 1500;

/**
 * The files of a job, each as its path in the folder and its absolute path, handed out a batch at a
 * time: an array, or a view that makes a batch's pairs when asked (at a million files, a pair and an
 * absolute path per file held for the whole parse were about 120 MB of the main thread's heap).
 */
export interface JobFiles {
  readonly length: number;
  slice(start: number, end: number): Array<readonly [file: string, absolute: string]>;
}

/** A parse job. */
export interface ParseJob {
  files: JobFiles;
  settings: BatchSettings;
  /** The time dates are checked against, read once per batch. */
  now(): number;
  /** Called with each file's outcome, in the order of `files`, as batches complete. */
  onEntry(entry: ParsedEntry, index: number): void;
  /** Worker threads to use; 0 parses inline. Default: one per core, at most 4. */
  threads?: number;
}

/** Runs `job`; resolves with the indexes built while parsing (none for whole-article jobs). */
export async function parseFiles(job: ParseJob): Promise<IndexSnapshots[]> {
  const threads = threadsFor(job.files.length, job.threads);
  return threads === 0 ? parseInline(job) : parseOnWorkers(job, threads);
}

/**
 * Worker threads for a job of `files` files: `requested`, or one per core (at most 4) from
 * {@link INLINE_BELOW} files up; none for nothing to parse, whatever was asked (a pool without work
 * would never finish). 0: the job is parsed inline.
 */
export function threadsFor(files: number, requested: number | undefined): number {
  if (files === 0) return 0;
  return requested ?? (files < INLINE_BELOW ? 0 : Math.min(4, Math.max(1, availableParallelism())));
}

/**
 * The workers of one job: each started with `settings`, and the first failure (an error, or a worker
 * that exits before `done` says it may) terminates them all and rejects the job once. The job may be
 * told later (`rejectWith`) than the workers start: a failure meanwhile is kept and rejects it then.
 */
function workerGroup(reject?: (err: Error) => void) {
  const workers: Worker[] = [];
  let failed: Error | null = null;
  let rejectJob = reject;
  const fail = (err: Error) => {
    if (failed) return;
    failed = err;
    for (const w of workers) void w.terminate();
    rejectJob?.(err);
  };
  return {
    fail,
    get failed() {
      return failed !== null;
    },
    rejectWith(r: (err: Error) => void) {
      rejectJob = r;
      if (failed) r(failed);
    },
    /** Ends every worker (a job that will not run). */
    stop() {
      failed ??= new Error('The parse workers were stopped before their job');
      for (const w of workers) void w.terminate();
    },
    start(settings: WorkerSettings, done: () => boolean): Worker {
      // A worker lives only for the load and its heap is freed at the end, so it may trade memory for speed:
      // a young generation of V8's usual size, since parsing makes much short-lived garbage, where the bot's
      // main thread runs with 2 MB semi-spaces (see `worker-heap.ts`). In `npm run bench` at 100k, the cold
      // start took about a tenth less time with it, and its peak was about 80 MB higher while the workers ran.
      const w = startWorkerWithYoungGeneration(new URL('./parse-worker.js', import.meta.url), { workerData: settings, execArgv: [] }, WORKER_SEMI_SPACE_MB);
      workers.push(w);
      w.on('error', fail);
      w.on('exit', (code) => {
        if (!done() && !failed) fail(new Error(`A parse worker stopped before it finished (code ${code})`));
      });
      return w;
    },
  };
}

async function parseInline(job: ParseJob): Promise<IndexSnapshots[]> {
  const parser = createBatchParser(job.settings);
  for (let start = 0; start < job.files.length; start += BATCH) {
    const entries = parser.parse(job.files.slice(start, start + BATCH), job.now());
    entries.forEach((e, i) => job.onEntry(e, start + i));
    // Let timers and replies run between batches.
    if (start + BATCH < job.files.length) await new Promise((r) => setImmediate(r));
  }
  const snapshot = parser.snapshot();
  return snapshot ? [snapshot] : [];
}

function parseOnWorkers(job: ParseJob, threads: number): Promise<IndexSnapshots[]> {
  const batches = Math.ceil(job.files.length / BATCH);
  const done = new Map<number, ParsedEntry[]>();
  let applied = 0;
  let next = 0;
  const snapshots: IndexSnapshots[] = [];
  return new Promise((resolve, reject) => {
    const group = workerGroup(reject);
    let finished = 0;
    const finishing = new Set<Worker>();
    /** Workers that handed their index over: their exit is expected. */
    const over = new Set<Worker>();
    const finish = (w: Worker) => {
      if (finishing.has(w)) return;
      finishing.add(w);
      w.postMessage({ type: 'finish' } satisfies ToWorker);
    };
    const send = (w: Worker) => {
      if (next >= batches) return false;
      const id = next++;
      const files = job.files.slice(id * BATCH, (id + 1) * BATCH) as Array<[string, string]>;
      w.postMessage({ type: 'batch', id, files, now: job.now() } satisfies ToWorker);
      return true;
    };
    const workers = Math.min(threads, batches);
    for (let t = 0; t < workers; t++) {
      const w: Worker = group.start(job.settings, () => over.has(w));
      w.on('message', (m: FromWorker) => {
        if (group.failed) return;
        if (m.type === 'index') {
          if (m.snapshot) snapshots.push(m.snapshot);
          over.add(w);
          void w.terminate();
          if (++finished === workers) resolve(snapshots);
          return;
        }
        if (m.type !== 'batch') return group.fail(new Error('A parse worker answered in records where whole entries were asked for'));
        done.set(m.id, m.entries);
        // Outcomes are applied in file order, whichever worker finished first, so a load is deterministic.
        try {
          for (let entries = done.get(applied); entries; entries = done.get(applied)) {
            done.delete(applied);
            const base = applied * BATCH;
            entries.forEach((e, i) => job.onEntry(e, base + i));
            applied++;
          }
        } catch (err) {
          group.fail(err as Error);
          return;
        }
        if (!send(w)) finish(w);
      });
      // Two batches in flight per worker, so it never waits for the main thread between them.
      if (!send(w) || !send(w)) finish(w);
    }
  });
}

/**
 * Files per part a records worker sends back: its index and records for these leave it as bytes, and
 * it starts afresh. A worker holding the index of its whole share was, at 100,000 files, the load's
 * peak; parts keep each worker's memory flat, and the joined snapshot is the same. Each part's index is
 * serialized with its own vocabulary, sorted, most of it the same words as the part before: with parts of
 * 10,000 files that took a tenth of a worker's time at 100,000 files, with parts of 25,000 about a twentieth.
 */
const PART_FILES = 25_000;

/** A parse job whose outcomes come back as records (see `RecordsEncoder`), for a store filled from the archive cache's format. */
export interface RecordsJob {
  files: JobFiles;
  settings: BatchSettings;
  /** The key the records are written under (the archive cache's), checked when they are read back. */
  key: string;
  now(): number;
  /** Files parsed so far, as batches complete. */
  onProgress(parsed: number): void;
  /** Worker threads to use; 0 parses inline. Default: as `parseFiles`. */
  threads?: number;
  /** Files per part a worker sends back (default 25,000). */
  partFiles?: number;
  /** Workers started for this job before it was known (`startRecordsWorkers`, with the same settings and key). */
  started?: RecordsWorkers;
}

/**
 * Records workers started ahead of their job, so they load their code while the folder is still being
 * listed: at 100,000 files a worker took about 0.16 s to start, about as long as the listing. `stop` ends
 * them if no job takes them.
 */
export interface RecordsWorkers {
  readonly count: number;
  stop(): void;
  /** Resolves once every one of them has exited (its job done, or stopped). */
  exited(): Promise<void>;
  /** @internal The workers and their group, taken by `parseToParts`. */
  take(): { group: ReturnType<typeof workerGroup>; workers: StartedWorker[] };
}

/** A worker of a records job, and whether its exit is expected (it handed its last part over). */
interface StartedWorker {
  worker: Worker | null;
  over: boolean;
}

/** The settings a records worker starts with. */
const recordsSettings = (settings: BatchSettings, key: string, partFiles: number | undefined): WorkerSettings => ({ ...settings, whole: false, recordsKey: key, partFiles: partFiles ?? PART_FILES });

/**
 * Starts `threads` records workers before their job's files are all known (`threadsFor` says how many a
 * job of the files found so far would use).
 */
export function startRecordsWorkers(settings: BatchSettings, key: string, options: { threads: number; partFiles?: number }): RecordsWorkers {
  const group = workerGroup();
  const count = options.threads;
  const workers = Array.from({ length: count }, (): StartedWorker => {
    const entry: StartedWorker = { worker: null, over: false };
    entry.worker = group.start(recordsSettings(settings, key, options.partFiles), () => entry.over);
    return entry;
  });
  const exits = Promise.all(workers.map((w) => new Promise<void>((resolve) => w.worker!.once('exit', () => resolve())))).then(() => undefined);
  let taken = false;
  return {
    count,
    stop: () => {
      if (!taken) group.stop();
    },
    exited: () => exits,
    take() {
      taken = true;
      return { group, workers };
    },
  };
}

/**
 * One part of a records job: the outcomes of a contiguous run of its files, in order, and the index
 * of the articles among them.
 */
export interface ParsedPart {
  /** Where this share starts in the job's files. */
  start: number;
  records: Uint8Array;
  snapshot: IndexSnapshots;
}

/**
 * Parses `job.files` into records and indexes, in contiguous shares (one per worker, each sent back in
 * parts), so the caller holds nothing per file while the workers parse: no cloned object per file, no
 * garbage for the main thread to collect, and its CPU left to the workers. The parts come back in file order.
 */
export async function parseToParts(job: RecordsJob): Promise<ParsedPart[]> {
  const threads = job.started ? job.started.count : threadsFor(job.files.length, job.threads);
  if (threads === 0 || job.files.length === 0) {
    job.started?.stop();
    const parser = createBatchParser({ ...job.settings, whole: false });
    const encoder = new RecordsEncoder();
    for (let start = 0; start < job.files.length; start += BATCH) {
      for (const e of parser.parse(job.files.slice(start, start + BATCH), job.now())) encoder.push(e);
      job.onProgress(Math.min(job.files.length, start + BATCH));
      if (start + BATCH < job.files.length) await new Promise((r) => setImmediate(r));
    }
    const snapshot = parser.snapshot();
    return snapshot ? [{ start: 0, records: encoder.bytes(job.key), snapshot }] : [];
  }
  const batches = Math.ceil(job.files.length / BATCH);
  const shares = Math.min(threads, batches);
  let parsed = 0;
  return new Promise((resolve, reject) => {
    const taken = job.started?.take();
    const group = taken?.group ?? workerGroup();
    // Workers started ahead that this job has no share for end now: their exit is expected.
    for (const extra of taken?.workers.slice(shares) ?? []) {
      extra.over = true;
      void extra.worker?.terminate();
    }
    group.rejectWith(reject);
    /** Each share's parts, in order: shares are contiguous, so their concatenation is in file order. */
    const byShare: ParsedPart[][] = Array.from({ length: shares }, () => []);
    let finished = 0;
    for (let t = 0; t < shares && !group.failed; t++) {
      // Whole batches per share, contiguous, so each worker's records are in file order.
      const first = Math.floor((t * batches) / shares);
      const last = Math.floor(((t + 1) * batches) / shares);
      let next = first;
      let finishing = false;
      const own = byShare[t]!;
      const entry: StartedWorker = taken?.workers[t] ?? { worker: null, over: false };
      const w = (entry.worker ??= group.start(recordsSettings(job.settings, job.key, job.partFiles), () => entry.over));
      const finish = () => {
        if (finishing) return;
        finishing = true;
        w.postMessage({ type: 'finish' } satisfies ToWorker);
      };
      const send = () => {
        if (next >= last) return false;
        const id = next++;
        w.postMessage({ type: 'batch', id, files: job.files.slice(id * BATCH, (id + 1) * BATCH) as Array<[string, string]>, now: job.now() } satisfies ToWorker);
        return true;
      };
      w.on('message', (m: FromWorker) => {
        if (group.failed) return;
        if (m.type === 'part') return void own.push({ start: m.firstBatch * BATCH, records: m.records, snapshot: m.snapshot });
        if (m.type === 'index') {
          entry.over = true;
          void w.terminate();
          if (++finished === shares) resolve(byShare.flat());
          return;
        }
        if (m.type !== 'counted') return group.fail(new Error('A parse worker answered in whole entries where records were asked for'));
        parsed += m.count;
        try {
          job.onProgress(parsed);
        } catch (err) {
          group.fail(err as Error);
          return;
        }
        if (!send()) finish();
      });
      // Two batches in flight, so the worker never waits for the main thread between them.
      if (!send() || !send()) finish();
    }
  });
}
