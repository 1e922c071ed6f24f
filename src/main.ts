import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { Client } from 'discord.js';
import type { Logger } from 'pino';
import { commands } from '../commands/index.ts';
import type { Clock } from './calendar/clock.ts';
import { formatConfigProblems, parseConfig, type Config } from './config.ts';
import { createLogger, resolveLogFormat } from './logger.ts';
import { ArticleStore } from './content/store.ts';
import { createTopicCanonicaliser } from './content/topics.ts';
import { openDatabase, type Db } from './db/database.ts';
import { createDeliveryRepo } from './db/deliveries.ts';
import { createSubscriptionRepo } from './db/subscriptions.ts';
import { checkDigestChannel, createChannelSender, createDiscordClient, registerCommands } from './discord/client.ts';
import type { BotContext } from './discord/context.ts';
import { createInteractionRouter } from './discord/interactions.ts';
import { SearchSessions } from './discord/search-sessions.ts';
import { ContentDirError, formatIssue, loadContentDir, resolveContentDir, watchContentDir, type LoadReport } from './files/content-files.ts';
import { sandboxBanner, startSandboxMode } from './sandbox/mode.ts';
import { createDigestDelivery, type DigestDelivery } from './scheduler/delivery.ts';
import { isSchedulableTime, nodeCron } from './scheduler/node-cron.ts';
import { createDigestScheduler, type CronLike, type DigestScheduler } from './scheduler/scheduler.ts';

/** What can be swapped when the bot is started: tests pass a controllable clock, cron and short backoffs. */
export interface BotDeps {
  config: Config;
  logger: Logger;
  clock?: Clock;
  cron?: CronLike;
  backoffMs?: readonly number[];
  /** discord.js's own retries of 5xx answers per request; the delivery retries on top of that. */
  restRetries?: number;
  /** Watch the content folder for changes (default true). */
  watch?: boolean;
}

/** A running bot, with its parts exposed for the sandbox and tests. */
export interface RunningBot {
  client: Client<true>;
  store: ArticleStore;
  db: Db;
  ctx: BotContext;
  delivery: DigestDelivery;
  scheduler: DigestScheduler;
  report: LoadReport;
  stop(): Promise<void>;
}

const systemClock: Clock = { now: () => new Date() };

/**
 * Wires the bot together: content → store, SQLite → subscriptions, discord.js client → commands and
 * scheduled digests. The one place where the parts meet; everything it builds is passed in, never imported.
 */
