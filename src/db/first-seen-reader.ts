import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './database.ts';
import { firstSeenRun, type FirstSeenRows } from './digest-store.ts';

/**
 * One run of recorded arrivals after rowid `?`, at most `?` rows: their count, the last rowid, the ids
 * joined by newlines and the instants by commas (see `firstSeenRun`). An id with a newline is left out.
 */
export const ARRIVAL_RUN_SQL = `SELECT count(*) AS n, max(r) AS last, group_concat(article_id, char(10)) AS ids, group_concat(first_seen, ',') AS times
     FROM (SELECT rowid AS r, article_id, first_seen FROM article_arrivals WHERE rowid > ? AND instr(article_id, char(10)) = 0 ORDER BY rowid LIMIT ?)`;

// Plain JavaScript for `eval`, as the WAL checkpointer's worker: no loader needed in the thread. The
// runs are made there whole (`firstSeenRun`, a function of no other), and their typed arrays transferred.
const WORKER_SOURCE = (parse: string) => `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const firstSeenRun = (${parse});
let db;
try {
  db = new Database(workerData.path, { readonly: true, fileMustExist: true });
  const run = db.prepare(workerData.sql);
  const runs = db.transaction(() => {
    const out = [];
    for (let after = 0; ; ) {
      const r = run.get(after, workerData.runRows);
      if (r.n === 0) return out;
      out.push(firstSeenRun(r.n, r.ids, r.times));
      after = r.last;
    }
  })();
  parentPort.postMessage({ runs }, runs.map((r) => r.firstSeen.buffer));
} catch (err) {
  parentPort.postMessage({ error: String((err && err.message) || err) });
} finally {
  if (db) db.close();
}
`;

/**
 * Every recorded arrival, in runs (see `DigestStore.firstSeenAll`), read by a connection of its own in
 * a worker thread. better-sqlite3 reads synchronously: on the main thread, a restart at a million
 * articles spent about 0.45 s reading them while it listed the content folder, which is as long again
 * before the bot answers. One read transaction, so every run reads the same table. Rejects when the
 * worker cannot read (the caller reads in-process instead).
 */
export function readFirstSeenInWorker(db: Db, runRows: number): Promise<FirstSeenRows[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE(firstSeenRun.toString()), {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path: db.name, sql: ARRIVAL_RUN_SQL, runRows },
    });
    worker.once('message', (m: { runs?: FirstSeenRows[]; error?: string }) => (m.runs ? resolve(m.runs) : reject(new Error(m.error))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the arrivals reader stopped (exit code ${code}) before answering`)));
  });
}
