import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { Client } from 'discord.js';
import type { Logger } from 'pino';
import { commands } from '../commands/index.ts';
import type { Clock } from './calendar/clock.ts';
import { formatConfigProblems, parseConfig, type Config } from './config.ts';
import { createLogger, resolveLogFormat } from './logger.ts';
import { startHealthMonitor } from './health.ts';
import { ArticleStore } from './content/store.ts';
import { createTopicCanonicaliser } from './content/topics.ts';
import { openDatabase, type Db } from './db/database.ts';
import { checkDigestChannel, createDiscordClient } from './discord/client.ts';
import { createChannelSender, createDigestRest } from './discord/digest-sender.ts';
import { createInvalidRequestMonitor } from './discord/invalid-requests.ts';
import { registerCommandsIfChanged, retryWithBackoff } from './discord/startup.ts';
import { createSqliteDigestStore } from './db/sqlite-digest-store.ts';
import type { DigestStore } from './db/digest-store.ts';
import { pauseOnRemoval } from './discord/guild-events.ts';
import type { BotContext } from './discord/context.ts';
import { createInteractionRouter } from './discord/interactions.ts';
import { SearchSessions } from './discord/search-sessions.ts';
import { ContentDirError, formatIssue, loadContentDir, resolveContentDir, watchContentDir, type LoadReport } from './files/content-files.ts';
import { watchEventLog } from './files/watch-log.ts';
import { sandboxBanner, startSandboxMode } from './sandbox/mode.ts';
import { createDeliveryEngine, type DeliveryEngine, type EngineOptions } from './scheduler/engine.ts';

/** What can be swapped when the bot is started: tests pass a controllable clock, short backoffs and engine timings. */
export interface BotDeps {
  config: Config;
  logger: Logger;
  clock?: Clock;
  backoffMs?: readonly number[];
  /** Engine timings (tick, lease, nonce trust, concurrency) and its owner id; production defaults otherwise. */
  engine?: Pick<EngineOptions, 'tickMs' | 'leaseMs' | 'nonceTrustMs' | 'concurrency' | 'owner'>;
  /** discord.js's own retries of 5xx answers per request; the delivery retries on top of that. */
  restRetries?: number;
  /** Watch the content folder for changes (default true). */
  watch?: boolean;
  /** Waits between start-up attempts (default: the configuration's STARTUP_RETRY_DELAYS_MS). */
  startupRetryDelaysMs?: readonly number[];
}

/** A running bot, with its parts exposed for the sandbox and tests. */
export interface RunningBot {
  client: Client<true>;
  store: ArticleStore;
  db: Db;
  ctx: BotContext;
  digestStore: DigestStore;
  engine: DeliveryEngine;
  report: LoadReport;
  /** Stops cleanly: unfinished deliveries are handed back, then everything is closed. */
  stop(): Promise<void>;
  /** Stops at once, as a crash would (for tests): nothing more is written or sent; claims are left to their lease. */
  kill(): Promise<void>;
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
  // Dates are checked against the bot's clock, and zoneless timestamps read in CONTENT_TIMEZONE (UTC by default).
  const readOptions = { topics, timeZone: config.CONTENT_TIMEZONE, now: () => clock.now() };
  const report = await loadContentDir(contentDir, store, readOptions);
  logger.info({ contentDir, files: report.files, loaded: report.loaded, skipped: report.skipped.length, excluded: report.excluded.length, duplicates: store.duplicates() }, 'articles loaded');
  for (const issue of report.skipped) logger.warn({ file: issue.file, field: issue.path }, `skipped article: ${formatIssue(issue)}`);
  for (const notice of report.notices) logger.warn({ file: notice.file, field: notice.path }, `article cut: ${formatIssue(notice)}`);
  const watcher =
    deps.watch === false
      ? null
      : await watchContentDir(contentDir, store, {
          ...readOptions,
          onEvent: (e) => {
            const record = watchEventLog(e);
            logger[record.level](record.fields, record.msg);
          },
        });

  const db = openDatabase(config.DATABASE_PATH);
  const digestStore = createSqliteDigestStore(db);