export async function startBot(deps: BotDeps): Promise<RunningBot> {
  const { config, logger } = deps;
  const clock = deps.clock ?? systemClock;
  if (!config.DISCORD_TOKEN) throw new Error('DISCORD_TOKEN is required to connect to Discord');

  const topics = createTopicCanonicaliser(config.TOPIC_ALIASES);
  const store = new ArticleStore({ topics });
  const contentDir = resolveContentDir(undefined, { CONTENT_DIR: config.CONTENT_DIR });
  const report = await loadContentDir(contentDir, store, { topics });
  logger.info({ contentDir, files: report.files, loaded: report.loaded, skipped: report.skipped.length, excluded: report.excluded.length, duplicates: store.duplicates() }, 'articles loaded');
  for (const issue of report.skipped) logger.warn({ file: issue.file, field: issue.path }, `skipped article: ${formatIssue(issue)}`);
  const watcher =
    deps.watch === false
      ? null
      : await watchContentDir(contentDir, store, {
          topics,
          onEvent: (e) => {
            if (e.type === 'skipped') logger.warn({ file: e.issue.file, field: e.issue.path }, `skipped article: ${formatIssue(e.issue)}`);
            else logger.info(e, 'content changed');
          },
        });

  const db = openDatabase(config.DATABASE_PATH);
  const subscriptions = createSubscriptionRepo(db);
  const deliveries = createDeliveryRepo(db);

  const client = createDiscordClient({ apiUrl: config.DISCORD_API_URL, restRetries: deps.restRetries });
  const delivery = createDigestDelivery({ subscriptions, deliveries, articles: store, sender: createChannelSender(client.rest), clock, logger, backoffMs: deps.backoffMs });
  const scheduler = createDigestScheduler({ subscriptions, deliveries, delivery, clock, cron: deps.cron ?? nodeCron, logger });
  const ctx: BotContext = {
    store,
    clock,
    logger,
    searchSessions: new SearchSessions({ now: () => clock.now().getTime() }),
    subscriptions,
    deliveries,
    delivery,
    scheduler,
    defaultTimezone: config.DIGEST_TIMEZONE,
    checkChannel: (guildId, channelId) => checkDigestChannel(client, guildId, channelId),
  };
  const route = createInteractionRouter(commands, ctx);
  client.on('interactionCreate', (interaction) => void route(interaction));
  client.on('error', (err) => logger.error({ err }, 'discord client error'));
  client.on('warn', (message) => logger.warn({ message }, 'discord client warning'));

  const ready = once(client, 'clientReady');
  try {
    await client.login(config.DISCORD_TOKEN);
  } catch (err) {
    await watcher?.close();
    db.close();
    await client.destroy();
    throw err;
  }
  await ready;
  const c = client as Client<true>;
  logger.info({ user: c.user.tag, guilds: c.guilds.cache.size }, 'logged in to Discord');

  const count = await registerCommands(c.rest, c.application.id, commands, config.DISCORD_GUILD_ID);
  logger.info({ commands: count, scope: config.DISCORD_GUILD_ID ? `guild ${config.DISCORD_GUILD_ID}` : 'global' }, 'slash commands registered');

  // An operator may preset one server's digest in the environment; an admin's /digest set wins afterwards.
  if (config.DIGEST_CHANNEL_ID && config.DISCORD_GUILD_ID && !subscriptions.get(config.DISCORD_GUILD_ID)) {
    subscriptions.upsert({ guildId: config.DISCORD_GUILD_ID, channelId: config.DIGEST_CHANNEL_ID, time: config.DIGEST_TIME, timezone: config.DIGEST_TIMEZONE, topics: null }, clock.now());
    logger.info({ guildId: config.DISCORD_GUILD_ID, channelId: config.DIGEST_CHANNEL_ID }, 'default digest subscription created from the environment');
  }
  const caughtUp = await scheduler.start();
  logger.info({ scheduled: scheduler.scheduled, catchUps: caughtUp.length }, 'digests scheduled');

  return {
    client: c,
    store,
    db,
    ctx,
    delivery,
    scheduler,
    report,
    async stop() {
      scheduler.stop();
      await watcher?.close();
      await c.destroy();
      db.close();
    },
  };
}

/** Starts the process: reads the configuration, connects (or opens the sandbox), and stops cleanly on SIGINT/SIGTERM. */
export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const parsed = parseConfig(env, { digestTime: isSchedulableTime });
  if (!parsed.ok) {
    process.stderr.write(formatConfigProblems(parsed.problems));
    process.exitCode = 1;
    return;
  }
  const config = parsed.config;
  const format = resolveLogFormat({ logFormat: config.LOG_FORMAT, nodeEnv: env.NODE_ENV, isTTY: process.stdout.isTTY });
  const logger = createLogger({ level: config.LOG_LEVEL, secret: config.DISCORD_TOKEN, format });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  const sandbox = argv.includes('--sandbox') || !config.DISCORD_TOKEN;
  let stop: () => Promise<void>;
  try {
    if (sandbox) {
      const running = await startSandboxMode({ config, logger, startBot });
      stop = running.stop;
      process.stdout.write(sandboxBanner(running.url, running.clockNote, !config.DISCORD_TOKEN));
    } else {
      stop = (await startBot({ config, logger })).stop;
    }
  } catch (err) {
    logger.fatal({ err }, 'could not start');
    process.stderr.write(`\n${describeStartupError(err)}\n`);
    process.exitCode = 1;
    return;
  }
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

/** One line an operator can act on, for the errors that stop startup. */
export function describeStartupError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'TokenInvalid') return 'Discord rejected DISCORD_TOKEN. Reset the token in the Developer Portal (Bot → Reset Token) and update .env.';
  if (e?.code === 'EADDRINUSE') return e.message ?? 'The port is already in use. Set SANDBOX_PORT to a free port.';
  if (e instanceof ContentDirError) return e.message;
  return `Startup failed: ${e?.message ?? String(err)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dotenv = await import('dotenv');
  dotenv.config({ quiet: true });
  await run(process.argv.slice(2), process.env);
}
