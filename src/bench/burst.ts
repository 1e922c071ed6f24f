/**
 * `npm run bench -- --burst N`: N servers whose daily digest falls due in the same second, delivered
 * by the real bot process (`npm start`'s own command line) over the loopback Discord, while a user
 * keeps running `/news latest`. The loopback server runs here, never in the bot's process; the bot
 * reports its event-loop delay and memory through its own `health` log records.
 *
 * What is measured, and against what:
 * - delivered / partial / skipped / duplicated, counted from the messages the loopback recorded in
 *   each channel (every part of a digest carries a marker derived from its channel, slot and part);
 * - the time from the slot to the last digest out, next to what the global limit allows (requests / 50 s)
 *   and to a plain process (no bot code) posting the same number of messages, measured in this run;
 * - the bot's longest event-loop delay and its memory during the burst;
 * - command reply latency (interaction dispatched → callback received at the loopback), p50/p99/max,
 *   during the burst and, for comparison, while idle just before it;
 * - global and per-route 429s from the loopback's counters.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ArticleStore } from '../content/store.ts';
import { openDatabase } from '../db/database.ts';
import { createSqliteDigestStore } from '../db/sqlite-digest-store.ts';
import type { DigestStore } from '../db/digest-store.ts';
import { composeDigest } from '../digest/compose.ts';
import { startDiscordSandbox, type DiscordSandbox, type SandboxStats } from '../discord-sandbox/server.ts';
import { loadContentDir } from '../files/content-files.ts';
import { partMarker } from '../payload/message-identity.ts';
import { renderDigest } from '../render/digest.ts';
import { rng, wordSampler } from './corpus.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Discord's global limit: requests a second per bot token (interaction answers excepted). */
const GLOBAL_PER_SECOND = 50;
const DAY_MS = 86_400_000;

/** What to run. */
export interface BurstOptions {
  /** Servers, each with one digest channel, all due at the same instant. */
  servers: number;
  /** Articles published over the day the digest covers. */
  articlesPerDay?: number;
  /** Run the plain-process floor first (default true). */
  floor?: boolean;
  /** How long after the bot is online (and the subscriptions are set) the slot falls due. */
  leadMs?: number;
  /** One `/news latest` every this many ms during the burst. */
  commandEveryMs?: number;
  /** Health records from the bot every this many ms. */
  metricsIntervalMs?: number;
  /** Write a CPU profile of the bot process into this folder (adds `--cpu-prof` to its command line). */
  profileDir?: string;
  /** Extra node flags for the bot process (e.g. `--trace-gc`), put before `npm start`'s own; the report says so. */
  nodeFlags?: string[];
  /** Keep the work folder (content, database, bot log) instead of deleting it. */
  keep?: boolean;
  log?: (line: string) => void;
}

