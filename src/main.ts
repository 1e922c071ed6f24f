import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { Client } from 'discord.js';
import type { Logger } from 'pino';
import { commands } from '../commands/index.ts';
import type { Clock } from './calendar/clock.ts';
import { archiveLocation, formatConfigProblems, isSandboxStart, parseConfig, type Config } from './config.ts';
import { createLogger, resolveLogFormat } from './logger.ts';
import { startHealthMonitor } from './health.ts';
import type { ArticleStore } from './content/store.ts';
import { createTopicCanonicaliser } from './content/topics.ts';
import { DatabaseOpenError } from './db/database.ts';
import { openDigestStore } from './db/open-store.ts';
import { checkDigestChannel, createDiscordClient } from './discord/client.ts';
import { createChannelSender, createDigestRest } from './discord/digest-sender.ts';
import { createInvalidRequestMonitor } from './discord/invalid-requests.ts';
import { registerCommandsIfChanged, retryWithBackoff } from './discord/startup.ts';
import type { DigestStore } from './db/digest-store.ts';
import { pauseOnRemoval } from './discord/guild-events.ts';
import type { BotContext } from './discord/context.ts';
import { onFatalDisconnect } from './discord/fatal-disconnect.ts';
import { createInteractionRouter } from './discord/interactions.ts';
import { answerRestarting } from './discord/restarting.ts';
import { SearchSessions } from './discord/search-sessions.ts';
import { openArchive } from './files/archive.ts';
import { createSharedListing, type SharedListing } from './files/shared-listing.ts';
import { checkDir, ContentDirError, formatIssue, watchContentDir, type ContentReadOptions, type LoadReport } from './files/content-files.ts';
import { watchEventLog } from './files/watch-log.ts';
import { sandboxBanner, startSandboxMode } from './sandbox/mode.ts';
import { createArrivalLog } from './scheduler/arrivals.ts';
import { createDeliveryEngine, type DeliveryEngine, type EngineOptions } from './scheduler/engine.ts';
import { createFollowMatcher } from './search/follow-match.ts';

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
  /** Called when the bot can no longer work and will not recover by itself (the gateway refused it for good). */
  onFatal?: (err: Error) => void;
  /** The shards this process holds, of how many (a cluster of `npm run start:shards`); default one shard of one. */
  shards?: { ids: number[]; count: number };
  /** Waits between start-up attempts (default: the configuration's STARTUP_RETRY_DELAYS_MS). */
  startupRetryDelaysMs?: readonly number[];
  /** Opens the article archive (default: the content folder, loaded while the bot logs in); tests pass one they can hold. */
  openArchive?: OpenArchive;
  /**
   * Resolve `startBot` only once the archive is loaded and watched (default true, as tests and the
   * sandbox expect). `run` passes false: the bot is online and answering "Loading the archive…" at once.
   */
  waitForArchive?: boolean;
}

/** An archive being opened: its store is usable at once (empty or partial), `ready` resolves when it is whole. */
export interface OpeningArchive {
  store: ArticleStore;
  ready: Promise<LoadReport>;
  /** Steps of the load done out of steps to do, for the "Loading the archive: 43%…" answers. */
  progress(): { done: number; total: number };
  /** Resolves when the cache written after the load is on disk (or was not written); a stop waits for it. */
  cacheWritten?: Promise<void>;
}

/**
 * Opens the archive of a content folder; the load runs in the background. Given a `listing`, the load
 * lists the folder through it and ends it (the watcher follows it instead of walking the folder again).
 */
export type OpenArchive = (options: { dir: string; readOptions: ContentReadOptions & { topics: ReturnType<typeof createTopicCanonicaliser> }; listing?: SharedListing }) => OpeningArchive;

/** A running bot, with its parts exposed for the sandbox and tests. */
export interface RunningBot {
  client: Client<true>;
  store: ArticleStore;
  ctx: BotContext;
  digestStore: DigestStore;
  engine: DeliveryEngine;
  /** Resolves when the archive is loaded (and watched); until then commands answer "Loading the archive…" and digests wait. */
  ready: Promise<LoadReport>;
  /** Stops cleanly: unfinished deliveries are handed back, then everything is closed. */
  stop(): Promise<void>;
  /**
   * Stops gracefully (SIGTERM): new interactions are answered "restarting", the digest message in flight
   * and the replies owed are finished within `graceMs`, the rest of a digest is handed back; then
   * everything is closed. `inTime` is false when the deadline cut something off.
   */
  shutdown(graceMs: number): Promise<{ inTime: boolean }>;
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

