import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** An open SQLite database. */
export type Db = Database.Database;

/**
 * Schema changes, in order. Each runs once, tracked by `PRAGMA user_version`, inside a transaction,
 * so a crash mid-migration leaves the previous version intact. Append; never edit a shipped step.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE subscriptions (
     guild_id       TEXT PRIMARY KEY,
     channel_id     TEXT NOT NULL,
     time           TEXT NOT NULL,
     timezone       TEXT NOT NULL,
     topics         TEXT,
     enabled        INTEGER NOT NULL DEFAULT 1,
     last_error     TEXT,
     last_error_at  TEXT,
     blocked_reason TEXT,
     created_at     TEXT NOT NULL,
     updated_at     TEXT NOT NULL
   );
   CREATE TABLE deliveries (
     id            INTEGER PRIMARY KEY AUTOINCREMENT,
     guild_id      TEXT NOT NULL,
     channel_id    TEXT NOT NULL,
     period_from   TEXT NOT NULL,
     period_to     TEXT NOT NULL,
     reason        TEXT NOT NULL CHECK (reason IN ('scheduled', 'catch-up', 'manual')),
     status        TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'blocked')),
     article_count INTEGER NOT NULL,
     payloads      TEXT NOT NULL,
     message_ids   TEXT NOT NULL,
     error         TEXT,
     attempts      INTEGER NOT NULL DEFAULT 0,
     created_at    TEXT NOT NULL,
     updated_at    TEXT NOT NULL
   );
   CREATE INDEX deliveries_by_guild ON deliveries (guild_id, channel_id, status, period_to);`,
  // Issue 9: due slots kept as state (next_due_at, ms), pauses, and one claimable row per (guild, channel, slot).
  // Old unfinished rows used counter nonces and carry no marker, so they cannot be resumed safely: they are
  // kept as 'abandoned' and the next digest covers their period again (from the last delivered one).
  `ALTER TABLE subscriptions ADD COLUMN next_due_at INTEGER;
   ALTER TABLE subscriptions ADD COLUMN paused_reason TEXT;
   ALTER TABLE subscriptions ADD COLUMN paused_at TEXT;
   ALTER TABLE subscriptions ADD COLUMN pause_notified INTEGER NOT NULL DEFAULT 0;
   UPDATE subscriptions SET paused_reason = blocked_reason, paused_at = last_error_at WHERE blocked_reason IS NOT NULL;
   CREATE INDEX subscriptions_due ON subscriptions (next_due_at) WHERE enabled = 1 AND paused_reason IS NULL;
   CREATE TABLE slot_deliveries (
     id               INTEGER PRIMARY KEY AUTOINCREMENT,
     guild_id         TEXT NOT NULL,
     channel_id       TEXT NOT NULL,
     slot             TEXT NOT NULL,
     reason           TEXT NOT NULL,
     status           TEXT NOT NULL,
     lease_owner      TEXT,
     lease_expires_at INTEGER,
     period_from      TEXT NOT NULL,
     period_to        TEXT NOT NULL,
     timezone         TEXT NOT NULL,
     topics           TEXT,
     article_count    INTEGER NOT NULL DEFAULT 0,
     payloads         TEXT,
     message_ids      TEXT NOT NULL DEFAULT '[]',
     first_attempt_at TEXT NOT NULL DEFAULT '[]',
     attempts         INTEGER NOT NULL DEFAULT 0,
     error            TEXT,
     created_at       TEXT NOT NULL,
     updated_at       TEXT NOT NULL,
     UNIQUE (guild_id, channel_id, slot)
   );
   INSERT INTO slot_deliveries (guild_id, channel_id, slot, reason, status, period_from, period_to, timezone, article_count, payloads, message_ids,
                                first_attempt_at, attempts, error, created_at, updated_at)
     SELECT d.guild_id, d.channel_id, 'legacy:' || d.id, d.reason,
            CASE d.status WHEN 'delivered' THEN 'delivered' WHEN 'blocked' THEN 'paused' ELSE 'abandoned' END,
            d.period_from, d.period_to, COALESCE(s.timezone, 'UTC'), d.article_count, d.payloads, d.message_ids, '[]', d.attempts, d.error,
            d.created_at, d.updated_at
       FROM deliveries d LEFT JOIN subscriptions s ON s.guild_id = d.guild_id ORDER BY d.id;
   DROP TABLE deliveries;
   ALTER TABLE slot_deliveries RENAME TO deliveries;
   CREATE INDEX deliveries_last ON deliveries (guild_id, channel_id, period_to);
   CREATE INDEX deliveries_leases ON deliveries (lease_expires_at) WHERE status = 'claimed';
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

/** How long one SQLite call may wait for another process's lock before the store retries asynchronously. */
export const BUSY_TIMEOUT_MS = 20;

/** Brings the database to the latest schema; returns the version it ended at. */
export function migrate(db: Db): number {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  for (let v = version(); v < MIGRATIONS.length; v++) {
    // IMMEDIATE takes the write lock first; re-reading the version inside it lets two processes that
    // start together on one file each run a step at most once between them.
    db.transaction(() => {
      if (version() !== v) return;
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return MIGRATIONS.length;
}

/** Opens (creating the folder and file if needed) and migrates the database. `:memory:` works for tests. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // At start-up a longer wait is harmless (nothing else runs yet) and lets two processes migrate one file.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // Deliveries are recorded message by message; full sync makes each record survive a power cut.
  db.pragma('synchronous = FULL');
  migrate(db);
  // better-sqlite3 waits synchronously on a lock, blocking the event loop: wait briefly, then the store
  // retries asynchronously with backoff (see sqlite-digest-store.ts).
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return db;
}