/** Latency figures in ms; `failed` replies (none within 5 s) count as 5 s in the percentiles. */
export interface LatencySummary {
  count: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Everything the run measured. */
export interface BurstResult {
  servers: number;
  /** The machine's 1-minute load average when the burst started and when it ended (2 cores shared). */
  loadAverage: { atSlot: number; atEnd: number };
  partsPerDigest: number;
  requests: number;
  realProcess: { command: string; pid: number };
  startupMs: number;
  seedMs: { beforeStart: number; slot: number };
  delivered: number;
  partial: number;
  skipped: number;
  duplicated: number;
  /** Digest messages the bot posted that match no expected part (another slot, a stray resend). */
  unexpected: number;
  storeStatuses: Record<string, number>;
  slotToLastOutMs: number | null;
  globalLimitMs: number;
  floor: { ms: number; posted: number; failed: number; rateLimited: SandboxStats['rateLimited'] } | null;
  /** The bot's longest event-loop delay (from its health records), and the bench process's own during the burst. */
  eventLoop: { burstMaxMs: number | null; startupMaxMs: number | null; records: number; benchProcessMaxMs: number };
  rss: { burstMaxMb: number | null; atOnlineMb: number | null };
  commands: { burst: LatencySummary; idle: LatencySummary };
  rateLimited: SandboxStats['rateLimited'];
  invalid: SandboxStats['invalid'];
  goals: Array<{ goal: string; value: string; pass: boolean }>;
}

/** Thrown when the run cannot finish: a deadline passed or the bot died. The bot is killed first. */
export class BurstAbort extends Error {}

interface HealthRecord {
  at: number;
  eventLoopDelayMaxMs: number;
  rssMb: number;
  intervalMs: number;
}

/** The p-th percentile of an ascending list (0 when empty). */
export const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
/** A reply not received within this long counts as failed, and as this long in the percentiles. */
export const REPLY_TIMEOUT_MS = 5000;

/** p50/p99/max of latency samples, counting each failed reply as `REPLY_TIMEOUT_MS`. */
export function summarise(samples: number[], failed: number): LatencySummary {
  const all = [...samples, ...Array.from({ length: failed }, () => REPLY_TIMEOUT_MS)].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { count: all.length, failed, p50Ms: r(percentile(all, 50)), p99Ms: r(percentile(all, 99)), maxMs: r(all.at(-1) ?? 0) };
}

/**
 * A package.json script as this very Node binary would run it: its leading `NAME=value` words (the
 * environment the shell gives the process: npm runs the line in one) and the arguments after `node`.
 */
export async function npmScript(script: string): Promise<{ args: string[]; env: Record<string, string>; text: string }> {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const text = pkg.scripts[script];
  if (!text) throw new Error(`package.json has no "${script}" script`);
  const words = text.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) {
    const [name, ...value] = words.shift()!.split('=');
    env[name!] = value.join('=');
  }
  if (words[0] !== 'node') throw new Error(`package.json's "${script}" script no longer starts with node: "${text}"`);
  return { args: words.slice(1), env, text };
}

/** The `npm start` command line from package.json (see `npmScript`). */
export function startCommand(): Promise<{ args: string[]; env: Record<string, string>; text: string }> {
  return npmScript('start');
}

/** A day of articles before `now`, spread evenly over the last 20 hours, both front-matter schemas. */
export async function writeContent(dir: string, count: number, now: number): Promise<void> {
  const rand = rng(7);
  const word = wordSampler(rand);
  const words = (n: number) => Array.from({ length: n }, word).join(' ');
  const topics = ['BITCOIN', 'ETHEREUM', 'REGULATION', 'DEFI', 'AI', 'MARKETS', 'SECURITY'];
  const sentiments = ['POSITIVE', 'NEGATIVE', 'NEUTRAL'];
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const published = new Date(now - ((i + 1) * 20 * 3_600_000) / (count + 1)).toISOString();
    const title = `${words(7)} ${i}`.replace(/^./, (c) => c.toUpperCase());
    const summary = `${words(18)}.`;
    const topic = topics[i % topics.length]!;
    const text =
      i % 2 === 0
        ? `---\ntitle: '${title}'\ndescription: '${summary}'\npublishedAt: '${published}'\nexternalId: 'burst-${i}'\nsource: { name: Ledger Wire, key: ledger-wire, type: RSS }\ncategory: ${topic}\ntags: [${topic}]\nsentiment: ${sentiments[i % 3]}\nscore: ${i % 20}\ndraft: false\n---\n## Overview\n\n${words(60)}.\n\n## Impact on the crypto market\n\n- ${words(12)}.\n- ${words(12)}.\n`
        : `---\ntitle: "${title}"\nexcerpt: "${summary}"\npublishedDateTime: ${published}\nwebUrl: "https://news.example.com/burst/${i}"\nquality: ${(i * 7) % 100}\nheat: ${(i * 13) % 100}\npublished: true\nprovider: { name: Market Pulse, domain: example.com }\ntopics: [${topic}]\n---\n`;
    await writeFile(join(dir, `burst-${String(i).padStart(3, '0')}.md`), text);
  }
}

