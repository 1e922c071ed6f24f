import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DatabaseOpenError, MIGRATIONS, migrate, openDatabase } from '../../src/db/database.ts';
import { createSqliteDigestStore } from '../../src/db/sqlite-digest-store.ts';
import { planSlot } from '../../src/scheduler/engine.ts';
import { tempDir } from '../support/temp-dir.ts';

describe('database', () => {
  it('GIVEN a file that is not a SQLite database THEN opening it fails with a message naming the file and what to do', async () => {
    const dir = await tempDir();
    try {
      const path = await dir.write('bot.sqlite', 'not a database\n'.repeat(200));
      expect(() => openDatabase(path)).toThrow(DatabaseOpenError);
      expect(() => openDatabase(path)).toThrow(`The database file ${path} is not a SQLite database or is damaged (file is not a database). Restore it from a backup, or move it aside to start with an empty one.`);
    } finally {
      await dir.cleanup();
    }
  });

  it('GIVEN a new file in a missing folder THEN it is created and migrated; migrating again changes nothing', async () => {
    const dir = await tempDir();
    try {
      const db = openDatabase(`${dir.root}/nested/data/bot.sqlite`);
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(migrate(db)).toBe(MIGRATIONS.length);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
      expect(tables).toEqual([{ name: 'article_arrivals' }, { name: 'deliveries' }, { name: 'follows' }, { name: 'meta' }, { name: 'subscriptions' }]);
      db.close();
    } finally {
      await dir.cleanup();
    }
  });

  it('GIVEN a database of the first schema THEN its history is kept: delivered stays delivered, a blocked server is paused, unfinished rows are abandoned', async () => {
    const dir = await tempDir();
    try {
      const path = `${dir.root}/old.sqlite`;
      const old = new Database(path);
      old.exec(MIGRATIONS[0]!);
      old.pragma('user_version = 1');
      const t = '2026-11-20T08:00:00.000Z';
      old.prepare("INSERT INTO subscriptions (guild_id, channel_id, time, timezone, blocked_reason, last_error_at, created_at, updated_at) VALUES ('g', 'c', '08:00', 'Europe/Paris', 'refused', ?, ?, ?)").run(t, t, t);
      const insert = old.prepare("INSERT INTO deliveries (guild_id, channel_id, period_from, period_to, reason, status, article_count, payloads, message_ids, created_at, updated_at) VALUES ('g', 'c', ?, ?, 'scheduled', ?, 1, '[]', '[]', ?, ?)");
      insert.run('2026-11-19T08:00:00.000Z', t, 'delivered', t, t);
      insert.run(t, '2026-11-21T08:00:00.000Z', 'pending', t, t);
      old.close();

      const store = createSqliteDigestStore(openDatabase(path));
      expect(await store.getSubscription('g')).toMatchObject({ pausedReason: 'refused', timezone: 'Europe/Paris' });
      expect((await store.listDeliveries('g')).map((d) => [d.slot, d.status, d.timezone])).toEqual([
        ['legacy:1', 'delivered', 'Europe/Paris'],
        ['legacy:2', 'abandoned', 'Europe/Paris'],
      ]);
      await store.close();
    } finally {
      await dir.cleanup();
    }
  });

  it('GIVEN a database with one subscription per server (schema 3) THEN each becomes its channel\'s daily digest with its due slot and pause kept, and a second channel can be added', async () => {
    const dir = await tempDir();
    try {
      const path = `${dir.root}/v3.sqlite`;
      const old = new Database(path);
      for (const step of MIGRATIONS.slice(0, 3)) old.exec(step);
      old.pragma('user_version = 3');
      const t = '2026-11-20T08:00:00.000Z';
      const insert = old.prepare(
        'INSERT INTO subscriptions (guild_id, channel_id, time, timezone, topics, enabled, next_due_at, paused_reason, paused_at, pause_notified, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)',
      );
      insert.run('g', 'c', '08:00', 'Europe/Berlin', '["Bitcoin"]', Date.parse('2026-11-22T07:00:00Z'), null, null, 0, t, t);
      insert.run('p', 'cp', '09:30', 'UTC', null, Date.parse('2026-11-22T09:30:00Z'), 'refused', t, 1, t, t);
      old.prepare("INSERT INTO deliveries (guild_id, channel_id, slot, reason, status, period_from, period_to, timezone, created_at, updated_at) VALUES ('g', 'c', ?, 'scheduled', 'delivered', ?, ?, 'Europe/Berlin', ?, ?)").run(t, '2026-11-19T08:00:00.000Z', t, t, t);
      old.close();

      const store = createSqliteDigestStore(openDatabase(path));
      expect(await store.getSubscription('g')).toMatchObject({
        channelId: 'c',
        time: '08:00',
        timezone: 'Europe/Berlin',
        topics: ['Bitcoin'],
        frequency: 'daily',
        weekday: null,
        topStories: 5,
        enabled: true,
        nextDueAt: new Date('2026-11-22T07:00:00Z'),
      });
      expect(await store.getSubscription('p')).toMatchObject({ channelId: 'cp', pausedReason: 'refused', pauseNotified: true, nextDueAt: new Date('2026-11-22T09:30:00Z') });
      expect((await store.listDeliveries('g')).map((d) => [d.status, d.frequency, d.topStories])).toEqual([['delivered', 'daily', 5]]);
      await store.upsertSubscription({ guildId: 'g', channelId: 'weekly', time: '08:00', timezone: 'UTC', topics: null, frequency: 'weekly', weekday: 1, nextDueAt: new Date('2026-11-23T08:00:00Z') }, new Date());
      expect((await store.listSubscriptions('g')).map((s) => [s.channelId, s.frequency])).toEqual([
        ['c', 'daily'],
        ['weekly', 'weekly'],
      ]);
      // The next period of the migrated channel still starts where its last digest ended.
      const [d] = await store.claimDue({ now: new Date('2026-11-22T07:00:01Z'), owner: 'x', leaseMs: 60_000, limit: 10, plan: planSlot, firstPeriodMs: 86_400_000, maxPeriodMs: 7 * 86_400_000 });
      expect(d).toMatchObject({ guildId: 'g', channelId: 'c', periodFrom: new Date(t), topics: ['Bitcoin'] });
      await store.close();
    } finally {
      await dir.cleanup();
    }
  });
});