  // First, before anything that holds the process open (the watcher, the gateway): a damaged or
  // read-only database stops the start here, with a message that says which file and what to do.
  // SQLite at DATABASE_PATH, or Postgres when DATABASE_URL is set: everything below uses only the store.
  const { store: digestStore } = await openDigestStore(config, {
    onError: (message) => logger.warn({ message }, 'database error in the background'),
    postgres: { onRetry: (r) => logger.warn(r, 'the database is unreachable; retrying') },
  });

  const topics = createTopicCanonicaliser(config.TOPIC_ALIASES);
  const { contentDir, cacheDir } = archiveLocation(config);
  // A missing content folder still stops the start at once, before the login; the load itself runs
  // while the bot logs in, so a large archive never keeps it offline.
  // The store is closed on the way out: an open Postgres pool would keep the failed process alive.
  await checkDir(contentDir).catch(async (err: unknown) => {
    await digestStore.close().catch(() => undefined);
    throw err;
  });
  // Dates are checked against the bot's clock, and zoneless timestamps read in CONTENT_TIMEZONE (UTC by default).
  const readOptions = { topics, timeZone: config.CONTENT_TIMEZONE, now: () => clock.now() };
  const loadStarted = performance.now();
  const open: OpenArchive = deps.openArchive ?? ((o) => openArchive({ ...o, cacheDir, onCacheProblem: (message) => logger.warn({ cacheDir }, message) }));
  // The folder is listed once at start: the watcher watches each folder as the load reaches it, and takes its names.
  const listing = deps.watch !== false ? createSharedListing() : undefined;
  const archive = open({ dir: contentDir, readOptions, listing });
  const store = archive.store;
  let loaded = false;
  let closed = false;
  let watcherStart: Promise<Awaited<ReturnType<typeof watchContentDir>> | null> = Promise.resolve(null);
  // Whole: commands answer from it and digests may be composed from it (the engine waits for this).
  // When each article was first seen: a story saved after the digest that covered its publish time
  // still reaches the next digest. Recorded once the archive is whole (the first archive at its publish
  // times), then followed from before the watcher starts, so no new file is missed.
  const arrivals = createArrivalLog({ store: digestStore, articles: store, clock, logger });
  // The stored arrivals are read while the archive loads, so a restart only compares them once it is whole.
  arrivals.preload();
  let stopArrivals = () => {};
  const storeLoaded = archive.ready.then(async (report) => {
    loaded = true;
    await arrivals.load();
    if (!closed) stopArrivals = arrivals.watch();
    const loadMs = Math.round(performance.now() - loadStarted);
    logger.info({ contentDir, files: report.files, loaded: report.loaded, skipped: report.skipped.length, excluded: report.excluded.length, duplicates: store.duplicates(), loadMs, ...('stats' in report ? { stats: report.stats } : {}) }, 'articles loaded');
    for (const issue of report.skipped) logger.warn({ file: issue.file, field: issue.path }, `skipped article: ${formatIssue(issue)}`);
    for (const notice of report.notices) logger.warn({ file: notice.file, field: notice.path }, `article cut: ${formatIssue(notice)}`);
    return report;
  });
  // Watched from the start, with every change held until the archive is whole (and arrivals are followed):
  // a file written during a long load is applied after it, never lost.
  if (deps.watch !== false) {
    watcherStart = watchContentDir(contentDir, store, {
      ...readOptions,
      listing,
      holdUntil: storeLoaded,
      onEvent: (e) => {
        const record = watchEventLog(e);
        logger[record.level](record.fields, record.msg);
      },
    });
    // A folder that cannot be watched fails the start through `archiveReady` below; this only keeps it from counting as unhandled meanwhile.
    watcherStart.catch(() => undefined);
  }
  const archiveReady = storeLoaded.then(async (report) => {
    await watcherStart;
    return report;
  });
  // Handled where it is awaited (startBot, or run); this only keeps a failed load from counting as unhandled meanwhile.
  archiveReady.catch(() => undefined);
  const closeArchive = async () => {
    closed = true;
    const watcher = await watcherStart.catch(() => null);
    await watcher?.close();
    // A cache being written after the load is finished, so the next start finds it whole; a stop during the load does not wait for it.
    if (loaded) await archive.cacheWritten?.catch(() => undefined);
  };