/** How many messages one digest of the period takes, rendered as the bot renders it. */
export async function partsPerDigest(contentDir: string, slot: Date): Promise<number> {
  const store = new ArticleStore();
  await loadContentDir(contentDir, store);
  const from = new Date(slot.getTime() - DAY_MS);
  const digest = composeDigest(store.query({ from, to: slot }), { from, to: slot, timezone: 'UTC', topics: null });
  return renderDigest(digest, { title: 'Daily digest' }).length;
}

const hhmm = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;

/** Sets every server's digest to fall due at `slot`, through the store the bot itself uses. */
async function seed(store: DigestStore, subs: Array<{ guildId: string; channelId: string }>, slot: Date): Promise<number> {
  const t = performance.now();
  const now = new Date();
  for (const s of subs) await store.upsertSubscription({ ...s, time: hhmm(slot), timezone: 'UTC', topics: null, nextDueAt: slot }, now);
  return Math.round(performance.now() - t);
}

const diffStats = (a: SandboxStats, b: SandboxStats): SandboxStats => ({
  rateLimited: { global: b.rateLimited.global - a.rateLimited.global, route: b.rateLimited.route - a.rateLimited.route, scripted: b.rateLimited.scripted - a.rateLimited.scripted },
  invalid: { 401: b.invalid[401] - a.invalid[401], 403: b.invalid[403] - a.invalid[403], 429: b.invalid[429] - a.invalid[429] },
});

/** Runs the floor process: plain posts of `perChannel` messages to every channel, at the global limit. */
async function runFloor(sandbox: DiscordSandbox, channels: string[], perChannel: number, dir: string, deadlineMs: number) {
  const file = join(dir, 'floor-channels.json');
  await writeFile(file, JSON.stringify(channels));
  const before = sandbox.stats();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/bench/burst-floor.ts'), file], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', BENCH_API_URL: sandbox.apiUrl, BENCH_TOKEN: sandbox.token, BENCH_PER_CHANNEL: String(perChannel) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += String(c)));
  child.stderr.on('data', (c) => (err += String(c)));
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  if (code !== 0) throw new BurstAbort(`the floor process ${signal === 'SIGKILL' ? `did not finish within ${Math.round(deadlineMs / 1000)} s` : `exited with ${code ?? signal}`}: ${err.trim().slice(-500)}`);
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as { ms: number; posted: number; failed: number };
  return { ...r, rateLimited: diffStats(before, sandbox.stats()).rateLimited };
}

/** The bot process, with what its log says. */
export interface BotProcess {
  child: ChildProcess;
  health: HealthRecord[];
  /** Engine outcomes (`digest delivered`, `digest paused`…) by status. */
  outcomes: Map<string, number>;
  online: Promise<number>;
  exited: Promise<{ code: number | null; signal: string | null }>;
  stderrTail(): string;
  kill(): void;
}

/**
 * Spawns the bot with `args` (from `startCommand`), copying its output to `logFile` and reading its JSON
 * log lines as they come; `onRecord` sees every parsed line.
 */
