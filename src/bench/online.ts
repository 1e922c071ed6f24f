/**
 * `npm run bench`: the real bot process, started with `package.json`'s `start` command line, against
 * the loopback Discord running in this process, on a generated archive (60% schema A, 40% schema B).
 *
 * What is measured, and how:
 * - the floor: a separate plain process (`floor.ts`: sync read + gray-matter of every file, no project code),
 *   run before the cold start and again right after it;
 * - cold time to online (empty cache) and warm time to online (second start, unchanged archive, cache
 *   present): from the spawn to the first `/news search` answered with full results, the gateway
 *   identified (the loopback's READY) on the way; until then the bot's "Loading the archive: N%…"
 *   answers are counted;
 * - RSS after ready and the peak, from `/proc/<pid>/status` (VmRSS, VmHWM) of the bot process;
 * - `/news search`, `/news latest` and autocomplete latency, p50/p99, one at a time and 16 at once
 *   (latency = interaction dispatched → the bot's callback received at the loopback);
 * - change-to-searchable: a new file written, an existing one changed, the new one deleted, each timed
 *   until `/news search` through the bot reflects it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DEFAULT_GATEWAY_OPTIONS } from '../discord-sandbox/gateway.ts';
import { startDiscordSandbox, type CommandInput, type DiscordSandbox, type InteractionHandle } from '../discord-sandbox/server.ts';
import { BurstAbort, REPLY_TIMEOUT_MS, startBotProcess, startCommand, summarise, within, type BotProcess, type LatencySummary } from './burst.ts';
import { writeCorpus } from './corpus.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What to run. */
export interface OnlineOptions {
  /** Articles in the generated archive. */
  size: number;
  /** Latency samples per kind, one at a time; 16-at-once rounds are `samples / 16`. */
  samples?: number;
  /** Keep the work folder (database, cache, bot logs). */
  keep?: boolean;
  log?: (line: string) => void;
  /** Write CPU profiles of both starts of the bot into this folder (adds `--cpu-prof` to its command line). */
  profileDir?: string;
  /** More node flags for the bot's command line (`--trace-gc`), shown in the report. */
  nodeFlags?: string[];
}

/** One start of the bot, timed from the spawn. */
export interface StartTiming {
  /** The loopback saw the bot identify on the gateway. */
  identifiedMs: number | null;
  /** The first answer of any kind to `/news search` (a "Loading…" one included). */
  firstAnswerMs: number | null;
  /** Online: `/news search` answered with full results. */
  onlineMs: number;
  /** "Loading the archive: N%…" answers received before that, with their percentages. */
  loadingAnswers: number;
  loadingPercents: number[];
  /** The bot's own `articles loaded` log line: articles, and its `loadMs` when it says it. */
  articles: number | null;
  botLoadMs: number | null;
  /** Results of the probe query once online, the figure the full-results check compares. */
  resultTotal: number;
  rssAfterReadyMb: number;
  peakMb: number;
}

/** Everything the run measured. */
export interface OnlineResult {
  size: number;
  command: string;
  loadAverage: { start: number; end: number };
  /** `wallMs`: spawn → exit, as the bot's times are spawn → online; `ms`: the process's own read + parse time. */
  floor: { wallMs: number; ms: number; files: number; rssMb: number };
  /**
   * The floor again, right after the cold start: on a shared machine one run of it can be a second
   * or more off, so the cold start is compared with the mean of the two, taken on either side of it.
   */
  floorAfter: OnlineResult['floor'];
  cold: StartTiming;
  warm: StartTiming;
  /** `typo`: `/news search` with misspelt words only (`etherium`, `muks`, `bitcon`…), which typo tolerance expands. */
  latency: Record<'search' | 'typo' | 'latest' | 'autocomplete', { sequential: LatencySummary; concurrent16: LatencySummary }>;
  changes: { createdMs: number | null; changedMs: number | null; deletedMs: number | null };
  /** `warmPeakMb`: the warm start's own peak over the whole run (its VmHWM at the end); `peakMb` the higher of it and the cold start's. */
  rss: { afterReadyMb: number; atEndMb: number; warmPeakMb: number; peakMb: number };
  goals: Array<{ goal: string; value: string; pass: boolean }>;
}

