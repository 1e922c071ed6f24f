/**
 * `npm run start:shards`: the bot as several processes (clusters), each holding a few shards, under a
 * discord-hybrid-sharding ClusterManager. The manager:
 *
 * 1. asks Discord for the shard count (`SHARD_COUNT=auto`) and `max_concurrency` (`GET /gateway/bot`);
 * 2. registers the slash commands once, only when they changed (the same hash check `npm start` makes);
 * 3. starts this machine's clusters (`CLUSTER_IDS`, default all), each with REGISTER_COMMANDS=false,
 *    spaced so that no two IDENTIFYs of one bucket (`shard_id % max_concurrency`) fall within Discord's
 *    5-second window, and restarts a cluster that dies;
 * 4. on SIGTERM/SIGINT stops every cluster (each finishes its work in flight) and exits.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { REST, Routes, type RESTGetAPIGatewayBotResult } from 'discord.js';
import { ClusterManager, type Cluster } from 'discord-hybrid-sharding';
import type { Logger } from 'pino';
import { commands } from '../../commands/index.ts';
import { formatConfigProblems, parseConfig, type Config } from '../config.ts';
import { openDigestStore } from '../db/open-store.ts';
import { restBase } from '../discord/client.ts';
import { registerCommandsIfChanged, retryWithBackoff } from '../discord/startup.ts';
import { createLogger, resolveLogFormat } from '../logger.ts';
import { BOT_V8_FLAGS } from '../node-flags.ts';
import { parseShardSettings, planClusters, waitBeforeCluster, type ClusterPlan } from './plan.ts';

/** The cluster entry every cluster process runs. */
const CLUSTER_FILE = fileURLToPath(new URL('./cluster.ts', import.meta.url));

/** Discord's answer to `GET /gateway/bot`: its shard recommendation and how many shards may identify at once. */
async function gatewayBot(rest: REST): Promise<{ shards: number; maxConcurrency: number }> {
  const info = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  return { shards: info.shards, maxConcurrency: info.session_start_limit.max_concurrency };
}

/** Registers the commands once for every cluster, only when their JSON changed since the last registration. */
async function registerOnce(config: Config, rest: REST, logger: Logger): Promise<void> {
  const { store } = await openDigestStore(config);
  try {
    const app = (await rest.get(Routes.currentApplication())) as { id: string };
    const result = await retryWithBackoff(() => registerCommandsIfChanged({ rest, applicationId: app.id, commands, guildId: config.DISCORD_GUILD_ID, meta: store }), {
      delaysMs: config.STARTUP_RETRY_DELAYS_MS,
      onRetry: (err, attempt, delayMs) => logger.warn({ err, attempt, delayMs }, 'registering the slash commands failed; retrying'),
    });
    const scope = config.DISCORD_GUILD_ID ? `guild ${config.DISCORD_GUILD_ID}` : 'global';
    logger.info({ commands: result.count, scope }, result.registered ? 'slash commands registered' : 'slash commands unchanged; not registered again');
  } finally {
    await store.close();
  }
}

/** A running manager: its clusters, and a clean stop. */
export interface RunningManager {
  manager: ClusterManager;
  plan: ClusterPlan[];
  shardCount: number;
  stop(): Promise<void>;
}

