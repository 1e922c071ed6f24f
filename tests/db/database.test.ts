import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, openDatabase } from '../../src/db/database.ts';
import { createDeliveryRepo } from '../../src/db/deliveries.ts';
import { createSubscriptionRepo } from '../../src/db/subscriptions.ts';
import { tempDir } from '../support/temp-dir.ts';

const now = new Date('2026-11-22T08:00:00Z');

describe('database', () => {
  it('GIVEN a new file in a missing folder THEN it is created and migrated; migrating again changes nothing', async () => {
    const dir = await tempDir();
    try {
      const db = openDatabase(`${dir.root}/nested/data/bot.sqlite`);
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(migrate(db)).toBe(MIGRATIONS.length);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
      expect(tables).toEqual([{ name: 'deliveries' }, { name: 'subscriptions' }]);
      db.close();
    } finally {
      await dir.cleanup();
    }
  });

  it('stores one subscription per server; set again clears the last error and the block', () => {
    const subs = createSubscriptionRepo(openDatabase(':memory:'));
    subs.upsert({ guildId: 'g', channelId: 'c1', time: '08:00', timezone: 'UTC', topics: ['AI'] }, now);
    subs.recordError('g', 'refused', now, true);
    expect(subs.get('g')).toMatchObject({ blockedReason: 'refused', lastError: 'refused', topics: ['AI'] });
    subs.upsert({ guildId: 'g', channelId: 'c2', time: '09:30', timezone: 'Europe/Paris', topics: null }, now);
    expect(subs.get('g')).toMatchObject({ channelId: 'c2', time: '09:30', timezone: 'Europe/Paris', topics: null, blockedReason: null, lastError: null, enabled: true });
    expect(subs.disable('g', now)).toBe(true);
    expect(subs.disable('g', now)).toBe(false);
    expect(subs.listEnabled()).toEqual([]);
  });

  it('records deliveries message by message and finds the last delivered and the unfinished one', () => {
    const db = openDatabase(':memory:');
    const deliveries = createDeliveryRepo(db);
    const d = deliveries.create({ guildId: 'g', channelId: 'c', periodFrom: new Date(0), periodTo: now, reason: 'scheduled', articleCount: 3, payloads: [{ content: 'a', allowed_mentions: { parse: [] } }, { content: 'b', allowed_mentions: { parse: [] } }] }, now);
    expect(deliveries.unfinished('g', 'c')?.id).toBe(d.id);
    deliveries.recordMessage(d.id, 1, '42', now);
    expect(deliveries.get(d.id)!.messageIds).toEqual([null, '42']);
    deliveries.finish(d.id, 'delivered', null, 2, now);
    expect(deliveries.unfinished('g', 'c')).toBeUndefined();
    expect(deliveries.lastDelivered('g', 'c')).toMatchObject({ id: d.id, periodTo: now, attempts: 2, status: 'delivered' });
  });
});