/** The corpus folder for `size` articles, generated once and reused (marked complete only once whole). */
export async function ensureCorpus(size: number, log: (s: string) => void): Promise<string> {
  const dir = resolve(ROOT, 'data/bench-corpus', String(size));
  const marker = join(dir, '.complete');
  if (!existsSync(marker) || readFileSync(marker, 'utf8').trim() !== String(size)) {
    log(`Generating ${size.toLocaleString('en')} articles in ${dir}…`);
    const t = performance.now();
    await writeCorpus(dir, size);
    await writeFile(marker, String(size));
    log(`  done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  return dir;
}

/**
 * Reads every file of the archive once, unmeasured, so the floor and the cold start both find it in
 * the page cache. Otherwise whichever runs first reads from disk: the floor, one thread, ran two to
 * three times slower after a larger archive had pushed this one out, which flattered the cold start.
 */
export function warmPageCache(dir: string): { files: number; ms: number } {
  const t0 = performance.now();
  let files = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.md')) continue;
    readFileSync(join(e.parentPath, e.name));
    files++;
  }
  return { files, ms: Math.round(performance.now() - t0) };
}

/** The floor, in its own plain process. */
export async function runFloor(dir: string): Promise<OnlineResult['floor']> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/bench/floor.ts'), dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += String(c)));
  const [code] = (await once(child, 'exit')) as [number | null];
  const wallMs = Math.round(performance.now() - t0);
  if (code !== 0) throw new BurstAbort(`the floor process exited with ${code}`);
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as { ms: number; files: number; rssMb: number };
  return { wallMs, ms: r.ms, files: r.files, rssMb: r.rssMb };
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

const LOADING = /^Loading the archive: (\d+)%/;

/** What a `/news search` reply says: loading (with its percentage), no match, or N results. */
function readSearch(h: InteractionHandle): { loading: number | null; total: number } | null {
  const m = h.original;
  if (!m || (!m.content && m.embeds.length === 0)) return null;
  const loading = LOADING.exec(m.content);
  if (loading) return { loading: Number(loading[1]), total: 0 };
  const title = String(m.embeds[0]?.title ?? '');
  const of = /^Results \d+–\d+ of (\d+) /.exec(title);
  return { loading: null, total: of ? Number(of[1]) : 0 };
}

/** Runs a command and waits for its visible reply; null when none came in time. */
async function ask(sandbox: DiscordSandbox, input: CommandInput, timeoutMs = REPLY_TIMEOUT_MS) {
  const h = sandbox.runCommand(input);
  try {
    return await h.waitFor((x) => readSearch(x), timeoutMs);
  } catch {
    return null;
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One latency sample: dispatched → the bot's first callback received at the loopback (null: none in time). */
async function timed(start: () => InteractionHandle): Promise<number | null> {
  const t0 = performance.now();
  const h = start();
  try {
    const t1 = await h.waitFor((x) => x.responses.some((r) => r.kind === 'callback') && performance.now(), REPLY_TIMEOUT_MS);
    return t1 - t0;
  } catch {
    return null;
  }
}

async function latencyOf(make: (i: number) => () => InteractionHandle, samples: number): Promise<{ sequential: LatencySummary; concurrent16: LatencySummary }> {
  for (let i = 0; i < 10; i++) await timed(make(i));
  const seq: number[] = [];
  let seqFailed = 0;
  for (let i = 0; i < samples; i++) {
    const ms = await timed(make(i));
    if (ms === null) seqFailed++;
    else seq.push(ms);
  }
  const conc: number[] = [];
  let concFailed = 0;
  for (let round = 0; round < Math.max(2, Math.ceil(samples / 16)); round++) {
    const all = await Promise.all(Array.from({ length: 16 }, (_, k) => timed(make(round * 16 + k))));
    for (const ms of all) {
      if (ms === null) concFailed++;
      else conc.push(ms);
    }
  }
  return { sequential: summarise(seq, seqFailed), concurrent16: summarise(conc, concFailed) };
}

const SEARCHES = ['musk', 'bitcoin etf', 'regulation', 'ai safety', 'mus', 'ethereum staking', 'hack', 'stablecoin', 'liquidity lending', 'powell', 'market crash', 'kalo', 'etherium', 'muks', 'bitcon'];
/** Misspelt words the corpus does not hold, one and two edits from words it does: each is expanded by typo tolerance. */
const TYPO_SEARCHES = ['etherium', 'muks', 'bitcon', 'stablecoyn', 'regulaton', 'liquidty lending', 'etherium staking', 'gensller'];
const PREFIXES = ['bit', 'eth', 'mus', 'reg', 'sta', 'the mar', 'kalo', 'liq', 'hack', 'powell'];
/** The probe query whose full result count decides "online". */
const PROBE = 'bitcoin';
/**
 * The pause between a probe's answer and the next probe. Every probe costs the bot an interaction and a
 * reply, and this process the sandbox's side of both, on the same two cores the load runs on: probing
 * every 20 ms (about 200 probes in a first start at 100k) made that start 0.15–0.36 s slower than probing
 * every 100 ms in three starts of each, for 0.3–0.6 s more of the bot's CPU. At 100 ms the time to
 * online is still read to within a tenth of a second, late rather than early.
 */
const PROBE_GAP_MS = 100;

/**
 * The loopback, as Discord, lets a bot identify once per window (5 s): a start sooner after the last one
 * is refused (op 9) and identifies seconds later, so its time would be the window's, not the start's.
 * Follows `sandbox`'s identifies; the function it returns waits out the window after the last one (a
 * quarter of a second over), and says how many milliseconds it waited (0 when it had passed).
 */
export function identifyWindow(sandbox: DiscordSandbox): () => Promise<number> {
  let lastIdentified = -Infinity;
  sandbox.events.on('ready', () => (lastIdentified = performance.now()));
  return async () => {
    const wait = lastIdentified + DEFAULT_GATEWAY_OPTIONS.identifyIntervalMs + 250 - performance.now();
    if (wait <= 0) return 0;
    await pause(wait);
    return wait;
  };
}

/** A token no generated article contains: letters only, so every tokenizer keeps it whole. */
function uniqueToken(): string {
  let s = 'zqx';
  for (let i = 0; i < 10; i++) s += String.fromCharCode(97 + Math.floor(Math.random() * 26));
  return s;
}

function newArticle(token: string): string {
  return `---\ntitle: "Bench change ${token} arrives"\nexcerpt: "An article written while the bot runs."\npublishedDateTime: 2026-11-21T12:00:00Z\nwebUrl: "https://news.example.com/bench/${token}"\npublished: true\nprovider: { name: Bench Wire, domain: example.com }\ntopics: [MARKETS]\n---\n`;
}

/**
 * Starts the bot and times it to online: polls `/news search` from the moment the gateway identified
 * until an answer is not "Loading…" (each poll waits for its answer, then {@link PROBE_GAP_MS}). `extra`:
 * node flags put after `npm start`'s own, so they win over them. The bot is left running.
 */
export async function startAndTime(sandbox: DiscordSandbox, env: NodeJS.ProcessEnv, logFile: string, channelId: string, expectTotal: number | null, log: (s: string) => void, extra: string[] = []) {
  const start = await startCommand();
  // Right before the script, after `npm start`'s own flags: V8 takes the last of a flag given twice.
  start.args = [...start.args.slice(0, -1), ...extra, ...start.args.slice(-1)];
  let identifiedAt: number | null = null;
  const onReady = () => (identifiedAt ??= performance.now());
  sandbox.events.on('ready', onReady);
  let loaded: { articles: number | null; loadMs: number | null } = { articles: null, loadMs: null };
  const t0 = performance.now();
  const bot = startBotProcess(start.args, { ...env, ...start.env }, logFile, (rec) => {
    if (rec.msg === 'articles loaded') loaded = { articles: typeof rec.loaded === 'number' ? rec.loaded : null, loadMs: typeof rec.loadMs === 'number' ? rec.loadMs : null };
  });
  try {
    const percents: number[] = [];
    let firstAnswerAt: number | null = null;
    const probe = async () => {
      for (;;) {
        if (identifiedAt === null) {
          await pause(5);
          continue;
        }
        const r = await ask(sandbox, { name: 'news', subcommand: 'search', options: { query: PROBE }, channelId });
        if (r) firstAnswerAt ??= performance.now();
        if (r && r.loading === null) {
          if (expectTotal !== null && r.total !== expectTotal) throw new BurstAbort(`/news search "${PROBE}" answered ${r.total} results, not the ${expectTotal} of the other start: not full results`);
          return { at: performance.now(), total: r.total };
        }
        if (r?.loading !== null && r?.loading !== undefined) percents.push(r.loading);
        await pause(PROBE_GAP_MS);
      }
    };
    const online = await within(probe(), 15 * 60_000, 'waiting for the bot to answer with full results', bot);
    // The log line that follows the load may come a moment after the first full answer.
    await within(bot.online, 60_000, 'waiting for the bot to say it is ready', bot);
    const mem = memoryOf(bot.child.pid!);
    const timing: StartTiming = {
      identifiedMs: identifiedAt === null ? null : Math.round(identifiedAt - t0),
      firstAnswerMs: firstAnswerAt === null ? null : Math.round(firstAnswerAt - t0),
      onlineMs: Math.round(online.at - t0),
      loadingAnswers: percents.length,
      loadingPercents: percents,
      articles: loaded.articles,
      botLoadMs: loaded.loadMs,
      resultTotal: online.total,
      rssAfterReadyMb: mem.rssMb,
      peakMb: mem.peakMb,
    };
    log(`  online in ${(timing.onlineMs / 1000).toFixed(2)} s (gateway identified at ${timing.identifiedMs ?? '—'} ms, ${timing.loadingAnswers} "Loading…" answers), RSS ${mem.rssMb} MB, peak ${mem.peakMb} MB`);
    return { bot, timing };
  } catch (err) {
    bot.kill();
    throw err;
  } finally {
    sandbox.events.off('ready', onReady);
  }
}

/** Stops the bot as an operator would (SIGTERM), so it can write what it keeps for the next start; killed after 60 s. */
export async function stopBot(bot: BotProcess, log: (s: string) => void): Promise<void> {
  bot.child.kill('SIGTERM');
  const exit = await Promise.race([bot.exited, pause(60_000).then(() => null)]);
  if (!exit) {
    bot.kill();
    log('  the bot did not stop within 60 s of SIGTERM: killed');
  }
}

/** Times one change until `/news search` for `token` through the bot says `present` (null: not within 30 s). */
async function untilSearch(sandbox: DiscordSandbox, channelId: string, token: string, present: boolean, change: () => Promise<void>): Promise<number | null> {
  const t0 = performance.now();
  await change();
  while (performance.now() - t0 < 30_000) {
    const r = await ask(sandbox, { name: 'news', subcommand: 'search', options: { query: token }, channelId });
    if (r && r.loading === null && (r.total > 0) === present) return Math.round(performance.now() - t0);
    await pause(5);
  }
  return null;
}

/** The bot's environment for a benchmark start: the loopback Discord, the archive `corpus`, its database and cache in `work`. */
export function botEnv(sandbox: DiscordSandbox, corpus: string, work: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DISCORD_TOKEN: sandbox.token,
    DISCORD_API_URL: sandbox.apiUrl,
    DISCORD_GUILD_ID: sandbox.guilds[0]!.id,
    CONTENT_DIR: corpus,
    DATABASE_PATH: join(work, 'bot.sqlite'),
    CACHE_DIR: join(work, 'cache'),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    METRICS_INTERVAL_MS: '0',
    // Set empty so a developer's .env cannot fill them in.
    DIGEST_CHANNEL_ID: '',
    TOPIC_ALIASES: '',
  };
}

/** Runs the whole benchmark at one size; the bot process is always gone when it returns or throws. */
export async function runOnline(options: OnlineOptions): Promise<OnlineResult> {
  const began = performance.now();
  const log = options.log ?? ((s: string) => process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${s}\n`));
  const size = options.size;
  const samples = options.samples ?? 300;
  const corpus = await ensureCorpus(size, log);
  const loadStart = loadavg()[0]!;
  const work = await mkdtemp(join(tmpdir(), 'news-bench-online-'));
  let sandbox: DiscordSandbox | null = null;
  let bot: BotProcess | null = null;
  const restore: Array<() => Promise<void>> = [];
  try {
    log('Reading every file once, so the floor and the cold start both find the archive in the page cache…');
    const warmed = warmPageCache(corpus);
    log(`  ${warmed.files.toLocaleString('en')} files in ${(warmed.ms / 1000).toFixed(2)} s`);
    log(`Floor: a plain process reading and parsing ${size.toLocaleString('en')} files…`);
    const floor = await runFloor(corpus);
    log(`  ${(floor.wallMs / 1000).toFixed(2)} s from spawn to exit (${(floor.ms / 1000).toFixed(2)} s reading and parsing), ${floor.rssMb} MB`);

    sandbox = await startDiscordSandbox({ guilds: [{ name: 'Bench', channels: ['commands'] }] });
    const channelId = sandbox.channel('commands').id;
    const waitForIdentify = identifyWindow(sandbox);
    const start = await startCommand();
    const extra = [...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : []), ...(options.nodeFlags ?? [])];
    if (extra.length > 0) start.text = `${start.text} (with ${extra.join(' ')})`;
    const env = botEnv(sandbox, corpus, work);

    log(`Cold start (no cache): ${start.text}`);
    const cold = await startAndTime(sandbox, env, join(work, 'bot-cold.log'), channelId, null, log, extra);
    bot = cold.bot;
    await stopBot(bot, log);
    bot = null;
    log('Floor again, right after the cold start…');
    const floorAfter = await runFloor(corpus);
    log(`  ${(floorAfter.wallMs / 1000).toFixed(2)} s from spawn to exit (${(floorAfter.ms / 1000).toFixed(2)} s reading and parsing), ${floorAfter.rssMb} MB`);

    // On a small archive the cold start and the floor after it end within the gateway's identify window, and the
    // warm start would time the window instead of the restart. A restart of a bot that ran for a while never meets it.
    const waited = await waitForIdentify();
    if (waited > 0) log(`Waited ${(waited / 1000).toFixed(1)} s for the gateway's identify window, as Discord's (one IDENTIFY per 5 s)`);
    log('Warm start (same archive, cache present)…');
    const warm = await startAndTime(sandbox, env, join(work, 'bot-warm.log'), channelId, cold.timing.resultTotal, log, extra);
    bot = warm.bot;
    const pid = bot.child.pid!;

    log(`Latency: /news search, misspelt searches, /news latest, autocomplete; ${samples} one at a time, then 16 at once…`);
    const s = sandbox;
    const search = await latencyOf((i) => () => s.runCommand({ name: 'news', subcommand: 'search', options: { query: SEARCHES[i % SEARCHES.length]! }, channelId }), samples);
    const typo = await latencyOf((i) => () => s.runCommand({ name: 'news', subcommand: 'search', options: { query: TYPO_SEARCHES[i % TYPO_SEARCHES.length]! }, channelId }), samples);
    const latest = await latencyOf(() => () => s.runCommand({ name: 'news', subcommand: 'latest', channelId }), samples);
    const autocomplete = await latencyOf((i) => () => s.autocomplete({ name: 'news', subcommand: 'impact', options: { article: PREFIXES[i % PREFIXES.length]! }, focused: 'article', channelId }), samples);

    log('Changes: a new file, a changed file, a deleted file, each until /news search reflects it…');
    const token = uniqueToken();
    const created = join(corpus, `bench-change-${token}.md`);
    restore.push(() => rm(created, { force: true }));
    const createdMs = await untilSearch(s, channelId, token, true, () => writeFile(created, newArticle(token)));
    const changedFile = join(corpus, 'batch-0000', 'article-1.md');
    const original = await readFile(changedFile, 'utf8');
    restore.push(() => writeFile(changedFile, original));
    const token2 = uniqueToken();
    const changedMs = await untilSearch(s, channelId, token2, true, () => writeFile(changedFile, original.replace(/^title: "/m, `title: "${token2} `)));
    const deletedMs = await untilSearch(s, channelId, token, false, () => unlink(created));
    log(`  new ${createdMs ?? '—'} ms, changed ${changedMs ?? '—'} ms, deleted ${deletedMs ?? '—'} ms`);

    const end = memoryOf(pid);
    await stopBot(bot, log);
    bot = null;

    const result: OnlineResult = {
      size,
      command: start.text,
      loadAverage: { start: +loadStart.toFixed(2), end: +loadavg()[0]!.toFixed(2) },
      floor,
      floorAfter,
      cold: cold.timing,
      warm: warm.timing,
      latency: { search, typo, latest, autocomplete },
      changes: { createdMs, changedMs, deletedMs },
      rss: { afterReadyMb: warm.timing.rssAfterReadyMb, atEndMb: end.rssMb, warmPeakMb: end.peakMb, peakMb: Math.max(cold.timing.peakMb, end.peakMb) },
      goals: [],
    };
    result.goals = goalsFor(result);
    return result;
  } finally {
    bot?.kill();
    for (const r of restore.reverse()) await r().catch(() => undefined);
    await sandbox?.close();
    if (options.keep) log(`Work folder kept: ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

/** The issue's goals, at 100,000 articles (and the 1,000,000 ones from 1M up), each with PASS or FAIL. */
export function goalsFor(r: OnlineResult): OnlineResult['goals'] {
  const s = (ms: number | null) => (ms === null ? 'not within 30 s' : `${(ms / 1000).toFixed(2)} s`);
  const ms = (x: number) => `${x} ms`;
  const at = r.size >= 1_000_000 ? '' : r.size === 100_000 ? '' : ` (goal set at 100k; this run: ${r.size.toLocaleString('en')})`;
  // Both from the spawn: the floor to its exit, the bot to its first full answer; the floor as the mean of its two runs.
  const floorMs = (r.floor.wallMs + r.floorAfter.wallMs) / 2;
  const ratio = r.cold.onlineMs / floorMs;
  const goals: OnlineResult['goals'] = [];
  if (r.size >= 1_000_000) {
    goals.push(
      { goal: 'restart (warm) online ≤ 10 s', value: s(r.warm.onlineMs), pass: r.warm.onlineMs <= 10_000 },
      { goal: 'RSS ≤ 1 GB (peak)', value: `${r.rss.peakMb} MB`, pass: r.rss.peakMb <= 1024 },
      { goal: 'search p99 ≤ 50 ms', value: ms(r.latency.search.sequential.p99Ms), pass: r.latency.search.sequential.p99Ms <= 50 },
    );
  } else {
    const seq = r.latency.search.sequential;
    const c16 = r.latency.search.concurrent16;
    goals.push(
      { goal: `restart (warm) online ≤ 3 s${at}`, value: s(r.warm.onlineMs), pass: r.warm.onlineMs <= 3000 },
      { goal: `first start (cold) ≤ 1.5 × floor${at}`, value: `${s(r.cold.onlineMs)} = ×${ratio.toFixed(2)} of ${s(floorMs)} (the floors' mean)`, pass: ratio <= 1.5 },
      {
        goal: 'online at once: gateway identified before the cold load ends',
        value: `identified at ${r.cold.identifiedMs ?? '—'} ms, full answers at ${r.cold.onlineMs} ms, ${r.cold.loadingAnswers} "Loading…" answers (${r.cold.loadingPercents.length ? `${r.cold.loadingPercents[0]}%…${r.cold.loadingPercents.at(-1)}%` : 'none'})`,
        pass: r.cold.identifiedMs !== null && r.cold.identifiedMs < r.cold.onlineMs,
      },
      { goal: `RSS after ready ≤ 300 MB${at}`, value: `${r.rss.afterReadyMb} MB (cold ${r.cold.rssAfterReadyMb} MB)`, pass: r.rss.afterReadyMb <= 300 && r.cold.rssAfterReadyMb <= 300 },
      { goal: `peak RSS ≤ 400 MB${at}`, value: `${r.rss.peakMb} MB`, pass: r.rss.peakMb <= 400 },
      { goal: 'new file searchable ≤ 1 s', value: s(r.changes.createdMs), pass: r.changes.createdMs !== null && r.changes.createdMs <= 1000 },
      { goal: 'changed file searchable ≤ 1 s', value: s(r.changes.changedMs), pass: r.changes.changedMs !== null && r.changes.changedMs <= 1000 },
      { goal: 'deleted file gone from search ≤ 1 s', value: s(r.changes.deletedMs), pass: r.changes.deletedMs !== null && r.changes.deletedMs <= 1000 },
      { goal: `search p99 ≤ 10 ms${at}`, value: `${ms(seq.p99Ms)}${seq.failed ? ` (${seq.failed} unanswered)` : ''}`, pass: seq.failed === 0 && seq.p99Ms <= 10 },
      { goal: `search p99 ≤ 50 ms, 16 at once${at}`, value: `${ms(c16.p99Ms)}${c16.failed ? ` (${c16.failed} unanswered)` : ''}`, pass: c16.failed === 0 && c16.p99Ms <= 50 },
      { goal: `typo-query search p99 ≤ 10 ms${at}`, value: `${ms(r.latency.typo.sequential.p99Ms)}${r.latency.typo.sequential.failed ? ` (${r.latency.typo.sequential.failed} unanswered)` : ''}`, pass: r.latency.typo.sequential.failed === 0 && r.latency.typo.sequential.p99Ms <= 10 },
      // "At or under today's figures": the issue measured p99 7 ms (latest) and 9 ms (autocomplete) at 100k.
      { goal: `latest p99 ≤ 7 ms (the issue's figure)${at}`, value: ms(r.latency.latest.sequential.p99Ms), pass: r.latency.latest.sequential.failed === 0 && r.latency.latest.sequential.p99Ms <= 7 },
      { goal: `autocomplete p99 ≤ 9 ms (the issue's figure)${at}`, value: ms(r.latency.autocomplete.sequential.p99Ms), pass: r.latency.autocomplete.sequential.failed === 0 && r.latency.autocomplete.sequential.p99Ms <= 9 },
    );
  }
  return goals;
}

/** The result as a table, then the goals with PASS/FAIL. */
export function formatOnline(r: OnlineResult): string {
  const s = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);
  const lat = (l: LatencySummary) => `p50 ${l.p50Ms} ms · p99 ${l.p99Ms} ms · max ${l.maxMs} ms (${l.count}${l.failed ? `, ${l.failed} unanswered` : ''})`;
  const start = (t: StartTiming) =>
    `${s(t.onlineMs)} to full answers (gateway identified ${s(t.identifiedMs)}, first answer ${s(t.firstAnswerMs)}, ${t.loadingAnswers} "Loading…" answers); bot's own load ${t.botLoadMs === null ? '—' : s(t.botLoadMs)}; ${t.articles ?? '—'} articles; "${PROBE}": ${t.resultTotal} results`;
  const rows: Array<[string, string]> = [
    ['process', `the real process: \`${r.command}\`, loopback Discord in the bench process`],
    ['archive', `${r.size.toLocaleString('en')} generated files (60% schema A, 40% schema B)`],
    ['machine load', `1-min load average ${r.loadAverage.start} at the start, ${r.loadAverage.end} at the end (2 shared cores)`],
    ['floor (separate process)', `${s(r.floor.wallMs)} spawn → exit (${s(r.floor.ms)} of it reading and parsing ${r.floor.files.toLocaleString('en')} files: sync read + gray-matter), ${r.floor.rssMb} MB`],
    ['  again, after the cold', `${s(r.floorAfter.wallMs)} spawn → exit (${s(r.floorAfter.ms)} reading and parsing), ${r.floorAfter.rssMb} MB`],
    ['cold start (no cache)', start(r.cold)],
    ['warm start (cache)', start(r.warm)],
    ['RSS after ready', `${r.rss.afterReadyMb} MB warm, ${r.cold.rssAfterReadyMb} MB cold; ${r.rss.atEndMb} MB at the end`],
    ['peak RSS (VmHWM)', `${r.rss.peakMb} MB (cold start ${r.cold.peakMb} MB; warm start ${r.rss.warmPeakMb} MB, over the whole run)`],
    ['/news search', lat(r.latency.search.sequential)],
    ['  16 at once', lat(r.latency.search.concurrent16)],
    ['/news search, typos', lat(r.latency.typo.sequential)],
    ['  16 at once', lat(r.latency.typo.concurrent16)],
    ['/news latest', lat(r.latency.latest.sequential)],
    ['  16 at once', lat(r.latency.latest.concurrent16)],
    ['autocomplete', lat(r.latency.autocomplete.sequential)],
    ['  16 at once', lat(r.latency.autocomplete.concurrent16)],
    ['change → searchable', `new ${s(r.changes.createdMs)}, changed ${s(r.changes.changedMs)}, deleted ${s(r.changes.deletedMs)}`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const gw = Math.max(...r.goals.map((g) => g.goal.length));
  return [
    `\nThe bot process at ${r.size.toLocaleString('en')} articles\n`,
    ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`),
    '\nGoals',
    ...r.goals.map((g) => `${g.pass ? 'PASS' : 'FAIL'}  ${g.goal.padEnd(gw)}  ${g.value}`),
    '',
  ].join('\n');
}