/** Starts the manager and this machine's clusters; resolves once every cluster is online. */
export async function startShardManager(env: NodeJS.ProcessEnv, logger: Logger, config: Config): Promise<RunningManager> {
  const parsedShards = parseShardSettings(env);
  if (!parsedShards.ok) throw new Error(formatConfigProblems(parsedShards.problems));
  const { settings } = parsedShards;
  if (!config.DISCORD_TOKEN) throw new Error('DISCORD_TOKEN is required to run shards (the sandbox runs as one process: npm start)');
  // Through the REST proxy when there is one: its requests count toward the same global limit as the bots'.
  const rest = new REST(restBase({ apiUrl: config.DISCORD_API_URL, proxyUrl: config.REST_PROXY_URL })).setToken(config.DISCORD_TOKEN);

  const gateway = await gatewayBot(rest);
  const shardCount = settings.shardCount === 'auto' ? gateway.shards : settings.shardCount;
  const plan = planClusters(shardCount, settings.shardsPerCluster, settings.clusterIds);
  logger.info({ shardCount, recommended: gateway.shards, maxConcurrency: gateway.maxConcurrency, clusters: plan.map((c) => ({ id: c.id, shards: c.shards })) }, 'starting clusters');

  await registerOnce(config, rest, logger);

  // Every cluster inherits this environment: none of them registers the commands again.
  process.env.REGISTER_COMMANDS = 'false';
  const manager = new ClusterManager(CLUSTER_FILE, {
    totalShards: shardCount,
    shardsPerClusters: settings.shardsPerCluster,
    totalClusters: Math.ceil(shardCount / settings.shardsPerCluster),
    mode: 'process',
    token: config.DISCORD_TOKEN,
    // The V8 flags of `npm start`, and the TypeScript loader, resolved here so a cluster finds it from
    // any folder. The C library's settings (`BOT_MALLOC_ENV`) come with the environment, from the start line.
    execArgv: [...BOT_V8_FLAGS, '--import', import.meta.resolve('tsx')],
    restarts: { max: 3, interval: 60 * 60_000 },
  });
  manager.shardClusterList = plan.map((c) => c.shards);
  manager.on('clusterCreate', (cluster: Cluster) => {
    cluster.on('death', () => {
      if (!stopping) logger.warn({ cluster: cluster.id }, 'cluster process exited; restarting it');
    });
  });

  let stopping = false;
  const bucketUsedAt = new Map<number, number>();
  for (const c of plan) {
    const wait = waitBeforeCluster(c.shards, gateway.maxConcurrency, bucketUsedAt, performance.now());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const cluster = manager.createCluster(c.id, c.shards, shardCount);
    // Waits until the cluster says it is online: every IDENTIFY it makes is behind us.
    await cluster.spawn(-1);
    await new Promise<void>((resolve, reject) => {
      cluster.once('ready', () => resolve());
      cluster.once('death', () => reject(new Error(`cluster ${c.id} exited before it came online`)));
    });
    const now = performance.now();
    for (const shard of c.shards) bucketUsedAt.set(shard % gateway.maxConcurrency, now);
  }
  logger.info({ clusters: plan.length, shards: plan.reduce((n, c) => n + c.shards.length, 0), of: shardCount }, 'all clusters online');

  return {
    manager,
    plan,
    shardCount,
    async stop() {
      stopping = true;
      manager.respawn = false;
      const exits = [...manager.clusters.values()].map(
        (cluster) =>
          new Promise<void>((resolve) => {
            const child = cluster.thread?.process as import('node:child_process').ChildProcess | undefined;
            if (!child || child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      );
      await Promise.all(exits);
    },
  };
}

/** The process: reads the configuration, starts the clusters, and stops them all on SIGTERM/SIGINT. */
export async function runShardManager(env: NodeJS.ProcessEnv): Promise<void> {
  const parsed = parseConfig(env);
  if (!parsed.ok) {
    process.stderr.write(formatConfigProblems(parsed.problems));
    process.exitCode = 1;
    return;
  }
  const { config } = parsed;
  const format = resolveLogFormat({ logFormat: config.LOG_FORMAT, nodeEnv: env.NODE_ENV, isTTY: process.stdout.isTTY });
  const logger = createLogger({ level: config.LOG_LEVEL, secret: config.DISCORD_TOKEN, format }).child({ role: 'shard-manager' });
  let running: RunningManager | null = null;
  let ending = false;
  const shutdown = (signal: string) => {
    if (ending) return;
    ending = true;
    logger.info({ signal }, 'stopping every cluster');
    (running ? running.stop() : Promise.resolve()).finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  try {
    running = await startShardManager(env, logger, config);
  } catch (err) {
    logger.fatal({ err }, 'could not start the clusters');
    process.stderr.write(`\nCould not start the clusters: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dotenv = await import('dotenv');
  dotenv.config({ quiet: true });
  await runShardManager(process.env);
}
