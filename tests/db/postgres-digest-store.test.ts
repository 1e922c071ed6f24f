import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseOpenError } from '../../src/db/database.ts';
import { DatabaseError, type DigestStore } from '../../src/db/digest-store.ts';
import { openDigestStore } from '../../src/db/open-store.ts';
import { isTransientPostgresError, openPostgresDigestStore, redactDatabaseUrl } from '../../src/db/postgres-digest-store.ts';
import { migratePostgres, PG_MIGRATIONS } from '../../src/db/postgres-schema.ts';
import { usePostgres } from '../support/postgres.ts';
import { claimAt, describeDigestStore } from './digest-store-suite.ts';

const postgres = usePostgres();
const opened: DigestStore[] = [];
afterEach(async () => {
  // A test that failed half-way still closes its pools (close is idempotent).
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
const open = async (url: string) => {
  const store = await openPostgresDigestStore(url);
  opened.push(store);
  return store;
};

describeDigestStore('Postgres', async () => open(await postgres().freshDatabase()));

/** Runs `fn` with a plain connection to `url`. */
async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('Postgres migrations', () => {
  it('GIVEN a migrated database WHEN migrations run again THEN nothing is applied and the stored data is untouched', async () => {
    const url = await postgres().freshDatabase();
    const first = await withClient(url, migratePostgres);
    expect(first).toEqual({ version: PG_MIGRATIONS.length, applied: PG_MIGRATIONS.length });
    const store = await open(url);
    await store.setMeta('k', 'kept');
    await store.upsertSubscription({ guildId: 'g', channelId: 'c', time: '08:00', timezone: 'UTC', topics: null, nextDueAt: new Date('2026-11-22T08:00:00Z') }, new Date('2026-11-21T00:00:00Z'));

    const again = await withClient(url, migratePostgres);
    expect(again).toEqual({ version: PG_MIGRATIONS.length, applied: 0 });
    // Opening a store migrates too: a restart is also a no-op.
    const reopened = await open(url);
    expect(await reopened.getMeta('k')).toBe('kept');
    expect(await reopened.getSubscription('g')).toMatchObject({ channelId: 'c', enabled: true });
    const versions = await withClient(url, async (c) => (await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version));
    expect(versions).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
  });

  it('GIVEN two processes starting at once on an empty database THEN each step is applied once between them', async () => {
    const url = await postgres().freshDatabase();
    const results = await Promise.all([withClient(url, migratePostgres), withClient(url, migratePostgres), withClient(url, migratePostgres)]);
    expect(results.map((r) => r.version)).toEqual([PG_MIGRATIONS.length, PG_MIGRATIONS.length, PG_MIGRATIONS.length]);
    expect(results.reduce((n, r) => n + r.applied, 0)).toBe(PG_MIGRATIONS.length);
  });
});

describe('Postgres migration to several subscriptions per server', () => {
  it('GIVEN a database with one subscription per server (schema 1) THEN each becomes its channel\'s daily digest with its due slot and pause kept, and a second channel can be added', async () => {
    const url = await postgres().freshDatabase();
    await withClient(url, async (c) => {
      await c.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
      await c.query(PG_MIGRATIONS[0]!);
      await c.query('INSERT INTO schema_migrations (version) VALUES (1)');
      await c.query(
        `INSERT INTO subscriptions (guild_id, channel_id, time, timezone, topics, next_due_at, paused_reason, created_at, updated_at)
         VALUES ('g', 'c', '08:00', 'Europe/Berlin', '["Bitcoin"]', '2026-11-22T07:00:00Z', NULL, now(), now()),
                ('p', 'cp', '09:30', 'UTC', NULL, '2026-11-22T09:30:00Z', 'refused', now(), now())`,
      );
      await c.query(
        `INSERT INTO deliveries (guild_id, channel_id, slot, reason, status, period_from, period_to, timezone, created_at, updated_at)
         VALUES ('g', 'c', '2026-11-20T08:00:00.000Z', 'scheduled', 'delivered', '2026-11-19T08:00:00Z', '2026-11-20T08:00:00Z', 'Europe/Berlin', now(), now())`,
      );
    });
    const store = await open(url);
    expect(await store.getSubscription('g')).toMatchObject({ channelId: 'c', topics: ['Bitcoin'], frequency: 'daily', weekday: null, topStories: 5, nextDueAt: new Date('2026-11-22T07:00:00Z') });
    expect(await store.getSubscription('p')).toMatchObject({ channelId: 'cp', pausedReason: 'refused' });
    await store.upsertSubscription({ guildId: 'g', channelId: 'weekly', time: '08:00', timezone: 'UTC', topics: null, frequency: 'weekly', weekday: 1, nextDueAt: new Date('2026-11-23T08:00:00Z') }, new Date());
    expect((await store.listSubscriptions('g')).map((x) => [x.channelId, x.frequency, x.weekday])).toEqual([
      ['c', 'daily', null],
      ['weekly', 'weekly', 1],
    ]);
    const [d] = await store.claimDue(claimAt('2026-11-22T07:00:01Z', 'x'));
    expect(d).toMatchObject({ guildId: 'g', channelId: 'c', periodFrom: new Date('2026-11-20T08:00:00Z'), frequency: 'daily', topStories: 5 });
  });
});

describe('Postgres digest store shared by several processes', () => {
  it('GIVEN two stores on two pools claiming the same due subscriptions in small batches THEN each slot goes to exactly one of them', async () => {
    const url = await postgres().freshDatabase();
    const a = await open(url);
    const b = await open(url);
    const guilds = Array.from({ length: 300 }, (_, i) => `g${String(i).padStart(3, '0')}`);
    for (const g of guilds) {
      await a.upsertSubscription({ guildId: g, channelId: `c${g}`, time: '08:00', timezone: 'UTC', topics: null, nextDueAt: new Date('2026-11-22T08:00:00Z') }, new Date('2026-11-21T00:00:00Z'));
    }
    const claimed: Record<string, string[]> = { a: [], b: [] };
    const loop = async (store: DigestStore, owner: 'a' | 'b') => {
      // SKIP LOCKED can return a short batch while the other claim holds rows: stop only on an empty one.
      for (;;) {
        const batch = await store.claimDue(claimAt('2026-11-22T08:00:01Z', owner, { limit: 20 }));
        if (batch.length === 0) return;
        claimed[owner]!.push(...batch.map((d) => d.guildId));
      }
    };
    await Promise.all([loop(a, 'a'), loop(b, 'b'), loop(a, 'a'), loop(b, 'b')]);
    expect([...claimed.a!, ...claimed.b!].sort()).toEqual(guilds);
    // Both took a share: a work queue, not one process doing everything while the other waits.
    expect(claimed.a!.length).toBeGreaterThan(0);
    expect(claimed.b!.length).toBeGreaterThan(0);
    const rows = await withClient(url, async (c) => (await c.query<{ n: string }>("SELECT count(*) AS n FROM deliveries WHERE status = 'claimed'")).rows[0]!.n);
    expect(Number(rows)).toBe(300);
  });

  it('GIVEN claims of one process left to expire WHEN two other processes claim at once THEN each expired claim is taken over by exactly one', async () => {
    const url = await postgres().freshDatabase();
    const [dead, a, b] = [await open(url), await open(url), await open(url)];
    const guilds = Array.from({ length: 60 }, (_, i) => `g${String(i).padStart(2, '0')}`);
    for (const g of guilds) {
      await dead.upsertSubscription({ guildId: g, channelId: `c${g}`, time: '08:00', timezone: 'UTC', topics: null, nextDueAt: new Date('2026-11-22T08:00:00Z') }, new Date('2026-11-21T00:00:00Z'));
    }
    expect(await dead.claimDue(claimAt('2026-11-22T08:00:00Z', 'dead', { limit: 100 }))).toHaveLength(60);
    const afterLease = '2026-11-22T08:01:01Z';
    const [x, y] = await Promise.all([a.claimDue(claimAt(afterLease, 'a', { limit: 40 })), b.claimDue(claimAt(afterLease, 'b', { limit: 40 }))]);
    const rest = await a.claimDue(claimAt(afterLease, 'a', { limit: 100 }));
    const ids = [...x, ...y, ...rest].map((d) => d.id);
    expect(new Set(ids).size).toBe(60);
    expect(ids).toHaveLength(60);
  });
});

describe('opening the Postgres store', () => {
  it('GIVEN DATABASE_URL THEN openDigestStore opens Postgres and names it without the password', async () => {
    const url = await postgres().freshDatabase();
    const { store, kind, location } = await openDigestStore({ DATABASE_URL: url, DATABASE_PATH: '/nonexistent/never-used.sqlite' });
    opened.push(store);
    expect(kind).toBe('postgres');
    expect(location).not.toContain('test-only');
    expect(location).toBe(url.replace(':test-only@', '@'));
    await store.setMeta('x', 'y');
    expect(await store.getMeta('x')).toBe('y');
  });

  it('GIVEN a Postgres nobody listens on THEN the start fails with a DatabaseOpenError naming the server, not its password', async () => {
    const server = postgres();
    const url = `postgres://postgres:secret-pw@127.0.0.1:1/none`;
    const err = await openPostgresDigestStore(url).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseOpenError);
    expect((err as Error).message).toMatch(/^Cannot reach the Postgres database at postgres:\/\/postgres@127\.0\.0\.1:1\/none \(.*\)\. Check DATABASE_URL/);
    expect((err as Error).message).not.toContain('secret-pw');
    expect(redactDatabaseUrl(server.url('x'))).toBe(`postgres://postgres@127.0.0.1:${server.port}/x`);
  });

  it('GIVEN a database error that is not a lost connection THEN it is reported as a DatabaseError at once, not retried', async () => {
    const url = await postgres().freshDatabase();
    const store = await open(url);
    await withClient(url, (c) => c.query('DROP TABLE meta'));
    const started = Date.now();
    await expect(store.getMeta('k')).rejects.toBeInstanceOf(DatabaseError);
    await expect(store.getMeta('k')).rejects.toThrow(/^database error while reading a setting: relation "meta" does not exist$/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(isTransientPostgresError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientPostgresError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isTransientPostgresError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientPostgresError(Object.assign(new Error('duplicate key value'), { code: '23505' }))).toBe(false);
  });
});
