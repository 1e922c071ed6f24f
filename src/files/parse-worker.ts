import { parentPort, workerData } from 'node:worker_threads';
import { RecordsEncoder } from './archive-cache.ts';
import type { IndexSnapshots } from '../content/store.ts';
import { createBatchParser, type BatchSettings, type ParsedEntry } from './parse-batch.ts';

/**
 * A parse worker: reads and parses the batches the loader sends, and at the end hands over the index
 * of everything it parsed as bytes (transferred, not copied). See `parse-pool.ts`.
 */

/** A message to a worker: its settings (first, for a worker started without them), a batch, or the end. */
export type ToWorker = { type: 'settings'; settings: WorkerSettings } | { type: 'batch'; id: number; files: Array<[string, string]>; now: number } | { type: 'finish' };

/** What a worker is started with: the batch settings, and for a worker that returns records, the cache key to write them under. */
export type WorkerSettings = BatchSettings & { recordsKey?: string; partFiles?: number };

/** A message from a worker: a batch parsed (whole entries, or only counted), a share of records, or the end. */
export type FromWorker =
  | { type: 'batch'; id: number; entries: ParsedEntry[] }
  | { type: 'counted'; id: number; count: number }
  | { type: 'part'; firstBatch: number; records: Uint8Array; snapshot: IndexSnapshots }
  | { type: 'index'; snapshot: IndexSnapshots | null };

const port = parentPort!;

/** Parses batches as `settings` say, from the next message on. */
function serve(settings: WorkerSettings) {
  const parser = createBatchParser(settings);
  if (settings.recordsKey === undefined) {
    port.on('message', (m: ToWorker) => {
      if (m.type === 'batch') port.postMessage({ type: 'batch', id: m.id, entries: parser.parse(m.files, m.now) } satisfies FromWorker);
      else {
        const snapshot = parser.snapshot();
        port.postMessage({ type: 'index', snapshot } satisfies FromWorker, snapshot ? [snapshot.index.buffer as ArrayBuffer, snapshot.titles.buffer as ArrayBuffer] : []);
      }
    });
  } else {
    // Records mode: outcomes are encoded as they come and leave as bytes with their index, a part every
    // `partFiles` files or at the end of a run of batches, so the worker never holds more than one part
    // (its peak stays flat as the archive grows).
    const key = settings.recordsKey;
    let encoder = new RecordsEncoder();
    let firstBatch = -1;
    const flush = () => {
      if (encoder.length === 0) return;
      const snapshot = parser.nextPart()!;
      const records = encoder.bytes(key);
      port.postMessage({ type: 'part', firstBatch, records, snapshot } satisfies FromWorker, [snapshot.index.buffer as ArrayBuffer, snapshot.titles.buffer as ArrayBuffer, records.buffer as ArrayBuffer]);
      encoder = new RecordsEncoder();
      firstBatch = -1;
    };
    let lastBatch = -1;
    port.on('message', (m: ToWorker) => {
      if (m.type === 'batch') {
        // A part is a contiguous run of batches: a batch that does not follow the last one starts a new part.
        if (firstBatch >= 0 && m.id !== lastBatch + 1) flush();
        if (firstBatch < 0) firstBatch = m.id;
        lastBatch = m.id;
        const entries = parser.parse(m.files, m.now);
        for (const e of entries) encoder.push(e);
        port.postMessage({ type: 'counted', id: m.id, count: entries.length } satisfies FromWorker);
        if (encoder.length >= (settings.partFiles ?? Infinity)) flush();
      } else {
        flush();
        port.postMessage({ type: 'index', snapshot: null } satisfies FromWorker);
      }
    });
  }
}

// A buffer transferred away is detached, and the first detach in a thread makes V8 throw away all the
// code it optimized on the assumption that none ever is: nearly all of the parse, which a worker's first
// part (sent as transferred buffers) then had to compile again, while both workers were busy. One buffer
// detached now, before anything is optimized, means that code is compiled once, as it will stay.
const spare = new ArrayBuffer(8);
structuredClone(spare, { transfer: [spare] });

// Started ahead of its load (see `parse-workers-ahead.ts`), a worker is told its settings by message.
if (workerData) serve(workerData as WorkerSettings);
else port.once('message', (m: ToWorker) => serve((m as Extract<ToWorker, { type: 'settings' }>).settings));
