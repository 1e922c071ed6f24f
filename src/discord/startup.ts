import { createHash } from 'node:crypto';
import { Routes, type REST } from 'discord.js';
import type { Command } from './command.ts';

/** Waits between start-up attempts: three retries, 1 s, 2 s, then 4 s apart. */
export const STARTUP_RETRY_DELAYS_MS: readonly number[] = [1000, 2000, 4000];

/** Names of errors that mean "no answer" (undici, aborts) or a locked database: worth another try. */
const TRANSIENT_NAMES = new Set(['DatabaseError', 'AbortError', 'ConnectTimeoutError', 'SocketError', 'HeadersTimeoutError', 'BodyTimeoutError']);

/**
 * True for failures that may pass by themselves: a 5xx, 429 or 408 answer, no answer at all (a
 * connection refused or reset, a timeout), or a locked database. A 4xx, a bad token or a bug is not.
 */
export function isTransientStartupError(err: unknown): boolean {
  const e = err as { status?: unknown; name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  if (typeof e?.status === 'number') return e.status >= 500 || e.status === 429 || e.status === 408;
  if (typeof e?.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return true;
  if (e?.message === 'fetch failed') return true;
  return false;
}

/**
 * Runs `task`; on a transient failure waits and tries again, once per delay; rethrows a permanent
 * failure at once and the last failure once the delays are used up.
 */
export async function retryWithBackoff<T>(
  task: (attempt: number) => Promise<T>,
  options: { delaysMs?: readonly number[]; isTransient?: (err: unknown) => boolean; onRetry?: (err: unknown, attempt: number, delayMs: number) => void; sleep?: (ms: number) => Promise<void> } = {},
): Promise<T> {
  const delays = options.delaysMs ?? STARTUP_RETRY_DELAYS_MS;
  const isTransient = options.isTransient ?? isTransientStartupError;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      return await task(attempt);
    } catch (err) {
      if (attempt >= delays.length || !isTransient(err)) throw err;
      options.onRetry?.(err, attempt + 1, delays[attempt]!);
      await sleep(delays[attempt]!);
    }
  }
}

/** Where the hash of the last registered command list is kept (the delivery store's key/value table). */
export interface MetaStore {
  getMeta(key: string): Promise<string | undefined | null>;
  setMeta(key: string, value: string): Promise<void>;
  /** When given, the check, the PUT and the record run under this lock: machines starting together register once. */
  withMetaLock?<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** The scope commands are registered in: one server (development) or global, for one application. */
export function commandScope(applicationId: string, guildId?: string): string {
  return guildId ? `app ${applicationId} guild ${guildId}` : `app ${applicationId} global`;
}

/** sha256 of the scope and the exact JSON Discord would receive. */
export function commandsHash(commands: readonly Command[], scope: string): string {
  return createHash('sha256').update(JSON.stringify({ scope, body: commands.map((c) => c.data.toJSON()) })).digest('hex');
}

/**
 * Registers the commands with one bulk overwrite only when their JSON (or the scope) changed since the
 * last registration recorded in `meta`; the hash is stored after Discord accepted the list. Returns
 * whether a PUT was made and how many commands are registered.
 */
export async function registerCommandsIfChanged(opts: { rest: REST; applicationId: string; commands: readonly Command[]; guildId?: string; meta: MetaStore }): Promise<{ registered: boolean; count: number; scope: string }> {
  const scope = commandScope(opts.applicationId, opts.guildId);
  const key = `commands-hash:${scope}`;
  const hash = commandsHash(opts.commands, scope);
  const register = async () => {
    if ((await opts.meta.getMeta(key)) === hash) return { registered: false, count: opts.commands.length, scope };
    const body = opts.commands.map((c) => c.data.toJSON());
    const route = opts.guildId ? Routes.applicationGuildCommands(opts.applicationId, opts.guildId) : Routes.applicationCommands(opts.applicationId);
    const result = (await opts.rest.put(route, { body })) as unknown[];
    await opts.meta.setMeta(key, hash);
    return { registered: true, count: result.length, scope };
  };
  return opts.meta.withMetaLock ? opts.meta.withMetaLock(key, register) : register();
}