export function startBotProcess(args: string[], env: NodeJS.ProcessEnv, logFile: string, onRecord?: (rec: Record<string, unknown>) => void): BotProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile);
  const health: HealthRecord[] = [];
  const outcomes = new Map<string, number>();
  let stderr = '';
  let resolveOnline!: (t: number) => void;
  const online = new Promise<number>((r) => (resolveOnline = r));
  // Read every line as it comes: a pipe on Linux is written synchronously, so a slow reader would slow the bot.
  createInterface({ input: child.stdout! }).on('line', (line) => {
    log.write(`${line}\n`);
    if (!line.startsWith('{')) return;
    let rec: { msg?: string; eventLoopDelayMaxMs?: number; rssMb?: number; intervalMs?: number };
    try {
      rec = JSON.parse(line);
    } catch {
      return;
    }
    onRecord?.(rec);
    if (rec.msg === 'health') health.push({ at: Date.now(), eventLoopDelayMaxMs: rec.eventLoopDelayMaxMs ?? 0, rssMb: rec.rssMb ?? 0, intervalMs: rec.intervalMs ?? 0 });
    else if (rec.msg === 'digests scheduled' || rec.msg === 'digest ticker started') resolveOnline(Date.now());
    else if (rec.msg?.startsWith('digest ')) outcomes.set(rec.msg.slice(7), (outcomes.get(rec.msg.slice(7)) ?? 0) + 1);
  });
  child.stderr!.on('data', (c) => {
    stderr = (stderr + String(c)).slice(-4000);
    log.write(c);
  });
  const exited = once(child, 'exit').then(([code, signal]) => {
    log.end();
    return { code: code as number | null, signal: signal as string | null };
  });
  return {
    child,
    health,
    outcomes,
    online,
    exited,
    stderrTail: () => stderr.trim().split('\n').slice(-15).join('\n'),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Races `p` against a deadline and the bot's death; either one aborts the run. */
export async function within<T>(p: Promise<T>, ms: number, what: string, bot: BotProcess | null): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BurstAbort(`${what}: not done within ${Math.round(ms / 1000)} s`)), ms);
  });
  const death = bot
    ? bot.exited.then(({ code, signal }) => {
        throw new BurstAbort(`${what}: the bot process exited (${code ?? signal}) — last stderr:\n${bot.stderrTail()}`);
      })
    : new Promise<never>(() => undefined);
  try {
    return await Promise.race([p, deadline, death]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `done` every 50 ms until it holds, within a deadline and while the bot lives. */
export async function until(done: () => boolean, ms: number, what: string, bot: BotProcess | null): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await within(
      new Promise<void>((resolve) => {
        timer = setInterval(() => done() && resolve(), 50);
      }),
      ms,
      what,
      bot,
    );
  } finally {
    clearInterval(timer);
  }
}

