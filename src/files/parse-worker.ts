import { parentPort, workerData } from 'node:worker_threads';
import { RecordsEncoder } from './archive-cache.ts';
import { createBatchParser, type BatchSettings } from './parse-batch.ts';

/**
 * A parse worker: reads and parses the batches the loader sends, and at the end hands over the index
 * of everything it parsed as bytes (transferred, not copied). See `parse-pool.ts`.
 */

/** A message to a worker. */
export type ToWorker = { type: 'batch'; id: number; files: Array<[string, string]>; now: number } | { type: 'finish' };

/** What a worker is started with: the batch settings, and for a worker that returns records, the cache key to write them under. */
export type WorkerSettings = BatchSettings & { recordsKey?: string };

const port = parentPort!;
const settings = workerData as WorkerSettings;
const parser = createBatchParser(settings);
// Records mode: outcomes stay here, encoded as they come, and leave once, as bytes, with the index.
const encoder = settings.recordsKey === undefined ? null : new RecordsEncoder();
port.on('message', (m: ToWorker) => {
  if (m.type === 'batch') {
    const entries = parser.parse(m.files, m.now);
    if (!encoder) return port.postMessage({ type: 'batch', id: m.id, entries });
    for (const e of entries) encoder.push(e);
    port.postMessage({ type: 'batch', id: m.id, count: entries.length });
  } else {
    const snapshot = parser.snapshot();
    const records = encoder?.bytes(settings.recordsKey!);
    const transfer = [...(snapshot ? [snapshot.index.buffer as ArrayBuffer, snapshot.titles.buffer as ArrayBuffer] : []), ...(records ? [records.buffer as ArrayBuffer] : [])];
    port.postMessage({ type: 'index', snapshot, records }, transfer);
  }
});
