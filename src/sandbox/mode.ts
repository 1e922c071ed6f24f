import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { DEFAULT_EVERYONE, THREAD_AND_FILE_PERMISSIONS } from '../discord-sandbox/permissions.ts';
import { startDiscordSandbox } from '../discord-sandbox/server.ts';
import type { BotDeps, RunningBot } from '../main.ts';
import { startSandboxWeb } from './web.ts';

/** How the sandbox starts the real bot: `startBot` from `src/main.ts`. */
export type StartBot = (deps: BotDeps) => Promise<RunningBot>;

/** A clock that can be moved forward or back while it keeps ticking. */
function shiftableClock() {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), shiftTo: (instant: Date) => void (offset = instant.getTime() - Date.now()) };
}

/**
 * Sandbox mode: the loopback Discord server, the real bot logged into it, and the web page that
 * shows the channels. Only the Discord endpoint differs from production. The bot is started with
 * `startBot` from `src/main.ts`, passed in so the composition root stays the one place that wires it.
 */
export async function startSandboxMode(options: { config: Config; logger: Logger; startBot: StartBot; port?: number; host?: string }) {
  const { config, logger, startBot } = options;
  const sandbox = await startDiscordSandbox({ guilds: [{ name: 'Sandbox', channels: ['news', 'digest'] }] });
  const guildId = sandbox.guilds[0]!.id;
  // As in a fresh Discord server, members (the bot included) may attach files and start threads: the
  // digest then shows its chart and puts the full list in a thread.
  sandbox.setEveryonePermissions(guildId, DEFAULT_EVERYONE | THREAD_AND_FILE_PERMISSIONS);
  const clock = shiftableClock();
  let bot: RunningBot | null = null;
  let web: Awaited<ReturnType<typeof startSandboxWeb>> | null = null;
  try {
    web = await startSandboxWeb({
      sandbox,
      port: options.port ?? config.SANDBOX_PORT,
      host: options.host,
      async postDigest() {
        if (!bot) return { status: 'failed', messages: 0, articles: 0, error: 'The bot is still starting.' };
        const { digests } = bot.ctx;
        const sub = await digests.subscription(guildId);
        if (!sub?.enabled || sub.pausedReason) {
          await digests.setSubscription({ guildId, channelId: sandbox.channel('digest').id, time: config.DIGEST_TIME, timezone: config.DIGEST_TIMEZONE, topics: null });
        }
        // The same delivery a due slot gets, claimed as a send-now.
        const r = await digests.sendNow(guildId);
        if (!r) return { status: 'failed', messages: 0, articles: 0, error: 'A digest is already being posted.' };
        return { status: r.status, messages: r.messageIds.length, articles: r.articles, ...(r.error ? { error: r.error } : {}) };
      },
    });
    bot = await startBot({
      config: { ...config, DISCORD_TOKEN: sandbox.token, DISCORD_API_URL: sandbox.apiUrl, DISCORD_GUILD_ID: guildId, DATABASE_PATH: ':memory:', DATABASE_URL: undefined },
      logger,
      clock,
    });
  } catch (err) {
    await bot?.stop();
    await web?.close();
    await sandbox.close();
    throw err;
  }
  // Sample articles have fixed dates: run the sandbox's clock from the morning after the newest one,
  // so "today" and the first digest show them whatever the real date is.
  const newest = bot.store.all()[0];
  let clockNote = '';
  if (newest && Date.now() - newest.publishedAt.getTime() > 60 * 60 * 1000) {
    clock.shiftTo(new Date(newest.publishedAt.getTime() + 60 * 60 * 1000));
    clockNote = `The sandbox clock starts at ${clock.now().toISOString().slice(0, 16).replace('T', ' ')} UTC, just after the newest article, so today's digest has news in it.`;
  }
  const running = bot;
  const page = web;
  return {
    url: page.url,
    sandbox,
    bot: running,
    clockNote,
    async stop() {
      await running.stop();
      await page.close();
      await sandbox.close();
    },
  };
}

/** What the console says when the sandbox is up. */
export function sandboxBanner(url: string, clockNote: string, noToken: boolean): string {
  return [
    '',
    '  News digest bot — local sandbox',
    '',
    `  ➜  Open ${url}`,
    '',
    '  This is a local sandbox: a Discord-like server on this machine with the real bot logged in.',
    '  Nothing is sent to Discord. Try /news search musk, /news impact, /digest set, or "Post digest now".',
    ...(clockNote ? [`  ${clockNote}`] : []),
    noToken
      ? '  To connect to real Discord, put DISCORD_TOKEN in .env (README: "Connecting to Discord") and run npm start again.'
      : '  DISCORD_TOKEN is set: run npm start without --sandbox to connect to real Discord.',
    '',
    '',
  ].join('\n');
}
