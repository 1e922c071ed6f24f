import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
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