  const client = createDiscordClient({ apiUrl: config.DISCORD_API_URL, restRetries: deps.restRetries });
  // Digests go through their own REST client, so command replies never queue behind them.
  const digestRest = createDigestRest({ token: config.DISCORD_TOKEN, apiUrl: config.DISCORD_API_URL, retries: deps.restRetries });
  const sender = createChannelSender({ rest: digestRest, client, logger });
  const invalidRequests = createInvalidRequestMonitor({ logger });
  invalidRequests.watch(client.rest);
  invalidRequests.watch(digestRest);
  const engine = createDeliveryEngine({
    ...deps.engine,
    store: digestStore,
    articles: store,
    sender,
    clock,
    logger,
    notifyAdmins: (guildId, text) => sender.notifyAdmins(guildId, text),
    backoffMs: deps.backoffMs,
  });
  const stopListening = pauseOnRemoval(client, engine, logger);
  const ctx: BotContext = {
    store,
    clock,
    logger,
    searchSessions: new SearchSessions({ now: () => clock.now().getTime() }),
    digests: engine,
    defaultTimezone: config.DIGEST_TIMEZONE,
    checkChannel: (guildId, channelId) => checkDigestChannel(client, guildId, channelId),
  };
  const route = createInteractionRouter(commands, ctx);
  client.on('interactionCreate', (interaction) => void route(interaction));
  client.on('error', (err) => logger.error({ err }, 'discord client error'));
  client.on('warn', (message) => logger.warn({ message }, 'discord client warning'));

  const stopAll = async () => {
    await engine.stop();
    stopListening();
    await watcher?.close();
    await client.destroy();
    await digestStore.close();
  };
  const c = client as Client<true>;
  // Never half-started: if any step below fails, everything opened above is closed before the error goes up.
  try {
    const ready = once(client, 'clientReady');
    await client.login(config.DISCORD_TOKEN);
    await ready;
    logger.info({ user: c.user.tag, guilds: c.guilds.cache.size }, 'logged in to Discord');

    const registration = await retryWithBackoff(
      () => registerCommandsIfChanged({ rest: c.rest, applicationId: c.application.id, commands, guildId: config.DISCORD_GUILD_ID, meta: digestStore }),
      {
        delaysMs: deps.startupRetryDelaysMs ?? config.STARTUP_RETRY_DELAYS_MS,
        onRetry: (err, attempt, delayMs) => logger.warn({ err, attempt, delayMs }, 'registering the slash commands failed; retrying'),
      },
    );
    const scope = config.DISCORD_GUILD_ID ? `guild ${config.DISCORD_GUILD_ID}` : 'global';
    if (registration.registered) logger.info({ commands: registration.count, scope }, 'slash commands registered');
    else logger.info({ commands: registration.count, scope }, 'slash commands unchanged; not registered again');


    // An operator may preset one server's digest in the environment; an admin's /digest set wins afterwards.
    if (config.DIGEST_CHANNEL_ID && config.DISCORD_GUILD_ID && !(await engine.subscription(config.DISCORD_GUILD_ID))) {
      await engine.setSubscription({ guildId: config.DISCORD_GUILD_ID, channelId: config.DIGEST_CHANNEL_ID, time: config.DIGEST_TIME, timezone: config.DIGEST_TIMEZONE, topics: null });
      logger.info({ guildId: config.DISCORD_GUILD_ID, channelId: config.DIGEST_CHANNEL_ID }, 'default digest subscription created from the environment');
    }
    // The schedule starts last, once everything else is up.
    engine.start();
    logger.info({ owner: engine.owner }, 'digest ticker started');
  } catch (err) {
    await stopAll().catch((closeErr: unknown) => logger.error({ err: closeErr }, 'could not close everything after a failed start'));
    throw err;
  }

  return {
    client: c,
    store,
    db,
    ctx,
    digestStore,
    engine,
    report,
    stop: stopAll,
    async kill() {
      engine.kill();
      stopListening();
      await watcher?.close();
      await client.destroy();
      await digestStore.close();
    },
  };
}

/** Starts the process: reads the configuration, connects (or opens the sandbox), and stops cleanly on SIGINT/SIGTERM. */
export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const parsed = parseConfig(env);
  if (!parsed.ok) {
    process.stderr.write(formatConfigProblems(parsed.problems));
    process.exitCode = 1;
    return;
  }
  const config = parsed.config;
  const format = resolveLogFormat({ logFormat: config.LOG_FORMAT, nodeEnv: env.NODE_ENV, isTTY: process.stdout.isTTY });
  const logger = createLogger({ level: config.LOG_LEVEL, secret: config.DISCORD_TOKEN, format });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  // Off unless asked for: one "health" record (event-loop delay, memory) per interval.
  if (config.METRICS_INTERVAL_MS > 0) startHealthMonitor({ logger, intervalMs: config.METRICS_INTERVAL_MS });
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
    // Everything was closed, so the process ends by itself; should anything still hold it open, it
    // must not stay up half-started. Unref'd: this timer alone keeps nothing alive.
    setTimeout(() => {
      process.stderr.write('Something was still open after the failed start; exiting anyway.\n');
      process.exit(1);
    }, 5000).unref();
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
