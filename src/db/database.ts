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
];

/** Brings the database to the latest schema; returns the version it ended at. */
export function migrate(db: Db): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return MIGRATIONS.length;
}

/** Opens (creating the folder and file if needed) and migrates the database. `:memory:` works for tests. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // Deliveries are recorded message by message; full sync makes each record survive a power cut.
  db.pragma('synchronous = FULL');
  migrate(db);
  return db;
}
