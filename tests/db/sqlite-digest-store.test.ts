import { afterAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { openDatabase } from '../../src/db/database.ts';
import { readFirstSeenInWorker } from '../../src/db/first-seen-reader.ts';
import { createSqliteDigestStore } from '../../src/db/sqlite-digest-store.ts';
import { tempDir } from '../support/temp-dir.ts';
import { claimAt, describeDigestStore } from './digest-store-suite.ts';

describeDigestStore('SQLite (in memory)', async () => createSqliteDigestStore(openDatabase(':memory:')));

const dirs: Array<Awaited<ReturnType<typeof tempDir>>> = [];
afterAll(async () => {
  for (const d of dirs) await d.cleanup();
});

describe('SQLite digest store on one file shared by two processes', () => {
  it('GIVEN two connections claiming the same due slots THEN each slot goes to exactly one of them', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const path = `${dir.root}/shared.sqlite`;
    const a = createSqliteDigestStore(openDatabase(path));
    const b = createSqliteDigestStore(openDatabase(path));
    const guilds = Array.from({ length: 300 }, (_, i) => `g${String(i).padStart(3, '0')}`);
    for (const g of guilds) {
      await a.upsertSubscription({ guildId: g, channelId: `c${g}`, time: '08:00', timezone: 'UTC', topics: null, nextDueAt: new Date('2026-11-22T08:00:00Z') }, new Date('2026-11-21T00:00:00Z'));
    }
    const claimed: string[] = [];
    const loop = async (store: typeof a, owner: string) => {
      for (;;) {
        const batch = await store.claimDue(claimAt('2026-11-22T08:00:01Z', owner, { limit: 20 }));
        if (batch.length === 0) return;
        claimed.push(...batch.map((d) => d.guildId));
      }
    };
    await Promise.all([loop(a, 'a'), loop(b, 'b')]);
    expect(claimed.sort()).toEqual(guilds);
    await a.close();
    await b.close();
  });
});

describe('SQLite digest store: stored arrivals read on a worker thread', () => {
  /** Every id of `firstSeenAll` runs with its instant (ms), in run order. */
  const flatten = (runs: Awaited<ReturnType<ReturnType<typeof createSqliteDigestStore>['firstSeenAll']>>) =>
    runs.flatMap((r) => r.ids.split('\n').map((id, k) => [id, r.firstSeen[k]!] as const));

  it('GIVEN arrivals recorded in a database file THEN a worker reads every one, in runs, as this connection reads them; a file that is gone is read here instead', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const path = `${dir.root}/arrivals.sqlite`;
    const db = openDatabase(path);
    const store = createSqliteDigestStore(db);
    const items = Array.from({ length: 250 }, (_, i) => ({ id: `batch-${i % 3}/story-${i}`, firstSeen: new Date(Date.UTC(2026, 10, 1) + i * 60_000) }));
    await store.recordFirstSeen(items);
    const expected = items.map((it) => [it.id, it.firstSeen.getTime()] as const);
    // Runs of 100: three, the last one short.
    const inWorker = await readFirstSeenInWorker(db, 100);
    expect(inWorker.map((r) => r.count)).toEqual([100, 100, 50]);
    expect(flatten(inWorker)).toEqual(expected);
    expect(flatten(await store.firstSeenAll(100))).toEqual(expected);
    // The worker opens the file itself: with the file gone it cannot, and the store's own connection answers.
    await rm(path);
    await expect(readFirstSeenInWorker(db, 100)).rejects.toThrow(/unable to open|no such file|SQLITE_CANTOPEN/i);
    expect(flatten(await store.firstSeenAll(100))).toEqual(expected);
    await store.close();
  });
});
