/**
 * `npm run bench -- --scale [--servers N]`: the same burst (N servers' digests due at one instant, default
 * 10,000) delivered twice against the loopback Discord:
 *
 * 1. by **one process**, as the bot runs today: `npm start`'s command line, SQLite, pacing itself;
 * 2. by **three machines**, each started with its line of the README's "Running at scale" block
 *    (`npm run start:shards`), on one Postgres and through one `npm run rest-proxy`, as operators run them.
 *
 * For each it prints the time from the slot to the last digest out, delivered/duplicated, the 429s the
 * loopback counted (global and per route), and the peak RSS of every process (from /proc, sampled every
 * 250 ms), with PASS/FAIL against the goals: three processes within 1.1× what Discord's global limit
 * allows, 0 duplicates, 0 global 429s, and no process above the one process's peak.
 *
 * Layout: the README's block shards 3,000 servers 4 ways; 10,000 need more (Discord closes a session of
 * more than 2,500 servers), so the machines run with `SHARD_COUNT=12 SHARDS_PER_CLUSTER=4` and
 * `CLUSTER_IDS` 0, 1, 2: three machines, one cluster process of 4 shards each. The loopback grants
 * `max_concurrency` 16, so start-up is not 5 s per shard (start-up is not what is measured).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../db/database.ts';
import type { DigestStore } from '../db/digest-store.ts';
import { openPostgresDigestStore } from '../db/postgres-digest-store.ts';
import { createSqliteDigestStore } from '../db/sqlite-digest-store.ts';
import { startDiscordSandbox, type DiscordSandbox } from '../discord-sandbox/server.ts';
import { partMarker } from '../payload/message-identity.ts';
import { BurstAbort, countDeliveries, partsPerDigest, startBotProcess, startCommand, writeContent, type BotProcess } from './burst.ts';
import { freePort, letPostgresUserReachBinaries, throwawayPostgres } from './embedded-postgres.ts';
import { readScaleCommands, startProxyOnFreePort, startScaleProcess, type ScaleProcess } from './scale-machines.ts';

/** Discord's global limit: requests a second per bot token. */
const GLOBAL_PER_SECOND = 50;
const HOUR_MS = 3_600_000;

/** What to run. */
export interface ScaleOptions {
  servers: number;
  /** Articles in the day the digests cover. */
  articlesPerDay?: number;
  keep?: boolean;
  log?: (line: string) => void;
}

/** One process's peak memory. */
export interface ProcessMemory {
  name: string;
  pid: number;
  rssMaxMb: number;
}

/** One delivery of the burst: by one process, or by three machines. */
export interface ScaleRun {
  label: string;
  commands: string[];
  startupMs: number;
  delivered: number;
  partial: number;
  skipped: number;
  duplicated: number;
  unexpected: number;
  slotToLastOutMs: number | null;
  rateLimited: { global: number; route: number };
  processes: ProcessMemory[];
  loadAverage: { atSlot: number; atEnd: number };
}

/** Both runs and the goals. */
export interface ScaleResult {
  servers: number;
  partsPerDigest: number;
  requests: number;
  globalLimitMs: number;
  one: ScaleRun;
  three: ScaleRun;
  goals: Array<{ goal: string; value: string; pass: boolean }>;
}

/** VmRSS of a process in MB, or null once it is gone. */
async function rssMb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
    return Number.isFinite(kb) ? Math.round(kb / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

/** Samples the RSS of every process `pids()` names, every 250 ms, keeping each one's peak. */
function memorySampler(pids: () => Array<{ name: string; pid: number }>) {
  const peaks = new Map<number, ProcessMemory>();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void Promise.all(
      pids().map(async ({ name, pid }) => {
        const mb = await rssMb(pid);
        if (mb === null) return;
        const p = peaks.get(pid) ?? { name, pid, rssMaxMb: 0 };
        p.rssMaxMb = Math.max(p.rssMaxMb, mb);
        peaks.set(pid, p);
      }),
    ).finally(() => (busy = false));
  }, 250);
  return {
    stop(): ProcessMemory[] {
      clearInterval(timer);
      return [...peaks.values()];
    },
  };
}

