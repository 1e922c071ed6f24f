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
  // Issue 10: when each article was first seen (ms), so one saved after the digest that covered its
  // publish time still reaches the next digest. Kept per id across restarts and shared by processes.
  `CREATE TABLE article_arrivals (
     article_id TEXT PRIMARY KEY,
     first_seen INTEGER NOT NULL
   );`,
  // Issue 13: several subscriptions per server, one per channel, daily or weekly, with a top-stories
  // count; and follows. Each existing subscription is copied with its channel, schedule, pause and due
  // slot, as a daily digest with 5 top stories. Deliveries carry the frequency and count they were
  // claimed with, so a takeover renders what the claim meant.
  `CREATE TABLE subscriptions_by_channel (
     guild_id       TEXT NOT NULL,
     channel_id     TEXT NOT NULL,
     time           TEXT NOT NULL,
     timezone       TEXT NOT NULL,
     topics         TEXT,
     frequency      TEXT NOT NULL DEFAULT 'daily',
     weekday        INTEGER,
     top_stories    INTEGER NOT NULL DEFAULT 5,
     enabled        INTEGER NOT NULL DEFAULT 1,
     next_due_at    INTEGER,
     paused_reason  TEXT,
     paused_at      TEXT,
     pause_notified INTEGER NOT NULL DEFAULT 0,
     created_at     TEXT NOT NULL,
     updated_at     TEXT NOT NULL,
     PRIMARY KEY (guild_id, channel_id)
   );
   INSERT INTO subscriptions_by_channel (guild_id, channel_id, time, timezone, topics, enabled, next_due_at, paused_reason, paused_at, pause_notified, created_at, updated_at)
     SELECT guild_id, channel_id, time, timezone, topics, enabled, next_due_at, paused_reason, paused_at, pause_notified, created_at, updated_at FROM subscriptions;
   DROP TABLE subscriptions;
   ALTER TABLE subscriptions_by_channel RENAME TO subscriptions;
   CREATE INDEX subscriptions_due ON subscriptions (next_due_at) WHERE enabled = 1 AND paused_reason IS NULL;
   ALTER TABLE deliveries ADD COLUMN frequency TEXT NOT NULL DEFAULT 'daily';
   ALTER TABLE deliveries ADD COLUMN top_stories INTEGER NOT NULL DEFAULT 5;
   CREATE TABLE follows (
     id            INTEGER PRIMARY KEY AUTOINCREMENT,
     guild_id      TEXT NOT NULL,
     channel_id    TEXT NOT NULL,
     query         TEXT NOT NULL,
     created_by    TEXT,
     covered_to    INTEGER NOT NULL,
     last_batch_at INTEGER,
     created_at    TEXT NOT NULL,
     UNIQUE (guild_id, channel_id, query)
   );
   CREATE INDEX follows_by_guild ON follows (guild_id, id);`,
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

/** The database cannot be used at all (damaged, not a database, not writable): the process must not start. */
export class DatabaseOpenError extends Error {
  constructor(
    message: string,
    readonly path: string,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'DatabaseOpenError';
  }
}

const NOT_A_DATABASE = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);
/** SQLite's answers for a file it can read but not write, or not open for writing at all. */
const CANNOT_WRITE = /^SQLITE_(READONLY|CANTOPEN|PERM|AUTH|FULL|IOERR)/;
const sqliteCode = (err: unknown) => String((err as { code?: unknown }).code ?? '');

/**
 * Proves the database takes writes now, not at the first delivery: a row written in a transaction
 * that is rolled back. SQLite opens a file it may not write (mode 444, an immutable attribute, a
 * read-only mount) read-only without a word, and `BEGIN IMMEDIATE` alone still succeeds there in WAL
 * mode; only a real write fails.
 */
export function assertWritable(db: Db): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.prepare("INSERT INTO meta (key, value) VALUES ('writable_check', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(new Date().toISOString());
  } finally {
    db.exec('ROLLBACK');
  }
}

/**
 * Opens (creating the folder and file if needed), migrates and checks the database is writable.
 * `:memory:` works for tests. Throws `DatabaseOpenError`, with what to do, for a damaged file or one
 * that cannot be written.
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Db | undefined;
  try {
    db = new Database(path);
    // At start-up a longer wait is harmless (nothing else runs yet) and lets two processes migrate one file.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // NORMAL with WAL: a commit survives the process dying at any point, but not a power cut (the WAL
    // is synced at checkpoints, not at every commit). FULL cost an fsync (~5 ms here) per commit on the
    // main thread, blocking the event loop during a burst. What a power cut may lose (a first attempt,
    // a message id, a claim) is settled from the channel's history before resending (deliver.ts).
    db.pragma('synchronous = NORMAL');
    migrate(db);
    assertWritable(db);
  } catch (err) {
    if (db?.open) db.close();
    const reason = (err as Error).message;
    if (NOT_A_DATABASE.has(sqliteCode(err))) {
      throw new DatabaseOpenError(
        `The database file ${path} is not a SQLite database or is damaged (${reason}). Restore it from a backup, or move it aside to start with an empty one.`,
        path,
        err,
      );
    }
    if (CANNOT_WRITE.test(sqliteCode(err))) {
      throw new DatabaseOpenError(
        `The database file ${path} cannot be written (${reason}). Check that this user may write the file and its folder (and that the file is not immutable, the disk not full or read-only), or set DATABASE_PATH to another file.`,
        path,
        err,
      );
    }
    throw err;
  }
  // better-sqlite3 waits synchronously on a lock, blocking the event loop: wait briefly, then the store
  // retries asynchronously with backoff (see sqlite-digest-store.ts).
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return db;
}