/** Sends `/news latest` every `everyMs` until stopped; each reply's latency is measured at the loopback. */
function commandLoad(sandbox: DiscordSandbox, channelId: string, everyMs: number) {
  const samples: number[] = [];
  let failed = 0;
  const pending = new Set<Promise<void>>();
  const fire = () => {
    const t0 = performance.now();
    const h = sandbox.runCommand({ name: 'news', subcommand: 'latest', channelId });
    const p = h
      .waitFor((x) => x.responses.some((r) => r.kind === 'callback') && performance.now(), REPLY_TIMEOUT_MS)
      .then((t1) => void samples.push(t1 - t0))
      .catch(() => void failed++)
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  const timer = setInterval(fire, everyMs);
  fire();
  return {
    /** Stops sending, without waiting for replies still due (the run is being abandoned). */
    cancel: () => clearInterval(timer),
    async stop(): Promise<LatencySummary> {
      clearInterval(timer);
      await Promise.all([...pending]);
      return summarise(samples, failed);
    },
  };
}

/** Runs the whole benchmark; the bot process is always gone when it returns or throws. */
export async function runBurst(options: BurstOptions): Promise<BurstResult> {
  const n = options.servers;
  const began = performance.now();
  const log = options.log ?? ((s: string) => process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${s}\n`));
  const metricsIntervalMs = options.metricsIntervalMs ?? 1000;
  const leadMs = options.leadMs ?? 12_000;
  const dir = await mkdtemp(join(tmpdir(), 'news-bench-burst-'));
  const contentDir = join(dir, 'content');
  const dbPath = join(dir, 'bot.sqlite');
  let sandbox: DiscordSandbox | null = null;
  let bot: BotProcess | null = null;
  let store: DigestStore | null = null;
  const loads: Array<ReturnType<typeof commandLoad>> = [];
  try {
    // 1. The loopback Discord, here: one server for the user's commands, N servers with a digest channel.
    // The loopback enforces Discord's sharding rules: past 2,500 servers the bot runs the shards
    // /gateway/bot recommends, all in its one process (discord.js `shards: 'auto'`).
    sandbox = await startDiscordSandbox({ guilds: [{ name: 'Bench ops', channels: ['commands'] }] });
    const opsChannel = sandbox.channel('commands').id;
    const guilds = sandbox.addGuilds(n, { namePrefix: 'Bench', channel: 'digest' });
    const subs = guilds.map((g) => ({ guildId: g.id, channelId: g.channels[0]!.id }));
    await writeContent(contentDir, options.articlesPerDay ?? 20, Date.now());

    // 2. The floor: a plain process posting as many messages as the digests will take, at the global limit.
    const estimatedParts = await partsPerDigest(contentDir, new Date(Date.now() + leadMs));
    const requests = n * estimatedParts;
    const globalLimitMs = Math.round((requests / GLOBAL_PER_SECOND) * 1000);
    let floor: BurstResult['floor'] = null;
    if (options.floor !== false) {
      log(`Floor: a plain process posting ${requests.toLocaleString('en')} messages at the global limit (≥ ${(globalLimitMs / 1000).toFixed(0)} s)…`);
      floor = await runFloor(sandbox, subs.map((s) => s.channelId), estimatedParts, dir, globalLimitMs * 3 + 30_000);
      log(`  ${floor.posted} posted in ${(floor.ms / 1000).toFixed(1)} s`);
    }

    // 3. The database the bot will open, written through the bot's own store: every server subscribed.
    const db = openDatabase(dbPath);
    // Only this seeding connection skips the fsync per write; the bot's own connection is unchanged.
    db.pragma('synchronous = OFF');
    store = createSqliteDigestStore(db);
    const parked = new Date(Date.now() + DAY_MS / 2);
    const seedBeforeMs = await seed(store, subs, parked);
    log(`Seeded ${n.toLocaleString('en')} subscriptions in ${seedBeforeMs} ms`);

    // 4. The real process, exactly as `npm start` starts it.
    const start = await startCommand();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...start.env,
      DISCORD_TOKEN: sandbox.token,
      DISCORD_API_URL: sandbox.apiUrl,
      DATABASE_PATH: dbPath,
      CONTENT_DIR: contentDir,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      METRICS_INTERVAL_MS: String(metricsIntervalMs),
      // Set empty so a developer's .env cannot fill them in: commands register globally, no default digest.
      DISCORD_GUILD_ID: '',
      DIGEST_CHANNEL_ID: '',
      TOPIC_ALIASES: '',
    };
    const extra = [...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : []), ...(options.nodeFlags ?? [])];
    const args = [...extra, ...start.args];
    if (extra.length > 0) start.text = `${start.text} (with ${extra.join(' ')})`;
    log(`Starting the bot: ${start.text}`);
    const t0 = Date.now();
    // Online: the bot says its schedule runs, or the loopback sees the global command registration that
    // comes right before it (whichever first, so a reworded log line cannot stall the run).
    const registered = new Promise<number>((resolve) => {
      const onCommands = ({ guildId }: { guildId: string | null }) => {
        if (guildId !== null) return;
        sandbox!.events.off('commands', onCommands);
        resolve(Date.now());
      };
      sandbox!.events.on('commands', onCommands);
    });
    bot = startBotProcess(args, env, join(dir, 'bot.log'));
    const onlineAt = await within(Promise.race([bot.online, registered]), 60_000 + n * 10, 'bot start-up', bot);
    const startupMs = onlineAt - t0;
    log(`  online in ${(startupMs / 1000).toFixed(1)} s (pid ${bot.child.pid})`);

    // 5. The slot: everyone due at the same instant, a few seconds from now, by the real clock.
    const slot = new Date(Date.now() + leadMs);
    const slotSeedMs = await within(seed(store, subs, slot), leadMs - 2000, 'setting the slot', bot);
    const parts = await partsPerDigest(contentDir, slot);
    const slotIso = slot.toISOString();
    const expected = new Map(subs.map((s) => [s.channelId, Array.from({ length: parts }, (_, p) => partMarker(s.channelId, slotIso, p))]));
    log(`All ${n.toLocaleString('en')} due at ${slotIso} (set in ${slotSeedMs} ms); ${parts} message(s) per digest`);

    // Every digest message the loopback stores, timed as it arrives.
    const seen = new Set<string>();
    let lastOutAt = 0;
    let lastProgressAt = Date.now();
    sandbox.events.on('message', ({ kind, message }) => {
      if (kind !== 'create' || message.interaction || !message.content.includes('\n-# ref ')) return;
      const key = `${message.channel_id}|${message.content.slice(message.content.lastIndexOf('-# ref '))}`;
      if (!seen.has(key)) seen.add(key);
      lastOutAt = Date.now();
      lastProgressAt = lastOutAt;
    });

    // 6. Idle reply latency first, then the burst with commands running through it.
    const everyMs = options.commandEveryMs ?? 150;
    const idleLoad = commandLoad(sandbox, opsChannel, everyMs);
    loads.push(idleLoad);
    await until(() => Date.now() >= slot.getTime() - 1000, leadMs + 5000, 'waiting for the slot', bot);
    const idle = await idleLoad.stop();
    await until(() => Date.now() >= slot.getTime(), 5000, 'waiting for the slot', bot);
    const loadAtSlot = loadavg()[0]!;
    log(`Slot reached: digests going out, /news latest every ${everyMs} ms… (load average ${loadAtSlot.toFixed(1)})`);
    const burstLoad = commandLoad(sandbox, opsChannel, everyMs);
    loads.push(burstLoad);
    // This process's own loop: a late loopback would show up as slow replies that are not the bot's.
    const ownLoop = monitorEventLoopDelay({ resolution: 10 });
    ownLoop.enable();
    const wanted = n * parts;
    const outcomesDone = () => [...bot!.outcomes.entries()].filter(([k]) => k !== 'retrying' && k !== 'lost').reduce((s, [, v]) => s + v, 0);
    const burstDeadlineMs = Math.max(60_000, globalLimitMs * 3);
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    let nextProgressLog = Date.now() + 10_000;
    try {
      await within(
        new Promise<void>((resolve) => {
          timer = setInterval(() => {
            if (Date.now() >= nextProgressLog) {
              nextProgressLog += 10_000;
              log(`  ${seen.size.toLocaleString('en')} / ${wanted.toLocaleString('en')} digest messages out`);
            }
            if (seen.size >= wanted || outcomesDone() >= n) resolve();
            else if (Date.now() > slot.getTime() + 20_000 && Date.now() - lastProgressAt > 30_000) {
              // Nothing for 30 s: whatever is missing is not coming; report it rather than wait out the deadline.
              stalled = true;
              resolve();
            }
          }, 100);
        }),
        burstDeadlineMs,
        `delivering ${n.toLocaleString('en')} digests`,
        bot,
      );
    } finally {
      clearInterval(timer);
    }
    if (stalled) log('  no digest for 30 s: stopping here');
    // Two more health intervals, so the record covering the last digest has arrived.
    const healthCount = bot.health.length;
    await until(() => bot!.health.length >= healthCount + 2, metricsIntervalMs * 4 + 5000, 'the last health records', bot);
    const burst = await burstLoad.stop();
    ownLoop.disable();
    const benchLoopMaxMs = Math.round(Math.max(0, ownLoop.max / 1e6 - 10));

    // 7. Stop the bot as an operator would (SIGTERM); a bot that does not stop is killed.
    bot.child.kill('SIGTERM');
    log('Stopping the bot (SIGTERM)…');
    const exit = await Promise.race([bot.exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000).unref())]);
    if (!exit) {
      bot.kill();
      log('  the bot did not stop within 15 s of SIGTERM: killed');
    } else log(`  stopped (${exit.code ?? exit.signal})`);

    // 8. Count per channel from what the loopback recorded.
    const { delivered, partial, skipped, duplicated, unexpected } = countDeliveries(sandbox, subs, (channelId) => expected.get(channelId)!);
    const storeStatuses: Record<string, number> = {};
    for (const s of subs) {
      const rows = (await store.listDeliveries(s.guildId)).filter((d) => d.slot === slotIso);
      const key = rows.length === 0 ? 'none' : rows.map((d) => d.status).join('+');
      storeStatuses[key] = (storeStatuses[key] ?? 0) + 1;
    }

    const slotAt = slot.getTime();
    const endAt = lastOutAt || Date.now();
    const inBurst = bot.health.filter((h) => h.at >= slotAt && h.at - h.intervalMs <= endAt + metricsIntervalMs);
    const beforeBurst = bot.health.filter((h) => h.at < slotAt);
    const maxOf = (xs: number[]) => (xs.length ? Math.max(...xs) : null);
    const stats = sandbox.stats();
    const slotToLastOutMs = lastOutAt ? lastOutAt - slotAt : null;
    const eventLoopMax = maxOf(inBurst.map((h) => h.eventLoopDelayMaxMs));
    const result: BurstResult = {
      servers: n,
      loadAverage: { atSlot: +loadAtSlot.toFixed(2), atEnd: +loadavg()[0]!.toFixed(2) },
      partsPerDigest: parts,
      requests: n * parts,
      realProcess: { command: start.text, pid: bot.child.pid ?? 0 },
      startupMs,
      seedMs: { beforeStart: seedBeforeMs, slot: slotSeedMs },
      delivered,
      partial,
      skipped,
      duplicated,
      unexpected,
      storeStatuses,
      slotToLastOutMs,
      globalLimitMs: Math.round(((n * parts) / GLOBAL_PER_SECOND) * 1000),
      floor,
      eventLoop: { burstMaxMs: eventLoopMax, startupMaxMs: maxOf(beforeBurst.map((h) => h.eventLoopDelayMaxMs)), records: inBurst.length, benchProcessMaxMs: benchLoopMaxMs },
      rss: { burstMaxMb: maxOf(inBurst.map((h) => h.rssMb)), atOnlineMb: beforeBurst.at(-1)?.rssMb ?? null },
      commands: { burst, idle },
      rateLimited: stats.rateLimited,
      invalid: stats.invalid,
      goals: [],
    };
    const limitMs = result.globalLimitMs;
    result.goals = [
      { goal: `${n.toLocaleString('en')} delivered of ${n.toLocaleString('en')}, none duplicated`, value: `${delivered} delivered, ${duplicated} duplicated`, pass: delivered === n && duplicated === 0 && unexpected === 0 },
      { goal: 'event loop never blocked > 50 ms', value: eventLoopMax === null ? 'no health record' : `${eventLoopMax} ms`, pass: eventLoopMax !== null && eventLoopMax <= 50 },
      { goal: 'command replies p99 ≤ 100 ms during the burst', value: `${burst.p99Ms} ms (${burst.count} replies, ${burst.failed} failed)`, pass: burst.count > 0 && burst.failed === 0 && burst.p99Ms <= 100 },
      {
        goal: `all out within 1.2 × the global limit (${((limitMs * 1.2) / 1000).toFixed(1)} s)`,
        value: slotToLastOutMs === null ? 'nothing out' : `${(slotToLastOutMs / 1000).toFixed(1)} s`,
        pass: slotToLastOutMs !== null && delivered === n && slotToLastOutMs <= limitMs * 1.2,
      },
    ];
    return result;
  } finally {
    for (const l of loads) l.cancel();
    bot?.kill();
    await store?.close().catch(() => undefined);
    await sandbox?.close();
    if (options.keep) log(`Work folder kept: ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

/** The result as a table, the goals with PASS/FAIL, then the JSON. */
export function formatBurst(r: BurstResult): string {
  const s = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
  const lat = (l: LatencySummary) => `p50 ${l.p50Ms} ms · p99 ${l.p99Ms} ms · max ${l.maxMs} ms (${l.count} replies${l.failed ? `, ${l.failed} unanswered` : ''})`;
  const rows: Array<[string, string]> = [
    ['process', `the real process: \`${r.realProcess.command}\` (pid ${r.realProcess.pid}), loopback Discord in the bench process`],
    ['servers', `${r.servers.toLocaleString('en')} (one digest channel each), ${r.partsPerDigest} message(s) per digest → ${r.requests.toLocaleString('en')} requests`],
    ['machine load', `1-min load average ${r.loadAverage.atSlot} at the slot, ${r.loadAverage.atEnd} at the end (2 shared cores)`],
    ['start-up', `${s(r.startupMs)} to online (commands registered, schedule running); RSS then ${r.rss.atOnlineMb ?? '—'} MB`],
    ['delivered', `${r.delivered.toLocaleString('en')} (partial ${r.partial}, skipped ${r.skipped}, duplicated ${r.duplicated}, unexpected messages ${r.unexpected})`],
    ['store statuses', Object.entries(r.storeStatuses).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['slot → last digest out', s(r.slotToLastOutMs)],
    ['  global limit allows', `${s(r.globalLimitMs)} (${r.requests.toLocaleString('en')} / 50 per s)`],
    ['  plain process (floor)', r.floor ? `${s(r.floor.ms)} (${r.floor.posted} posted, ${r.floor.failed} failed, 429s: global ${r.floor.rateLimited.global}, route ${r.floor.rateLimited.route})` : 'not run'],
    ['event loop, longest delay', `${r.eventLoop.burstMaxMs ?? '—'} ms during the burst (${r.eventLoop.records} records); ${r.eventLoop.startupMaxMs ?? '—'} ms before it (start-up included)`],
    ['  bench process (loopback)', `${r.eventLoop.benchProcessMaxMs} ms during the burst (a late loopback would slow replies too)`],
    ['bot RSS during the burst', `${r.rss.burstMaxMb ?? '—'} MB (max)`],
    ['/news latest, burst', lat(r.commands.burst)],
    ['/news latest, idle', lat(r.commands.idle)],
    ['429s (whole run)', `global ${r.rateLimited.global}, route ${r.rateLimited.route}; floor's share: global ${r.floor?.rateLimited.global ?? 0}, route ${r.floor?.rateLimited.route ?? 0}`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const gw = Math.max(...r.goals.map((g) => g.goal.length));
  return [
    `\nBurst: ${r.servers.toLocaleString('en')} servers due at the same instant\n`,
    ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`),
    '\nGoals',
    ...r.goals.map((g) => `${g.pass ? 'PASS' : 'FAIL'}  ${g.goal.padEnd(gw)}  ${g.value}`),
    '',
  ].join('\n');
}

/**
 * Counts a burst's digests per channel from what the loopback stored, by their `ref` markers: delivered (every part
 * once or more), partial, skipped, duplicated (a part posted twice) and unexpected (a marker of no expected part).
 */
export function countDeliveries(sandbox: DiscordSandbox, subs: ReadonlyArray<{ channelId: string }>, markersOf: (channelId: string) => readonly string[]) {
  let delivered = 0;
  let partial = 0;
  let skipped = 0;
  let duplicated = 0;
  let unexpected = 0;
  for (const s of subs) {
    const markers = markersOf(s.channelId);
    const counts = new Map<string, number>();
    for (const m of sandbox.messages(s.channelId)) {
      if (m.interaction || m.author.id !== sandbox.botUser.id) continue;
      const at = m.content.lastIndexOf('\n-# ref ');
      if (at < 0) continue;
      const marker = m.content.slice(at + 4);
      if (markers.includes(marker)) counts.set(marker, (counts.get(marker) ?? 0) + 1);
      else unexpected++;
    }
    const present = markers.filter((k) => counts.has(k)).length;
    if ([...counts.values()].some((c) => c > 1)) duplicated++;
    if (present === markers.length) delivered++;
    else if (present === 0) skipped++;
    else partial++;
  }
  return { delivered, partial, skipped, duplicated, unexpected };
}
