/**
 * One cluster process of `npm run start:shards`, started by the manager (`src/shards/manager.ts`): the
 * whole bot, logged in with only the shards the manager gave it (SHARD_LIST of TOTAL_SHARDS), so Discord
 * sends it only those shards' servers and their interactions. Commands are not registered here
 * (REGISTER_COMMANDS=false, set by the manager): the manager did it once for all clusters.
 */
import { ClusterClient, getInfo } from 'discord-hybrid-sharding';
import { formatConfigProblems, parseConfig } from '../config.ts';
import { createLogger, resolveLogFormat } from '../logger.ts';
import { describeStartupError, startBot, type RunningBot } from '../main.ts';

async function runCluster(env: NodeJS.ProcessEnv): Promise<void> {
  const parsed = parseConfig(env);
  if (!parsed.ok) {
    process.stderr.write(formatConfigProblems(parsed.problems));
    process.exit(1);
  }
  const { config } = parsed;
  const info = getInfo();
  const format = resolveLogFormat({ logFormat: config.LOG_FORMAT, nodeEnv: env.NODE_ENV, isTTY: process.stdout.isTTY });
  const logger = createLogger({ level: config.LOG_LEVEL, secret: config.DISCORD_TOKEN, format }).child({ cluster: info.CLUSTER });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

  let bot: RunningBot | null = null;
  let ending = false;
  const stop = (code: number) => {
    if (ending) return;
    ending = true;
    const done = bot ? bot.shutdown(config.SHUTDOWN_TIMEOUT_MS) : Promise.resolve();
    done.catch((err: unknown) => logger.error({ err }, 'could not close everything')).finally(() => process.exit(code));
  };
  // The manager stops a cluster with SIGTERM; a manager that died leaves the IPC channel closed.
  process.once('SIGTERM', () => stop(0));
  process.once('SIGINT', () => stop(0));
  process.once('disconnect', () => stop(0));

  try {
    bot = await startBot({
      config,
      logger,
      shards: { ids: info.SHARD_LIST, count: info.TOTAL_SHARDS },
      waitForArchive: false,
      onFatal: () => stop(1),
    });
  } catch (err) {
    logger.fatal({ err }, 'could not start');
    process.stderr.write(`\n${describeStartupError(err)}\n`);
    process.exit(1);
  }
  bot.ready.catch((err: unknown) => {
    logger.fatal({ err }, 'could not load the archive');
    stop(1);
  });
  logger.info({ shards: info.SHARD_LIST, totalShards: info.TOTAL_SHARDS, guilds: bot.client.guilds.cache.size, pid: process.pid }, 'cluster online');
  // Which process took which interaction (LOG_LEVEL=debug): Discord routes each to the shard of its server,
  // so across machines this shows that every process answers only its own servers.
  bot.client.on('interactionCreate', (interaction) => {
    logger.debug({ interactionId: interaction.id, guildId: interaction.guildId, shard: interaction.guild?.shardId ?? null, pid: process.pid }, 'interaction received');
  });
  // Tells the manager this cluster is online, so it can start the next one within the identify limit.
  const cluster = new ClusterClient(bot.client);
  cluster.triggerReady();
}

await runCluster(process.env);