  const client = createDiscordClient({ apiUrl: config.DISCORD_API_URL, proxyUrl: config.REST_PROXY_URL, restRetries: deps.restRetries, shards: deps.shards });
  // Digests go through their own REST client, so command replies never queue behind them.
  const digestRest = createDigestRest({ token: config.DISCORD_TOKEN, apiUrl: config.DISCORD_API_URL, proxyUrl: config.REST_PROXY_URL, retries: deps.restRetries });
  const sender = createChannelSender({ rest: digestRest, client, logger });
  const invalidRequests = createInvalidRequestMonitor({ logger });
  invalidRequests.watch(client.rest);
  invalidRequests.watch(digestRest);
  const engine = createDeliveryEngine({
    leaseMs: config.DIGEST_LEASE_MS,
    ...deps.engine,
    store: digestStore,
    articles: store,
    arrivals,
    sender,
    clock,
    logger,
    notifyAdmins: (guildId, text) => sender.notifyAdmins(guildId, text),
    backoffMs: deps.backoffMs,
    // No digest from a half-loaded archive: nothing is claimed before the store is whole.
    ready: storeLoaded,
    follows: { matcher: createFollowMatcher, batchMs: config.FOLLOW_BATCH_MINUTES * 60_000 },
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
    archive: { loading: () => (loaded ? null : archive.progress()) },
  };
  const route = createInteractionRouter(commands, ctx);
  // Replies still owed, so a shutdown can finish them; once it starts, new interactions only hear "restarting".
  const owed = new Set<Promise<void>>();
  let accepting = true;
  client.on('interactionCreate', (interaction) => {
    const p = accepting ? route(interaction) : answerRestarting(interaction);
    owed.add(p);
    void p.finally(() => owed.delete(p));
  });
  // discord.js never reconnects after some close codes (4004 after a token reset): say so, and let the process end.
  const stopFatalWatch = onFatalDisconnect(client, (d) => {
    logger.error({ code: d.code }, d.message);
    deps.onFatal?.(new Error(d.message));
  });
  client.on('error', (err) => logger.error({ err }, 'discord client error'));
  client.on('warn', (message) => logger.warn({ message }, 'discord client warning'));

  // Everything but the engine, which stops gently (stopAll) or at once (kill).
  const closeAllButEngine = async () => {
    stopListening();
    stopFatalWatch();
    stopArrivals();
    await closeArchive();
    await client.destroy();
    await digestStore.close();
  };
  const stopAll = async () => {
    await engine.stop();
    await closeAllButEngine();
  };
  const c = client as Client<true>;
  // Never half-started: if any step below fails, everything opened above is closed before the error goes up.
  try {
    const ready = once(client, 'clientReady');
    await client.login(config.DISCORD_TOKEN);
    await ready;
    logger.info({ user: c.user.tag, guilds: c.guilds.cache.size }, 'logged in to Discord');

    // A cluster of `npm run start:shards` leaves this to its manager (REGISTER_COMMANDS=false).
    const registration = !config.REGISTER_COMMANDS ? null : await retryWithBackoff(
      () => registerCommandsIfChanged({ rest: c.rest, applicationId: c.application.id, commands, guildId: config.DISCORD_GUILD_ID, meta: digestStore }),
      {
        delaysMs: deps.startupRetryDelaysMs ?? config.STARTUP_RETRY_DELAYS_MS,
        onRetry: (err, attempt, delayMs) => logger.warn({ err, attempt, delayMs }, 'registering the slash commands failed; retrying'),
      },
    );
    const scope = config.DISCORD_GUILD_ID ? `guild ${config.DISCORD_GUILD_ID}` : 'global';
    if (!registration) logger.info({ scope }, 'slash commands left to the shard manager or npm run deploy-commands (REGISTER_COMMANDS=false)');
    else if (registration.registered) logger.info({ commands: registration.count, scope }, 'slash commands registered');
    else logger.info({ commands: registration.count, scope }, 'slash commands unchanged; not registered again');


    // An operator may preset one server's digest in the environment; an admin's /digest set wins afterwards.
    if (config.DIGEST_CHANNEL_ID && config.DISCORD_GUILD_ID && !(await engine.subscription(config.DISCORD_GUILD_ID))) {
      await engine.setSubscription({ guildId: config.DISCORD_GUILD_ID, channelId: config.DIGEST_CHANNEL_ID, time: config.DIGEST_TIME, timezone: config.DIGEST_TIMEZONE, topics: null });
      logger.info({ guildId: config.DISCORD_GUILD_ID, channelId: config.DIGEST_CHANNEL_ID }, 'default digest subscription created from the environment');
      // The same check /digest set makes: a preset channel the bot cannot post in is paused at once, with
      // the reason in /digest status and one notice to the server, instead of failing at the first slot.
      const check = checkDigestChannel(client, config.DISCORD_GUILD_ID, config.DIGEST_CHANNEL_ID);
      if (!check.ok) {
        const reason = `DIGEST_CHANNEL_ID: ${check.reason.split('. ')[0]!.replace(/\.$/, '')}`;
        logger.warn({ guildId: config.DISCORD_GUILD_ID, channelId: config.DIGEST_CHANNEL_ID, reason: check.reason }, 'the digest channel set in DIGEST_CHANNEL_ID cannot be used; the digest is paused until an admin runs /digest set');
        await engine.pauseChannel(config.DISCORD_GUILD_ID, config.DIGEST_CHANNEL_ID, reason);
      }
    }
    // The schedule starts last, once everything else is up.
    engine.start();
    if (!loaded) logger.info(archive.progress(), 'online while the archive loads: commands answer "Loading the archive…" and digests wait until it is loaded');
    // Said once the archive is loaded and watched: from then on commands answer in full and digests may go out.
    const started = archiveReady.then(() => {
      if (!closed) logger.info({ owner: engine.owner }, 'digest ticker started');
    });
    started.catch(() => undefined);
    if (deps.waitForArchive !== false) await started;
  } catch (err) {
    await stopAll().catch((closeErr: unknown) => logger.error({ err: closeErr }, 'could not close everything after a failed start'));
    throw err;
  }

  return {
    client: c,
    store,
    ctx,
    digestStore,
    engine,
    ready: archiveReady,
    stop: stopAll,
    async shutdown(graceMs: number) {
      accepting = false;
      let deadline: NodeJS.Timeout | undefined;
      // Includes the "restarting" answers given meanwhile: the set is read again until it is empty.
      const repliesDone = (async () => {
        while (owed.size > 0) await Promise.allSettled([...owed]);
      })();
      const [engineResult, replies] = await Promise.all([
        engine.shutdown(graceMs),
        Promise.race([repliesDone.then(() => true), new Promise<boolean>((r) => (deadline = setTimeout(() => r(false), graceMs)))]),
      ]);
      clearTimeout(deadline);
      await stopAll();
      return { inTime: engineResult.inTime && replies };
    },
    async kill() {
      engine.kill();
      await closeAllButEngine();
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
  const sandbox = isSandboxStart(argv, config.DISCORD_TOKEN);
  /** Stops within the shutdown deadline; false when the deadline cut something off. */
  let stop: (graceMs: number) => Promise<boolean>;
  let ending = false;
  // A bot that can no longer work (the gateway refused it for good) must not linger: supervisors restart
  // a process that exits, never one that stays up silent. Exit code 1, after closing what is open.
  const onFatal = () => {
    if (ending || !stop) return;
    ending = true;
    stop(config.SHUTDOWN_TIMEOUT_MS)
      .catch((err: unknown) => logger.error({ err }, 'could not close everything'))
      .finally(() => process.exit(1));
  };
  try {
    if (sandbox) {
      const running = await startSandboxMode({ config, logger, startBot });
      stop = () => running.stop().then(() => true);
      process.stdout.write(sandboxBanner(running.url, running.clockNote, !config.DISCORD_TOKEN));
    } else {
      // Online at once: the archive loads while the bot answers "Loading the archive…".
      const bot = await startBot({ config, logger, onFatal, waitForArchive: false });
      stop = async (graceMs) => (await bot.shutdown(graceMs)).inTime;
      // A load that fails after the login ends the process as a failed start would: said, then exit code 1.
      bot.ready.catch((err: unknown) => {
        logger.fatal({ err }, 'could not load the archive');
        process.stderr.write(`\n${describeStartupError(err)}\n`);
        onFatal();
      });
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
  // SIGTERM/SIGINT: stop taking new work, finish the message in flight and the replies owed within
  // SHUTDOWN_TIMEOUT_MS, hand the rest back, exit 0. The listeners are `once`: a second signal ends the
  // process at once, as Node does by default.
  const shutdown = (signal: string) => {
    if (ending) return;
    ending = true;
    logger.info({ signal, deadlineMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutting down: finishing the work in flight');
    stop(config.SHUTDOWN_TIMEOUT_MS)
      .then((inTime) => {
        if (inTime) logger.info({ signal }, 'shut down cleanly');
        else logger.warn({ signal, deadlineMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown deadline reached; unfinished digests were handed back to the next start');
      })
      .catch((err: unknown) => logger.error({ err }, 'could not close everything'))
      .finally(() => process.exit(0));
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
  if (e instanceof DatabaseOpenError) return e.message;
  return `Startup failed: ${e?.message ?? String(err)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dotenv = await import('dotenv');
  dotenv.config({ quiet: true });
  await run(process.argv.slice(2), process.env);
}
