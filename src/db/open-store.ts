import type { Config } from '../config.ts';
import { openDatabase } from './database.ts';
import type { DigestStore } from './digest-store.ts';
import { openPostgresDigestStore, redactDatabaseUrl, type PostgresStoreOptions } from './postgres-digest-store.ts';
import { createSqliteDigestStore } from './sqlite-digest-store.ts';

/** An open store, and which database it is on (for the start-up log; never the password). */
export interface OpenedStore {
  store: DigestStore;
  kind: 'sqlite' | 'postgres';
  /** The SQLite file, or the Postgres URL without its password. */
  location: string;
}

/**
 * Opens the bot's store: Postgres when `DATABASE_URL` is set (several processes, several machines),
 * else the SQLite file at `DATABASE_PATH` (one machine; the default `npm start` runs). Either way the
 * schema is migrated and a write is tried before this returns; a database that cannot be used throws
 * `DatabaseOpenError` with what to do.
 */
export async function openDigestStore(
  config: Pick<Config, 'DATABASE_PATH' | 'DATABASE_URL'>,
  options: { onError?: (message: string) => void; postgres?: Omit<PostgresStoreOptions, 'onError'> } = {},
): Promise<OpenedStore> {
  if (config.DATABASE_URL) {
    const store = await openPostgresDigestStore(config.DATABASE_URL, { ...options.postgres, onError: options.onError });
    return { store, kind: 'postgres', location: redactDatabaseUrl(config.DATABASE_URL) };
  }
  const db = openDatabase(config.DATABASE_PATH);
  return { store: createSqliteDigestStore(db, { checkpointInWorker: true, onError: options.onError }), kind: 'sqlite', location: config.DATABASE_PATH };
}
