/**
 * `npm run rest-proxy`: the one REST rate limiter of a bot that runs as several processes. Every bot
 * process started with `REST_PROXY_URL` pointing here sends its REST requests (command replies,
 * digests, registration) through this process, which holds the bot's global limit for all of them.
 *
 * Environment: `REST_PROXY_PORT` (default 8080), `REST_PROXY_HOST` (default 127.0.0.1; `0.0.0.0` to
 * serve other machines on a private network), `DISCORD_API_URL` (the upstream; default Discord's),
 * `REST_PROXY_GLOBAL_PER_SECOND` (default 48; raise it only if Discord granted the bot a larger global
 * limit), `LOG_LEVEL`, `LOG_FORMAT`. The proxy holds no token: it forwards each caller's own.
 */
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { createLogger, resolveLogFormat } from '../logger.ts';
import { DEFAULT_PROXY_GLOBAL_PER_SECOND, startRestProxy } from './rest-proxy.ts';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The proxy's own environment, checked at start with every problem listed. */
const proxyEnv = z.object({
  REST_PROXY_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(8080)),
  REST_PROXY_HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  REST_PROXY_GLOBAL_PER_SECOND: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(100_000).default(DEFAULT_PROXY_GLOBAL_PER_SECOND)),
  DISCORD_API_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://discord.com/api' }).optional()),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  LOG_FORMAT: z.preprocess(emptyToUndefined, z.enum(['json', 'pretty']).optional()),
});

/** Reads the environment, starts the proxy, and closes it on SIGTERM/SIGINT. */
export async function runRestProxy(env: NodeJS.ProcessEnv): Promise<void> {
  const parsed = proxyEnv.safeParse(env);
  if (!parsed.success) {
    process.stderr.write(`Configuration problems:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}\n`);
    process.exitCode = 1;
    return;
  }
  const config = parsed.data;
  const format = resolveLogFormat({ logFormat: config.LOG_FORMAT, nodeEnv: env.NODE_ENV, isTTY: process.stdout.isTTY });
  const logger = createLogger({ level: config.LOG_LEVEL, format }).child({ role: 'rest-proxy' });
  let proxy;
  try {
    proxy = await startRestProxy({
      upstream: config.DISCORD_API_URL,
      globalPerSecond: config.REST_PROXY_GLOBAL_PER_SECOND,
      host: config.REST_PROXY_HOST,
      port: config.REST_PROXY_PORT,
      onError: (err, request) => logger.error({ err, ...request }, 'REST proxy: a request failed in the proxy; it was ended'),
    });
  } catch (err) {
    logger.fatal({ err }, 'could not start the REST proxy');
    process.stderr.write(`\nCould not listen on ${config.REST_PROXY_HOST}:${config.REST_PROXY_PORT}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  logger.info({ url: proxy.url, upstream: config.DISCORD_API_URL ?? 'https://discord.com/api', globalPerSecond: config.REST_PROXY_GLOBAL_PER_SECOND, pid: process.pid }, 'REST proxy listening');
  const stop = (signal: string) => {
    logger.info({ signal, ...proxy.stats() }, 'REST proxy stopping');
    void proxy.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dotenv = await import('dotenv');
  dotenv.config({ quiet: true });
  await runRestProxy(process.env);
}
