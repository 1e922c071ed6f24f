import type { Worker } from 'node:worker_threads';
import type { IndexSnapshots } from '../content/store.ts';
import { RecordsEncoder } from './archive-cache.ts';
import { createBatchParser, type BatchSettings, type ParsedEntry } from './parse-batch.ts';
import type { FromWorker, ToWorker, WorkerSettings } from './parse-worker.ts';
import { largeLoadThreads, startParseWorker, takeParseWorkerAhead } from './parse-workers-ahead.ts';

/**
 * Parses many files on worker threads: each reads its batches synchronously, parses them and builds
 * the index of what it parsed, so the main thread only stores compact records and, at the end,
 * joins the workers' indexes. Small jobs are parsed inline: starting a worker costs more than
 * parsing a few hundred files.
 */

/** Files per batch: big enough that messages are few, small enough that progress moves and both workers stay busy. */
const BATCH = 250;
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
  return requested ?? (files < INLINE_BELOW ? 0 : largeLoadThreads());
}

/**
 * The workers of one job: each started with `settings`, and the first failure (an error, or a worker
 * that exits before `done` says it may) terminates them all and rejects the job once.
 */
function workerGroup(reject: (err: Error) => void) {
  const workers: Worker[] = [];
  let failed: Error | null = null;
  const fail = (err: Error) => {
    if (failed) return;
    failed = err;
    for (const w of workers) void w.terminate();
    reject(err);
  };
  return {
    fail,
    get failed() {
      return failed !== null;
    },
    /** Ends every worker, for a job no longer wanted; their exits reject nothing. */
    stop() {
      failed ??= new Error('The parse workers were stopped before their job');
      for (const w of workers) void w.terminate();
    },
    start(settings: WorkerSettings, done: () => boolean): Worker {
      // One started with the process, if `npm start` started any (see `parse-workers-ahead.ts`).
      const w = takeParseWorkerAhead(settings) ?? startParseWorker(settings);
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
  /** The files to parse; for a job given them while they are found (`streamRecords`), a list that grows until `end`. */
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
}

/**
 * One part of a records job: the outcomes of a contiguous run of its files, in order, and the index
 * of the articles among them.
 */
export interface ParsedPart {
  /** Where this run starts in the job's files. */
  start: number;
  records: Uint8Array;
  snapshot: IndexSnapshots;
}

/** The settings a records worker starts with. */
const recordsSettings = (settings: BatchSettings, key: string, partFiles: number | undefined): WorkerSettings => ({ ...settings, whole: false, recordsKey: key, partFiles: partFiles ?? PART_FILES });

/**
 * Parses `job.files` into records and indexes, so the caller holds nothing per file while the workers
 * parse: no cloned object per file, no garbage for the main thread to collect, and its CPU left to the
 * workers. The parts come back in file order.
 */
export async function parseToParts(job: RecordsJob): Promise<ParsedPart[]> {
  const threads = threadsFor(job.files.length, job.threads);
  if (threads === 0) {
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
  // No more workers than batches: every file is known here.
  const stream = streamRecords(job, Math.min(threads, Math.ceil(job.files.length / BATCH)));
  stream.end();
  return stream.parts;
}

/** A records job on worker threads whose files may still be being found (see `streamRecords`). */
export interface RecordsStream {
  /** Tells the job that `files` grew: batches now whole are sent to idle workers. */
  grew(): void;
  /** Every file is in `files`: the last batches are sent, and the job finishes once they are parsed. */
  end(): void;
  /** Ends the workers, for a job that is no longer wanted (its `parts` never settle). */
  stop(): void;
  /** The parts, in file order, once `end` was called and every file is parsed; rejects with why a worker failed. */
  readonly parts: Promise<ParsedPart[]>;
  /** @internal The job's workers (for tests that make one fail). */
  readonly workers: readonly Worker[];
}

/** The fewest unsent batches a worker that ran out of work splits with another (half each). */
const MIN_STEAL_BATCHES = 2;

/**
 * Starts a records job on `threads` workers before all its files are known, so parsing starts while the
 * folder is still being listed: the first load of 100,000 files used to list them all (about 0.3 s, one
 * core) before the first batch was sent. Each worker takes a run of contiguous batches of `partFiles`
 * files at a time and sends each run back as one part. Once every batch is handed out, a worker that runs
 * out takes the second half of the longest run another has not sent yet, so the workers finish together
 * (with fixed halves, they finished up to 0.18 s apart, one core idle).
 */
export function streamRecords(job: RecordsJob, threads: number): RecordsStream {
  const settings = recordsSettings(job.settings, job.key, job.partFiles);
  const runBatches = Math.max(1, Math.ceil(settings.partFiles! / BATCH));
  const parts: ParsedPart[] = [];
  let complete = false;
  /** The next batch no run holds yet. */
  let next = 0;
  let parsed = 0;
  let finished = 0;
  let settle: { resolve(parts: ParsedPart[]): void; reject(err: Error): void };
  const done = new Promise<ParsedPart[]>((resolve, reject) => (settle = { resolve, reject }));
  // Awaited by the caller once the files are listed; a failure before then is kept until it is.
  done.catch(() => undefined);
  const group = workerGroup((err) => settle.reject(err));
  /** Batches in the job: whole batches while files are still being found, every batch once they all are. */
  const batches = () => (complete ? Math.ceil(job.files.length / BATCH) : Math.floor(job.files.length / BATCH));

  interface Lane {
    worker: Worker;
    /** The next batch of its run to send, and the end of its run. */
    cursor: number;
    end: number;
    inFlight: number;
    finishing: boolean;
    over: boolean;
  }
  const lanes: Lane[] = [];

  /** A new run for a lane with none left: the next `runBatches` batches, or, once all are handed out, half of another's. */
  const takeRun = (lane: Lane): boolean => {
    if (!complete || next < batches()) {
      lane.cursor = next;
      lane.end = next += runBatches;
      if (complete) lane.end = Math.min(lane.end, batches());
      return true;
    }
    let victim: Lane | null = null;
    for (const other of lanes) if (other !== lane && other.end - other.cursor >= MIN_STEAL_BATCHES && (!victim || other.end - other.cursor > victim.end - victim.cursor)) victim = other;
    if (!victim) return false;
    lane.end = victim.end;
    lane.cursor = victim.end = victim.end - Math.floor((victim.end - victim.cursor) / 2);
    return true;
  };

  /** Keeps two batches in flight on a lane, so its worker never waits for the main thread; finishes it when nothing is left. */
  const pump = (lane: Lane) => {
    if (group.failed || lane.finishing) return;
    while (lane.inFlight < 2) {
      if (lane.cursor >= lane.end && !takeRun(lane)) break;
      if (lane.cursor >= batches()) break;
      const id = lane.cursor++;
      lane.inFlight++;
      lane.worker.postMessage({ type: 'batch', id, files: job.files.slice(id * BATCH, (id + 1) * BATCH) as Array<[string, string]>, now: job.now() } satisfies ToWorker);
    }
    if (complete && lane.inFlight === 0 && lane.cursor >= lane.end) {
      lane.finishing = true;
      lane.worker.postMessage({ type: 'finish' } satisfies ToWorker);
    }
  };

  for (let t = 0; t < threads; t++) {
    const lane: Lane = { worker: null!, cursor: 0, end: 0, inFlight: 0, finishing: false, over: false };
    lane.worker = group.start(settings, () => lane.over);
    lane.worker.on('message', (m: FromWorker) => {
      if (group.failed) return;
      if (m.type === 'part') return void parts.push({ start: m.firstBatch * BATCH, records: m.records, snapshot: m.snapshot });
      if (m.type === 'index') {
        lane.over = true;
        void lane.worker.terminate();
        if (++finished === lanes.length) settle.resolve(parts.sort((a, b) => a.start - b.start));
        return;
      }
      if (m.type !== 'counted') return group.fail(new Error('A parse worker answered in whole entries where records were asked for'));
      lane.inFlight--;
      parsed += m.count;
      try {
        job.onProgress(parsed);
      } catch (err) {
        group.fail(err as Error);
        return;
      }
      pump(lane);
    });
    lanes.push(lane);
  }
  return {
    grew: () => lanes.forEach(pump),
    end() {
      if (complete) return;
      complete = true;
      // Runs handed out past the last file end at it.
      const total = batches();
      for (const lane of lanes) {
        lane.end = Math.min(lane.end, total);
        lane.cursor = Math.min(lane.cursor, lane.end);
      }
      next = Math.min(next, total);
      lanes.forEach(pump);
    },
    stop: () => group.stop(),
    parts: done,
    workers: lanes.map((l) => l.worker),
  };
}
