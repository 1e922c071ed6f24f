import { parentPort, workerData } from 'node:worker_threads';
import { createBatchParser, type BatchSettings } from './parse-batch.ts';

/**
 * A parse worker: reads and parses the batches the loader sends, and at the end hands over the index
 * of everything it parsed as bytes (transferred, not copied). See `parse-pool.ts`.
 */

/** A message to a worker. */
export type ToWorker = { type: 'batch'; id: number; files: Array<[string, string]>; now: number } | { type: 'finish' };

const port = parentPort!;
const parser = createBatchParser(workerData as BatchSettings);
port.on('message', (m: ToWorker) => {
  if (m.type === 'batch') port.postMessage({ type: 'batch', id: m.id, entries: parser.parse(m.files, m.now) });
  else {
    const snapshot = parser.snapshot();
    port.postMessage({ type: 'index', snapshot }, snapshot ? [snapshot.index.buffer as ArrayBuffer, snapshot.titles.buffer as ArrayBuffer] : []);
  }
});
