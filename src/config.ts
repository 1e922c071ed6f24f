import { z } from 'zod';
import { isValidTimeZone, parseClock } from './digest/period.ts';
import { isValidCronExpression } from './scheduler/node-cron.ts';
import { cronFromClock } from './scheduler/scheduler.ts';

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

/** The process configuration, read once from the environment (and `.env`) at startup. */
export const Config = z.object({
  DISCORD_TOKEN: optional(z.string().min(20, 'looks too short to be a bot token')),
  DISCORD_GUILD_ID: optional(snowflake),
  DISCORD_API_URL: optional(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://discord.com/api' })),
  DIGEST_CHANNEL_ID: optional(snowflake),
  DIGEST_TIME: z
    .preprocess(emptyToUndefined, z.string().default('08:00'))
    // Checked against the cron library itself, so a bad time fails now rather than at 08:00.
    .refine((v) => parseClock(v) !== null && isValidCronExpression(cronFromClock(v)), 'must be a 24-hour time HH:MM, e.g. 08:00'),
  DIGEST_TIMEZONE: z
    .preprocess(emptyToUndefined, z.string().default('UTC'))
    .refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Paris or America/New_York'),
  CONTENT_DIR: z.preprocess(emptyToUndefined, z.string().default('./content')),
  DATABASE_PATH: z.preprocess(emptyToUndefined, z.string().default('./data/news-bot.sqlite')),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  TOPIC_ALIASES: z.preprocess(emptyToUndefined, z.string().optional()).transform(parseAliases),
  SANDBOX_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
});
export type Config = z.infer<typeof Config>;

/** The result of reading the configuration: either a config, or every problem found. */
export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/**
 * Validates the environment. Returns every problem at once (`NAME: reason`), so an operator fixes
 * them in one go instead of one restart per mistake. Values are never echoed, since one may be the token.
 */
export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  const result = Config.safeParse(env);
  if (result.success) return { ok: true, config: result.data };
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
  return { ok: false, problems };
}