/**
 * A Postgres server from the `embedded-postgres` package's binaries, in a throwaway folder: durability off,
 * as in the tests (the data lives as long as the run). As root it runs as a `postgres` user, which must be
 * able to pass through the folders down to the binaries.
 */
async function startPostgres(port: number): Promise<{ url: string; stop(): Promise<void> }> {
  await letPostgresUserReachBinaries();
  const dir = join(tmpdir(), `news-bench-pg-${randomUUID()}`);
  const server = throwawayPostgres({ dir, port, password: 'bench-only', persistent: false, maxConnections: 200 });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:bench-only@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const hhmm = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;

/** Sets every subscription's next digest to `at` through the bot's own store, `parallel` at a time; returns the ms it took. */
async function seed(store: DigestStore, subs: Array<{ guildId: string; channelId: string }>, at: Date, parallel: number): Promise<number> {
  const t = performance.now();
  const now = new Date();
  for (let i = 0; i < subs.length; i += parallel) {
    await Promise.all(subs.slice(i, i + parallel).map((s) => store.upsertSubscription({ ...s, time: hhmm(at), timezone: 'UTC', topics: null, nextDueAt: at }, now)));
  }
  return Math.round(performance.now() - t);
}

/** Waits for `done`, polling every 100 ms; gives up after `ms` or when nothing changed for `stallMs`. */
async function waitProgress(done: () => boolean, progress: () => number, ms: number, stallMs: number, what: string, log: (s: string) => void): Promise<void> {
  const end = Date.now() + ms;
  let last = progress();
  let lastAt = Date.now();
  let nextLog = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > end) throw new BurstAbort(`${what}: not done within ${Math.round(ms / 1000)} s (${progress()} so far)`);
    const p = progress();
    if (p !== last) {
      last = p;
      lastAt = Date.now();
    } else if (Date.now() - lastAt > stallMs) return log(`  nothing new for ${Math.round(stallMs / 1000)} s: stopping here`);
    if (Date.now() >= nextLog) {
      nextLog += 10_000;
      log(`  ${p.toLocaleString('en')} so far`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Everything one run needs from its setup: how to start, whom to measure, how to stop. */
interface Deployment {
  label: string;
  commands: string[];
  store: DigestStore;
  /** Upserts in flight while seeding (SQLite: 1; Postgres: several connections). */
  parallel: number;
  start(): Promise<void>;
  pids(): Array<{ name: string; pid: number }>;
  /** Rejects when a process of the deployment dies. */
  died: Promise<never>;
  stop(): Promise<void>;
}

/** Runs the burst on one deployment: seed parked, start, seed the slot, deliver, count. */
async function runOn(sandbox: DiscordSandbox, make: () => Promise<Deployment>, subs: Array<{ guildId: string; channelId: string }>, contentDir: string, log: (s: string) => void) {
  const d = await make();
  try {
    const seedMs = await seed(d.store, subs, new Date(Date.now() + 12 * HOUR_MS), d.parallel);
    log(`  ${subs.length.toLocaleString('en')} subscriptions seeded in ${(seedMs / 1000).toFixed(1)} s`);
    const sampler = memorySampler(() => d.pids());
    const t0 = Date.now();
    log(`  starting: ${d.commands.join('  |  ')}`);
    await Promise.race([d.start(), d.died]);
    const startupMs = Date.now() - t0;
    log(`  online in ${(startupMs / 1000).toFixed(1)} s`);
    // The slot: far enough ahead to set every subscription to it again (timed above), then all due at once.
    const slot = new Date(Date.now() + Math.max(8000, seedMs * 2 + 3000));
    await Promise.race([seed(d.store, subs, slot, d.parallel), d.died]);
    const parts = await partsPerDigest(contentDir, slot);
    const slotIso = slot.toISOString();
    const before = sandbox.stats().rateLimited;
    let seen = 0;
    let lastOutAt = 0;
    const onMessage = ({ kind, message }: { kind: string; message: { interaction?: unknown; content: string } }) => {
      if (kind !== 'create' || message.interaction || !message.content.includes('\n-# ref ')) return;
      seen++;
      lastOutAt = Date.now();
    };
    sandbox.events.on('message', onMessage);
    while (Date.now() < slot.getTime()) await Promise.race([new Promise((r) => setTimeout(r, 50)), d.died]);
    const loadAtSlot = loadavg()[0]!;
    log(`  slot reached: ${subs.length.toLocaleString('en')} digests due (${parts} message(s) each)`);
    const wanted = subs.length * parts;
    await Promise.race([waitProgress(() => seen >= wanted, () => seen, Math.max(120_000, (wanted / GLOBAL_PER_SECOND) * 3000), 30_000, 'delivering', log), d.died]);
    sandbox.events.off('message', onMessage);
    const processes = sampler.stop();
    const after = sandbox.stats().rateLimited;
    const counts = countDeliveries(sandbox, subs, (channelId) => Array.from({ length: parts }, (_, p) => partMarker(channelId, slotIso, p)));
    return {
      parts,
      run: {
        label: d.label,
        commands: d.commands,
        startupMs,
        ...counts,
        slotToLastOutMs: lastOutAt ? lastOutAt - slot.getTime() : null,
        rateLimited: { global: after.global - before.global, route: after.route - before.route },
        processes,
        loadAverage: { atSlot: +loadAtSlot.toFixed(2), atEnd: +loadavg()[0]!.toFixed(2) },
      } satisfies ScaleRun,
    };
  } finally {
    await d.stop();
  }
}

/** A rejection when any of `exits` happens first (a process died), for racing against the run. */
const deathOf = (exits: Array<{ name: string; exited: Promise<unknown>; tail: () => string }>, isStopping: () => boolean): Promise<never> =>
  new Promise<never>((_, reject) => {
    for (const e of exits) void e.exited.then(() => !isStopping() && reject(new BurstAbort(`${e.name} exited — last stderr:\n${e.tail()}`)));
  });

/** A promise that rejects when `fail` is called (a process died), for racing; never an unhandled rejection itself. */
function deathSignal(): { died: Promise<never>; fail: (err: unknown) => void } {
  let fail!: (err: unknown) => void;
  const died = new Promise<never>((_, reject) => (fail = reject));
  died.catch(() => undefined);
  return { died, fail };
}

/** Runs both deliveries and compares them. */
export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const n = options.servers;
  const began = performance.now();
  const log = options.log ?? ((s: string) => process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${s}\n`));
  const work = await mkdtemp(join(tmpdir(), 'news-bench-scale-'));
  const articles = options.articlesPerDay ?? 20;
  try {
    // --- 1. One process, as today: `npm start`, SQLite, its own pacer.
    log(`One process: npm start, SQLite, ${n.toLocaleString('en')} servers`);
    const sandbox1 = await startDiscordSandbox({ gateway: { maxConcurrency: 16 } });
    const subs1 = sandbox1.addGuilds(n, { namePrefix: 'Bench', channel: 'digest' }).map((g) => ({ guildId: g.id, channelId: g.channels[0]!.id }));
    const dir1 = join(work, 'one');
    await writeContent(join(dir1, 'content'), articles, Date.now());
    let one: Awaited<ReturnType<typeof runOn>>;
    try {
      one = await runOn(
        sandbox1,
        async () => {
          const db = openDatabase(join(dir1, 'bot.sqlite'));
          // Only this seeding connection skips the fsync per write; the bot's own connection is unchanged.
          db.pragma('synchronous = OFF');
          const store = createSqliteDigestStore(db);
          const start = await startCommand();
          let bot: BotProcess | null = null;
          let stopping = false;
          const { died, fail } = deathSignal();
          return {
            label: 'one process (npm start, SQLite)',
            commands: [start.text],
            store,
            parallel: 1,
            async start() {
              const env: NodeJS.ProcessEnv = {
                PATH: process.env.PATH ?? '',
                ...start.env,
                DISCORD_TOKEN: sandbox1.token,
                DISCORD_API_URL: sandbox1.apiUrl,
                DATABASE_PATH: join(dir1, 'bot.sqlite'),
                CONTENT_DIR: join(dir1, 'content'),
                LOG_FORMAT: 'json',
                DISCORD_GUILD_ID: '',
                DIGEST_CHANNEL_ID: '',
              };
              bot = startBotProcess(start.args, env, join(dir1, 'bot.log'));
              deathOf([{ name: 'the bot process', exited: bot.exited, tail: () => bot!.stderrTail() }], () => stopping).catch(fail);
              await bot.online;
            },
            pids: () => (bot?.child.pid ? [{ name: 'bot (npm start)', pid: bot.child.pid }] : []),
            died,
            async stop() {
              stopping = true;
              if (bot) {
                bot.child.kill('SIGTERM');
                await Promise.race([bot.exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
                bot.kill();
              }
              await store.close();
            },
          };
        },
        subs1,
        join(dir1, 'content'),
        log,
      );
    } finally {
      await sandbox1.close();
    }
    log(`  ${one.run.delivered.toLocaleString('en')} delivered in ${((one.run.slotToLastOutMs ?? 0) / 1000).toFixed(1)} s`);

    // --- 2. Three machines, as the README's "Running at scale" block starts them.
    log(`Three machines: npm run rest-proxy, 3 × npm run start:shards, Postgres, ${n.toLocaleString('en')} servers`);
    const commands = await readScaleCommands();
    const proxyLine = commands.find((c) => c.script === 'rest-proxy');
    const machineLines = commands.filter((c) => c.script === 'start:shards');
    if (!proxyLine || machineLines.length !== 3) throw new Error('README.md "Running at scale": expected one rest-proxy line and three start:shards lines');
    const sandbox3 = await startDiscordSandbox({ gateway: { maxConcurrency: 16 } });
    const subs3 = sandbox3.addGuilds(n, { namePrefix: 'Bench', channel: 'digest' }).map((g) => ({ guildId: g.id, channelId: g.channels[0]!.id }));
    const machineDirs = machineLines.map((_, i) => join(work, `machine-${i}`));
    for (const d of machineDirs) await writeContent(join(d, 'content'), articles, Date.now());
    const pgServer = await startPostgres(await freePort());
    let three: Awaited<ReturnType<typeof runOn>>;
    try {
      three = await runOn(
        sandbox3,
        async () => {
          const store = await openPostgresDigestStore(pgServer.url, { poolSize: 20 });
          const started: ScaleProcess[] = [];
          let stopping = false;
          const { died, fail } = deathSignal();
          const layout = (i: number) => ({ SHARD_COUNT: '12', SHARDS_PER_CLUSTER: '4', CLUSTER_IDS: String(i) });
          return {
            label: 'three machines (start:shards, Postgres, rest-proxy)',
            commands: [proxyLine.text, ...machineLines.map((m, i) => `${m.text}  [bench: ${Object.entries(layout(i)).map(([k, v]) => `${k}=${v}`).join(' ')}]`)],
            store,
            parallel: 20,
            async start() {
              await mkdir(machineDirs[0]!, { recursive: true });
              const { proxy, port } = await startProxyOnFreePort(proxyLine, { cwd: machineDirs[0]!, overrides: { REST_PROXY_HOST: '127.0.0.1', DISCORD_API_URL: sandbox3.apiUrl, LOG_FORMAT: 'json' } });
              started.push(proxy);
              for (let i = 0; i < machineLines.length; i++) {
                started.push(
                  await startScaleProcess(machineLines[i]!, {
                    cwd: machineDirs[i]!,
                    overrides: { DISCORD_TOKEN: sandbox3.token, DATABASE_URL: pgServer.url, REST_PROXY_URL: `http://127.0.0.1:${port}`, LOG_FORMAT: 'json', DISCORD_GUILD_ID: '', DIGEST_CHANNEL_ID: '', ...layout(i) },
                  }),
                );
              }
              deathOf(started.map((p) => ({ name: p.command.label, exited: p.exited, tail: p.stderrTail })), () => stopping).catch(fail);
              const machines = started.slice(1);
              await Promise.all(machines.map((m) => m.until((l) => l.msg === 'all clusters online', 120_000 + n * 10, 'all clusters online')));
              await Promise.all(machines.map((m) => m.until((l) => l.msg === 'digest ticker started', 60_000, 'the digest ticker')));
            },
            pids() {
              const list: Array<{ name: string; pid: number }> = [];
              const [proxy, ...machines] = started;
              if (proxy?.child.pid) list.push({ name: 'rest-proxy', pid: proxy.child.pid });
              machines.forEach((m, i) => {
                if (m.child.pid) list.push({ name: `machine ${i} manager`, pid: m.child.pid });
                for (const l of m.logs) if (l.msg === 'cluster online') list.push({ name: `machine ${i} cluster ${String(l.cluster)}`, pid: l.pid as number });
              });
              return list;
            },
            died,
            async stop() {
              stopping = true;
              await Promise.all(started.slice(1).map((m) => m.stop()));
              await started[0]?.stop();
              await store.close();
            },
          };
        },
        subs3,
        join(machineDirs[0]!, 'content'),
        log,
      );
    } finally {
      await sandbox3.close();
      await pgServer.stop();
    }
    log(`  ${three.run.delivered.toLocaleString('en')} delivered in ${((three.run.slotToLastOutMs ?? 0) / 1000).toFixed(1)} s`);

    const parts = three.parts;
    const requests = n * parts;
    const globalLimitMs = Math.round((requests / GLOBAL_PER_SECOND) * 1000);
    const oneRss = Math.max(0, ...one.run.processes.map((p) => p.rssMaxMb));
    const threeRss = Math.max(0, ...three.run.processes.map((p) => p.rssMaxMb));
    const t3 = three.run.slotToLastOutMs;
    const goals = [
      {
        goal: `3 processes: all out within 1.1 × the global limit (${((globalLimitMs * 1.1) / 1000).toFixed(1)} s)`,
        value: t3 === null ? 'nothing out' : `${(t3 / 1000).toFixed(1)} s (${(t3 / globalLimitMs).toFixed(3)} ×)`,
        pass: t3 !== null && three.run.delivered === n && t3 <= globalLimitMs * 1.1,
      },
      { goal: '0 duplicates (both runs)', value: `one: ${one.run.duplicated}, three: ${three.run.duplicated}`, pass: one.run.duplicated === 0 && three.run.duplicated === 0 && one.run.unexpected === 0 && three.run.unexpected === 0 },
      { goal: '0 global 429s (both runs)', value: `one: ${one.run.rateLimited.global}, three: ${three.run.rateLimited.global}`, pass: one.run.rateLimited.global === 0 && three.run.rateLimited.global === 0 },
      { goal: `RSS per process ≤ one process's today (${oneRss} MB)`, value: `largest of the three machines' processes: ${threeRss} MB`, pass: threeRss > 0 && threeRss <= oneRss },
      { goal: 'every digest delivered (both runs)', value: `one: ${one.run.delivered}, three: ${three.run.delivered} of ${n}`, pass: one.run.delivered === n && three.run.delivered === n },
    ];
    return { servers: n, partsPerDigest: parts, requests, globalLimitMs, one: one.run, three: three.run, goals };
  } finally {
    if (options.keep) log(`Work folder kept: ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

/** Both runs side by side, the goals with PASS/FAIL. */
export function formatScale(r: ScaleResult): string {
  const s = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
  const runRows = (x: ScaleRun): string[] => [
    `${x.label}`,
    ...x.commands.map((c) => `  $ ${c}`),
    `  start-up ${s(x.startupMs)}; load average ${x.loadAverage.atSlot} at the slot, ${x.loadAverage.atEnd} at the end`,
    `  slot → last digest out   ${s(x.slotToLastOutMs)}`,
    `  delivered                ${x.delivered.toLocaleString('en')} (partial ${x.partial}, skipped ${x.skipped}, duplicated ${x.duplicated}, unexpected ${x.unexpected})`,
    `  429s                     global ${x.rateLimited.global}, route ${x.rateLimited.route}`,
    `  peak RSS per process     ${x.processes.map((p) => `${p.name} ${p.rssMaxMb} MB`).join('; ')}`,
  ];
  const gw = Math.max(...r.goals.map((g) => g.goal.length));
  return [
    `\nScale: ${r.servers.toLocaleString('en')} servers due at one instant, ${r.partsPerDigest} message(s) per digest → ${r.requests.toLocaleString('en')} posts; the global limit allows them in ${s(r.globalLimitMs)} (50 per s)\n`,
    ...runRows(r.one),
    '',
    ...runRows(r.three),
    '\nGoals',
    ...r.goals.map((g) => `${g.pass ? 'PASS' : 'FAIL'}  ${g.goal.padEnd(gw)}  ${g.value}`),
    '',
  ].join('\n');
}
