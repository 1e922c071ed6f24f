import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { parseConfig, type Config } from '../../src/config.ts';
import { startDiscordSandbox, type DiscordSandbox, type SandboxOptions } from '../../src/discord-sandbox/server.ts';
import { createLogger } from '../../src/logger.ts';
import { startBot, type BotDeps, type RunningBot } from '../../src/main.ts';
import { NONCE_TRUST_MS } from '../../src/scheduler/deliver.ts';
import { aggregatorArticle, tempDir } from './temp-dir.ts';

/** Engine timings for tests: the ticker's own timer never fires during a test (tests call `tick()`), and retries are quick. */
export const TEST_ENGINE: NonNullable<BotDeps['engine']> = { tickMs: 3_600_000 };

/** A clock tests move by hand. */
export function manualClock(start: string) {
  let now = new Date(start).getTime();
  return { now: () => new Date(now), set: (iso: string) => void (now = new Date(iso).getTime()), advance: (ms: number) => void (now += ms) };
}

/** Log lines captured as parsed JSON. */
export function captureLogs() {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { lines, raw, destination };
}

/** Musk stories enough for two search pages, plus others on several topics, sentiments and days. */
export const BOT_ARTICLES: Record<string, string> = {
  'musk/one.md': aggregatorArticle({ title: 'Musk launches a payments app', date: '2026-11-21T08:00:00Z', topics: ['PAYMENTS'], sentiment: 'POSITIVE' }),
  'musk/two.md': aggregatorArticle({ title: 'Musk sued over token promotion', date: '2026-11-21T09:00:00Z', topics: ['LEGAL'], sentiment: 'NEGATIVE' }),
  'musk/three.md': aggregatorArticle({ title: 'Musk talks AI safety on stage', date: '2026-11-21T10:00:00Z', topics: ['ARTIFICIAL INTELLIGENCE'], sentiment: 'NEUTRAL' }),
  'musk/four.md': aggregatorArticle({ title: 'Musk company buys more bitcoin', date: '2026-11-20T11:00:00Z', topics: ['BITCOIN'], sentiment: 'POSITIVE' }),
  'musk/five.md': aggregatorArticle({ title: 'Musk meme lifts dogecoin', date: '2026-11-20T12:00:00Z', topics: ['MEMECOINS'], sentiment: 'POSITIVE' }),
  'musk/six.md': aggregatorArticle({ title: 'Musk denies crypto rumour', date: '2026-11-19T13:00:00Z', topics: ['PAYMENTS'], sentiment: 'NEGATIVE' }),
  'musk/seven.md': aggregatorArticle({ title: 'Musk @everyone post draws attention', date: '2026-11-19T14:00:00Z', topics: ['MARKETS'], sentiment: 'NEUTRAL' }),
  'impact/eth.md': [
    '---',
    'title: Ethereum upgrade ships on time',
    "description: 'Developers shipped the upgrade.'",
    "publishedAt: '2026-11-21T11:30:00Z'",
    "externalId: 'e1'",
    'source: { name: Ledger Wire }',
    'tags: [ETH]',
    'sentiment: POSITIVE',
    '---',
    '## Impact on the crypto market',
    '',
    '- Lower fees could attract users.',
    '- Staking demand may rise.',
    '',
  ].join('\n'),
};

/** The loopback Discord, a content folder, a SQLite file, and the real bot wired to them. */
export async function startBotHarness(
  options: { articles?: Record<string, string>; sandbox?: SandboxOptions; clock?: ReturnType<typeof manualClock>; watch?: boolean; engine?: BotDeps['engine']; backoffMs?: readonly number[] } = {},
) {
  const dir = await tempDir('news-bot-e2e-');
  for (const [file, text] of Object.entries(options.articles ?? BOT_ARTICLES)) await dir.write(`content/${file}`, text);
  const sandbox = await startDiscordSandbox(options.sandbox);
  const clock = options.clock ?? manualClock('2026-11-21T18:00:00Z');
  const logs = captureLogs();
  const guildId = sandbox.guilds[0]!.id;
  const parsed = parseConfig({
    DISCORD_TOKEN: sandbox.token,
    DISCORD_API_URL: sandbox.apiUrl,
    DISCORD_GUILD_ID: guildId,
    CONTENT_DIR: `${dir.root}/content`,
    DATABASE_PATH: `${dir.root}/data/bot.sqlite`,
    LOG_LEVEL: 'debug',
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const config: Config = parsed.config;
  const logger: Logger = createLogger({ level: 'debug', secret: config.DISCORD_TOKEN, destination: logs.destination });
  const start = (overrides: Partial<Config> = {}) =>
    startBot({ config: { ...config, ...overrides }, logger, clock, engine: { ...TEST_ENGINE, ...options.engine }, backoffMs: options.backoffMs ?? [5, 10], restRetries: 0, watch: options.watch ?? false });
  let bot: RunningBot | null = await start();
  const extra: RunningBot[] = [];
  return {
    sandbox,
    clock,
    logs,
    config,
    guildId,
    dir,
    get bot() {
      return bot!;
    },
    /** Claims and delivers what is due at the clock's time; resolves when those deliveries are done. */
    tick: () => bot!.engine.tick(),
    channel: (name: string) => sandbox.channel(name),
    /** Stops the bot (as a crash or redeploy would) and starts a fresh one on the same database. */
    async restart() {
      await bot?.stop();
      bot = await start();
      return bot;
    },
    async stopBot() {
      await bot?.stop();
      bot = null;
    },
    /** Kills the bot as a crash would: nothing more is written or sent, its claims wait for their lease. */
    async kill() {
      await bot?.kill();
      bot = null;
    },
    /** Starts the bot again after `stopBot` or `kill`. */
    async startAgain() {
      bot = await start();
      return bot;
    },
    /**
     * Starts the bot again after a `kill`, once Discord has forgotten its nonces and the bot no longer trusts them
     * (a minute past `NONCE_TRUST_MS`, which is also past the dead process's lease): it must read history to know.
     */
    async startAfterNonceWindow() {
      sandbox.expireNonces();
      clock.advance(NONCE_TRUST_MS + 60_000);
      bot = await start();
      return bot;
    },
    /** Another bot process on the same token: the same database unless `DATABASE_PATH` says otherwise. Closed with the harness. */
    async startAnother(overrides: Partial<Config> = {}) {
      const other = await start(overrides);
      extra.push(other);
      return other;
    },
    async close() {
      for (const other of extra) await other.stop();
      await bot?.stop();
      await sandbox.close();
      await dir.cleanup();
    },
  };
}

export type BotHarness = Awaited<ReturnType<typeof startBotHarness>>;
export type { DiscordSandbox };
