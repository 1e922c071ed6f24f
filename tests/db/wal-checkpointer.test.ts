import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { startWalCheckpointer } from '../../src/db/wal-checkpointer.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait-for.ts';

describe('WAL checkpoints in a worker thread', () => {
  it('GIVEN 16 MB written in small commits THEN the main connection never checkpoints, the worker does, and truncates the WAL once past its cap; after stop the main connection checkpoints again', async () => {
    const dir = await tempDir();
    const path = `${dir.root}/bot.sqlite`;
    const db = openDatabase(path);
    db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const checkpointer = startWalCheckpointer(db, { intervalMs: 20, maxWalPages: 500 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const insert = db.prepare('INSERT INTO blobs (body) VALUES (?)');
    const body = 'x'.repeat(4000);
    // While the worker restarts the WAL a write is refused as busy; the store retries those asynchronously, as here.
    let busy = 0;
    const write = async () => {
      for (;;) {
        try {
          return insert.run(body);
        } catch (err) {
          if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
          busy++;
          await new Promise((r) => setImmediate(r));
        }
      }
    };
    let largestWal = 0;
    for (let batch = 0; batch < 40; batch++) {
      for (let i = 0; i < 100; i++) await write();
      largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
      // The worker runs beside the writes, on its own thread: yielding is only for the test's other timers.
      await new Promise((r) => setImmediate(r));
    }
    // How large the WAL grows depends on how the two threads interleave, and its size at the end on
    // where the last truncation fell, so neither is asked for here.
    expect(largestWal).toBeGreaterThan(0);
    // The rows reach the database file itself only through a checkpoint, and the main connection makes none.
    await waitFor(() => statSync(path).size >= 4000 * 4000, { timeout: 20_000, what: 'the rows checkpointed into the database file by the worker' });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(busy).toBeLessThan(4000);
    await checkpointer.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect((db.prepare('SELECT COUNT(*) AS n FROM blobs').get() as { n: number }).n).toBe(4000);
    db.close();
    await dir.cleanup();
  });

  it('GIVEN an in-memory database THEN nothing is started', async () => {
    const db = openDatabase(':memory:');
    const checkpointer = startWalCheckpointer(db);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await checkpointer.stop();
    db.close();
  });
});
