import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { parseClock } from './calendar/clock.ts';
import { isValidTimeZone } from './calendar/period.ts';

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17–20 digits)');
const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());

/**
 * Parses `TOPIC_ALIASES` (`alias=Label, other alias=Label`) into an alias table that overrides the
 * default one, so operators can merge their feed's topic names without touching code.
 */
function parseAliases(raw: string | undefined, ctx: z.RefinementCtx): Record<string, string> {
  const table: Record<string, string> = {};
  if (!raw) return table;
  for (const pair of raw.split(',')) {
    if (pair.trim() === '') continue;
    const [alias, label, ...rest] = pair.split('=');
    if (!alias?.trim() || !label?.trim() || rest.length > 0) {
      ctx.addIssue({ code: 'custom', message: `"${pair.trim()}" is not of the form alias=Label` });
      continue;
    }
    table[alias.trim()] = label.trim();
  }
  return table;
}

/** Where articles are read from when neither `--content` nor `CONTENT_DIR` says otherwise. */
export const DEFAULT_CONTENT_DIR = './content';

/**
 * Checks that need a library this module must not load: the `news` CLI reads the configuration too,
 * and should not pull in the scheduler's cron library to do so.
 */
export interface ConfigChecks {
  /** Whether the scheduler can fire a daily job at this `HH:MM`; `src/main.ts` passes the cron library's own check. */
  digestTime?(time: string): boolean;
}

/** The process configuration, read once from the environment (and `.env`) at startup. */
const configSchema = (checks: ConfigChecks) => z.object({
  DISCORD_TOKEN: optional(z.string().min(20, 'looks too short to be a bot token')),
  DISCORD_GUILD_ID: optional(snowflake),
  DISCORD_API_URL: optional(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://discord.com/api' })),
  DIGEST_CHANNEL_ID: optional(snowflake),
  DIGEST_TIME: z
    .preprocess(emptyToUndefined, z.string().default('08:00'))
    // Checked against the cron library itself when one is passed, so a bad time fails now rather than at 08:00.
    .refine((v) => parseClock(v) !== null && (checks.digestTime?.(v) ?? true), 'must be a 24-hour time HH:MM, e.g. 08:00'),
  DIGEST_TIMEZONE: z
    .preprocess(emptyToUndefined, z.string().default('UTC'))
    .refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Paris or America/New_York'),
  CONTENT_DIR: z.preprocess(emptyToUndefined, z.string().default(DEFAULT_CONTENT_DIR)),
  // Where an article's timestamp written without a zone (`2026-11-21 10:00`) is local time.
  CONTENT_TIMEZONE: z
    .preprocess(emptyToUndefined, z.string().default('UTC'))
    .refine(isValidTimeZone, 'must be an IANA time zone such as UTC, Europe/Paris or America/New_York'),
  DATABASE_PATH: z.preprocess(emptyToUndefined, z.string().default('./data/news-bot.sqlite')),
  // The archive cache (parsed articles and the search index), so a restart reads only changed files.
  // Unset: a `cache` folder next to the SQLite file. `:none:` turns it off (null).
  CACHE_DIR: z.preprocess(emptyToUndefined, z.string().optional()).transform((v) => (v?.trim() === ':none:' ? null : v)),
  // Set: Postgres, shared by every process (DATABASE_PATH is then unused). May hold a password: never echoed.
  DATABASE_URL: optional(z.url({ protocol: /^postgres(ql)?$/, message: 'must be a postgres:// URL such as postgres://newsbot:secret@db.example:5432/newsbot' })),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  // Unset: readable text in a terminal, JSON lines when piped or with NODE_ENV=production.
  LOG_FORMAT: optional(z.enum(['json', 'pretty'])),
  TOPIC_ALIASES: z.preprocess(emptyToUndefined, z.string().optional()).transform(parseAliases),
  SANDBOX_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
  // Waits between start-up attempts (command registration), comma-separated ms; one retry per value.
  STARTUP_RETRY_DELAYS_MS: z
    .preprocess(emptyToUndefined, z.string().default('1000,2000,4000'))
    .refine((v) => v.split(',').every((x) => /^\s*\d{1,6}\s*$/.test(x)), 'must be comma-separated milliseconds, e.g. 1000,2000,4000')
    .transform((v) => v.split(',').map((x) => Number(x.trim()))),
  // On SIGTERM/SIGINT, how long the process may finish the message in flight and the replies it owes, in ms.
  SHUTDOWN_TIMEOUT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(600_000).default(10_000)),
  // How often the process logs its health (event-loop delay, memory), in ms; 0 (the default) logs none.
  METRICS_INTERVAL_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(3_600_000).default(0)),
  // Whether start-up registers the slash commands (when they changed). The shard manager registers them
  // once and starts its cluster processes with `false`, so N processes do not make N bulk overwrites.
  REGISTER_COMMANDS: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('true')).transform((v) => v === 'true'),
  // Set: every REST request goes through this `npm run rest-proxy` (its URL, e.g. http://10.0.0.5:8080), the one
  // limiter of the bot's global rate limit across all its processes; this process then paces nothing itself.
  REST_PROXY_URL: optional(z.url({ protocol: /^https?$/, message: 'must be the http(s) URL of `npm run rest-proxy`, such as http://10.0.0.5:8080' })),
  // How long a claimed digest stays with the process that claimed it (renewed while it works); after a
  // crash the other processes take it over once this has passed.
  DIGEST_LEASE_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(5000).max(3_600_000).default(60_000)),
  // Follows (/news follow) post at most one message per follow per this many minutes.
  FOLLOW_BATCH_MINUTES: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1440).default(10)),
});
/** The parsed configuration. */
export type Config = z.infer<ReturnType<typeof configSchema>>;

