/**
 * Checkpoints the SQLite write-ahead log from a worker thread. By default the connection that commits
 * past 1,000 WAL pages runs the checkpoint itself, synchronously: copying pages into the database file
 * and syncing both files took 50–185 ms on this disk, on the main thread, every few seconds of a burst
 * of deliveries. Here the main connection never checkpoints; a second connection in a worker does,
 * every `intervalMs`, in PASSIVE mode (it never waits for, nor blocks, the main connection's writes).
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './database.ts';

/** SQLite's own default, restored whenever the worker is not running, so the WAL never grows unbounded. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 200');
const timer = setInterval(() => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    // Under writes without a pause the WAL cannot start over and its file only grows; past the cap,
    // wait for a gap (a writer meanwhile sees SQLITE_BUSY and retries asynchronously) and truncate it.
    if (r && r.log > workerData.maxWalPages) db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** A running checkpointer. */
export interface WalCheckpointer {
  /** Stops the worker and gives checkpoints back to the main connection. */
  stop(): Promise<void>;
}

/**
 * Moves checkpoints of `db` (a file in WAL mode) to a worker thread. An in-memory database has no
 * WAL: nothing is started. If the worker fails, the main connection checkpoints again by itself.
 */
export function startWalCheckpointer(db: Db, options: { intervalMs?: number; maxWalPages?: number; onError?: (message: string) => void } = {}): WalCheckpointer {
  if (db.memory || String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return { stop: async () => undefined };
  const restore = () => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  };
  let stopping = false;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path: db.name, intervalMs: options.intervalMs ?? 500, maxWalPages: options.maxWalPages ?? 16_384 },
  });
  // Never what keeps the process alive.
  worker.unref();
  db.pragma('wal_autocheckpoint = 0');
  worker.on('message', (m: { error?: string }) => m.error && options.onError?.(m.error));
  worker.on('error', (err) => {
    restore();
    options.onError?.(err.message);
  });
  worker.on('exit', () => {
    if (!stopping) restore();
  });
  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      const exited = once(worker, 'exit');
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited.catch(() => undefined);
      clearTimeout(timer);
      restore();
    },
  };
}
