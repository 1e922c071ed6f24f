import type { ClientBase } from 'pg';

/**
 * The Postgres schema, in steps. Each runs once, tracked by a row in `schema_migrations`, inside a
 * transaction, so a failure mid-step leaves the previous version intact. Append; never edit a shipped step.
 * The tables mirror SQLite's (database.ts) with Postgres types: instants are `timestamptz`, the
 * per-part arrays `jsonb` (updated in place with `jsonb_set`), and the rendered messages the exact JSON text.
 */
export const PG_MIGRATIONS: readonly string[] = [
  `CREATE TABLE subscriptions (
     guild_id       TEXT PRIMARY KEY,
     channel_id     TEXT NOT NULL,
     time           TEXT NOT NULL,
     timezone       TEXT NOT NULL,
     topics         TEXT,
     enabled        BOOLEAN NOT NULL DEFAULT TRUE,
     next_due_at    TIMESTAMPTZ,
     paused_reason  TEXT,
     paused_at      TIMESTAMPTZ,
     pause_notified BOOLEAN NOT NULL DEFAULT FALSE,
     created_at     TIMESTAMPTZ NOT NULL,
     updated_at     TIMESTAMPTZ NOT NULL
   );
   CREATE INDEX subscriptions_due ON subscriptions (next_due_at, guild_id) WHERE enabled AND paused_reason IS NULL;
   CREATE TABLE deliveries (
     id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     guild_id         TEXT NOT NULL,
     channel_id       TEXT NOT NULL,
     slot             TEXT NOT NULL,
     reason           TEXT NOT NULL CHECK (reason IN ('scheduled', 'catch-up', 'manual')),
     status           TEXT NOT NULL CHECK (status IN ('claimed', 'delivered', 'rejected', 'paused', 'failed', 'skipped', 'abandoned')),
     lease_owner      TEXT,
     lease_expires_at TIMESTAMPTZ,
     period_from      TIMESTAMPTZ NOT NULL,
     period_to        TIMESTAMPTZ NOT NULL,
     timezone         TEXT NOT NULL,
     topics           TEXT,
     article_count    INTEGER NOT NULL DEFAULT 0,
     payloads         TEXT,
     message_ids      JSONB NOT NULL DEFAULT '[]',
     first_attempt_at JSONB NOT NULL DEFAULT '[]',
     attempts         INTEGER NOT NULL DEFAULT 0,
     error            TEXT,
     created_at       TIMESTAMPTZ NOT NULL,
     updated_at       TIMESTAMPTZ NOT NULL,
     -- One claimable row per (server, channel, slot): the constraint, not a process, decides who sends.
     UNIQUE (guild_id, channel_id, slot)
   );
   CREATE INDEX deliveries_last ON deliveries (guild_id, channel_id, period_to);
   CREATE INDEX deliveries_leases ON deliveries (lease_expires_at, id) WHERE status = 'claimed';
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE article_arrivals (article_id TEXT PRIMARY KEY, first_seen TIMESTAMPTZ NOT NULL);`,
  // Issue 13: several subscriptions per server, one per channel, daily or weekly, with a top-stories
  // count; and follows. Existing subscriptions keep their rows (channel, schedule, pause, due slot) and
  // become daily digests with 5 top stories. A follow's batches are deliveries with reason 'follow'.
  `ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_pkey;
   ALTER TABLE subscriptions ADD PRIMARY KEY (guild_id, channel_id);
   ALTER TABLE subscriptions
     ADD COLUMN frequency TEXT NOT NULL DEFAULT 'daily' CHECK (frequency IN ('daily', 'weekly')),
     ADD COLUMN weekday SMALLINT CHECK (weekday BETWEEN 1 AND 7),
     ADD COLUMN top_stories SMALLINT NOT NULL DEFAULT 5 CHECK (top_stories BETWEEN 0 AND 10);
   DROP INDEX subscriptions_due;
   CREATE INDEX subscriptions_due ON subscriptions (next_due_at, guild_id, channel_id) WHERE enabled AND paused_reason IS NULL;
   ALTER TABLE deliveries
     ADD COLUMN frequency TEXT NOT NULL DEFAULT 'daily',
     ADD COLUMN top_stories SMALLINT NOT NULL DEFAULT 5,
     DROP CONSTRAINT deliveries_reason_check,
     ADD CONSTRAINT deliveries_reason_check CHECK (reason IN ('scheduled', 'catch-up', 'manual', 'follow'));
   CREATE TABLE follows (
     id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     guild_id      TEXT NOT NULL,
     channel_id    TEXT NOT NULL,
     query         TEXT NOT NULL,
     created_by    TEXT,
     covered_to    TIMESTAMPTZ NOT NULL,
     last_batch_at TIMESTAMPTZ,
     created_at    TIMESTAMPTZ NOT NULL,
     UNIQUE (guild_id, channel_id, query)
   );
   CREATE INDEX follows_by_guild ON follows (guild_id, id);`,
];

/**
 * Any constant shared by every process of the bot: the key of the advisory lock that makes
 * migrations run one process at a time ("news" in ASCII).
 */
const MIGRATION_LOCK_KEY = 0x6e657773;

/** What a migration run did. */
export interface MigrationResult {
  /** The schema version the database is at now. */
  version: number;
  /** Steps this call applied (0 when the database was up to date, or another process migrated it). */
  applied: number;
}

/**
 * Brings the database to the latest schema. Every step takes a transaction-scoped advisory lock
 * first and reads the version inside it, so processes that start together apply each step once
 * between them, and the others wait for it rather than fail on a half-created table.
 */
export async function migratePostgres(client: ClientBase): Promise<MigrationResult> {
  let applied = 0;
  for (;;) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
      const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
      const version = rows[0]?.version ?? 0;
      if (version >= PG_MIGRATIONS.length) {
        await client.query('COMMIT');
        return { version, applied };
      }
      await client.query(PG_MIGRATIONS[version]!);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version + 1]);
      await client.query('COMMIT');
      applied++;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}