/** The result of reading the configuration: either a config, or every problem found. */
export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/**
 * Validates the environment. Returns every problem at once (`NAME: reason`), so an operator fixes
 * them in one go instead of one restart per mistake. Values are never echoed, since one may be the token.
 */
export function parseConfig(env: Record<string, string | undefined>, checks: ConfigChecks = {}): ConfigResult {
  const result = configSchema(checks).safeParse(env);
  return result.success ? { ok: true, config: result.data } : { ok: false, problems: problemsOf(result.error) };
}

/** Whether a start opens the sandbox (a local Discord, an in-memory database): asked with `--sandbox`, or no token set. */
export function isSandboxStart(argv: readonly string[], token: string | undefined): boolean {
  return argv.includes('--sandbox') || !token;
}

/** The content folder: `--content DIR`, else `CONTENT_DIR`, else `./content`. */
export function resolveContentDir(flag?: string, env: Record<string, string | undefined> = process.env): string {
  return resolve(flag?.trim() || env.CONTENT_DIR?.trim() || DEFAULT_CONTENT_DIR);
}

/** Where the bot's archive is, and its cache (null: none), as `archiveLocation` reads them from `config`. */
export interface ArchiveLocation {
  contentDir: string;
  cacheDir: string | null;
}

/**
 * The content folder, and the archive cache's folder: `CACHE_DIR`, or a `cache` folder next to the
 * SQLite file; none when `CACHE_DIR` is `:none:`, or unset with an in-memory database (the sandbox).
 */
export function archiveLocation(config: Pick<Config, 'CONTENT_DIR' | 'DATABASE_PATH' | 'CACHE_DIR'>): ArchiveLocation {
  const contentDir = resolveContentDir(undefined, { CONTENT_DIR: config.CONTENT_DIR });
  if (config.CACHE_DIR === null || (config.CACHE_DIR === undefined && config.DATABASE_PATH === ':memory:')) return { contentDir, cacheDir: null };
  return { contentDir, cacheDir: resolve(config.CACHE_DIR ?? join(dirname(resolve(config.DATABASE_PATH)), 'cache')) };
}

/**
 * Reads only what `archiveLocation` needs, with the bot's rules, for a start with `argv`: null when the bot
 * would refuse them. The sandbox keeps no cache (its database is in memory).
 */
export function parseArchiveLocation(env: Record<string, string | undefined>, argv: readonly string[] = []): ArchiveLocation | null {
  const result = configSchema({}).pick({ CONTENT_DIR: true, DATABASE_PATH: true, CACHE_DIR: true, DISCORD_TOKEN: true }).safeParse(env);
  if (!result.success) return null;
  const where = archiveLocation(result.data);
  return isSandboxStart(argv, result.data.DISCORD_TOKEN) ? { ...where, cacheDir: null } : where;
}

/**
 * Reads only `TOPIC_ALIASES`, with the same rules and messages as the bot: all the `news` CLI needs,
 * so a variable meant for the bot alone (a token, a time) never stops an operator's command.
 */
export function parseTopicAliases(env: Record<string, string | undefined>): { ok: true; aliases: Record<string, string> } | { ok: false; problems: string[] } {
  const result = configSchema({}).pick({ TOPIC_ALIASES: true }).safeParse(env);
  return result.success ? { ok: true, aliases: result.data.TOPIC_ALIASES } : { ok: false, problems: problemsOf(result.error) };
}

/**
 * Reads only `CONTENT_TIMEZONE`, with the bot's rules and messages: the `news` CLI must read article
 * dates exactly as the bot does, whatever the server's own zone.
 */
export function parseContentTimeZone(env: Record<string, string | undefined>): { ok: true; timeZone: string } | { ok: false; problems: string[] } {
  const result = configSchema({}).pick({ CONTENT_TIMEZONE: true }).safeParse(env);
  return result.success ? { ok: true, timeZone: result.data.CONTENT_TIMEZONE } : { ok: false, problems: problemsOf(result.error) };
}

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
}

/** The one message for a bad configuration, used by the bot, `deploy-commands` and the CLI. */
export function formatConfigProblems(problems: readonly string[]): string {
  return `Configuration problems (see .env.example):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`;
}
