import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/bench/embedded-postgres.ts';
import { readScaleCommands, startProxyOnFreePort, startScaleProcess, type ScaleLogLine, type ScaleProcess } from '../../src/bench/scale-machines.ts';
import type { DigestStore } from '../../src/db/digest-store.ts';
import { openPostgresDigestStore } from '../../src/db/postgres-digest-store.ts';
import { shardOfGuild, startDiscordSandbox, type DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { usePostgres } from '../support/postgres.ts';
import { aggregatorArticle, tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Several machines, simulated on this one: the REST proxy and three `npm run start:shards` machines,
 * each started with its line of the README's "Running at scale" block (`scale-commands`), in a folder of
 * its own (its own `./content`), on one Postgres and the loopback Discord. Only the token, the
 * addresses and the database URL of the README lines are replaced; the test adds JSON logs, debug logs
 * (which process received which interaction) and, where said, a shorter lease and a larger global limit.
 */

const postgres = usePostgres();
/** What the README's lines say that a test must replace: the site's own token, addresses and database. */
const SITE_SPECIFIC = ['DISCORD_TOKEN', 'DATABASE_URL', 'REST_PROXY_URL', 'REST_PROXY_HOST', 'REST_PROXY_PORT'];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** The digest's marker line: each part of each digest carries its own, so a part posted twice shows. */
const markerOf = (content: string) => {
  const at = content.lastIndexOf('\n-# ref ');
  return at < 0 ? null : content.slice(at + 1);
};

interface World {
  sandbox: DiscordSandbox;
  store: DigestStore;
  proxy: ScaleProcess;
  machines: ScaleProcess[];
  dirs: string[];
  subs: Array<{ guildId: string; channelId: string }>;
  /** Digest messages per channel, by marker, as the loopback stored them. */
  posted: Map<string, Map<string, number>>;
  /** The clusters online on each machine: their id, shards and pid. */
  clusters: Array<Array<{ cluster: number; shards: number[]; pid: number }>>;
}

/** Starts Postgres' schema, the loopback with `servers` digest servers, the proxy and the three machines, as the README says. */
async function startWorld(options: { servers: number; loopbackGlobalPerSecond?: number; proxyGlobalPerSecond?: number; leaseMs?: number }): Promise<World> {
  const commands = await readScaleCommands();
  const proxyLine = commands.find((c) => c.script === 'rest-proxy');
  const machineLines = commands.filter((c) => c.script === 'start:shards');
  expect(proxyLine, 'the README starts one REST proxy').toBeDefined();
  expect(machineLines).toHaveLength(3);
  // Every machine: the same shard layout, its own clusters.
  for (const m of machineLines) expect([m.env.SHARD_COUNT, m.env.SHARDS_PER_CLUSTER]).toEqual([machineLines[0]!.env.SHARD_COUNT, machineLines[0]!.env.SHARDS_PER_CLUSTER]);
  const shardCount = Number(machineLines[0]!.env.SHARD_COUNT);
  expect(shardCount).toBe(4);

  const sandbox = await startDiscordSandbox(options.loopbackGlobalPerSecond ? { rateLimits: { globalPerSecond: options.loopbackGlobalPerSecond } } : {});
  cleanups.push(() => sandbox.close());
  const guilds = sandbox.addGuilds(options.servers, { namePrefix: 'Scale', channel: 'digest' });
  const subs = guilds.map((g) => ({ guildId: g.id, channelId: g.channels[0]!.id }));
  const posted = new Map<string, Map<string, number>>();
  sandbox.events.on('message', ({ kind, message }) => {
    const marker = kind === 'create' && !message.interaction ? markerOf(message.content) : null;
    if (!marker) return;
    const byMarker = posted.get(message.channel_id) ?? new Map<string, number>();
    byMarker.set(marker, (byMarker.get(marker) ?? 0) + 1);
    posted.set(message.channel_id, byMarker);
  });

  // The schema, migrated as a bot would, and every server subscribed (parked half a day ahead).
  const url = await postgres().freshDatabase();
  const store = await openPostgresDigestStore(url);
  cleanups.push(() => store.close());
  const parked = new Date(Date.now() + 12 * 3_600_000);
  await setDue(store, subs, parked);

  // Each machine's own copy of the archive: a day of news, published in the last hours.
  const dirs: string[] = [];
  for (let i = 0; i < machineLines.length; i++) {
    const dir = await tempDir(`news-bot-machine-${i}-`);
    cleanups.push(dir.cleanup);
    for (let a = 0; a < 4; a++) {
      await dir.write(`content/day-${a}.md`, aggregatorArticle({ title: `Scale story ${a}`, date: new Date(Date.now() - (a + 1) * 3_600_000).toISOString(), topics: [['BITCOIN', 'AI'][a % 2]!] }));
    }
    dirs.push(dir.root);
  }

  const { proxy, port } = await startProxyOnFreePort(proxyLine!, {
    cwd: dirs[0]!,
    overrides: {
      REST_PROXY_HOST: '127.0.0.1',
      DISCORD_API_URL: sandbox.apiUrl,
      LOG_FORMAT: 'json',
      ...(options.proxyGlobalPerSecond ? { REST_PROXY_GLOBAL_PER_SECOND: String(options.proxyGlobalPerSecond) } : {}),
    },
  });
  cleanups.push(() => proxy.stop());

  for (const m of machineLines) for (const key of Object.keys(m.env)) expect(['SHARD_COUNT', 'SHARDS_PER_CLUSTER', 'CLUSTER_IDS', ...SITE_SPECIFIC]).toContain(key);
  const machines: ScaleProcess[] = [];
  for (let i = 0; i < machineLines.length; i++) {
    const machine = await startScaleProcess(machineLines[i]!, {
      cwd: dirs[i]!,
      overrides: {
        DISCORD_TOKEN: sandbox.token,
        DATABASE_URL: url,
        REST_PROXY_URL: `http://127.0.0.1:${port}`,
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'debug',
        // A developer's .env must not add a test server or a preset digest.
        DISCORD_GUILD_ID: '',
        DIGEST_CHANNEL_ID: '',
        ...(options.leaseMs ? { DIGEST_LEASE_MS: String(options.leaseMs) } : {}),
      },
    });
    cleanups.push(() => machine.stop());
    machines.push(machine);
  }
  // All three start at once: an IDENTIFY refused for the identify window is retried by discord.js.
  await Promise.all(machines.map((m) => m.until((l) => l.msg === 'all clusters online', 120_000, 'all clusters online')));
  const clusters = await Promise.all(
    machines.map(async (m) => {
      const expected = m.command.env.CLUSTER_IDS!.split(',').length;
      await waitFor(() => m.logs.filter((l) => l.msg === 'digest ticker started').length === expected, { timeout: 60_000, interval: 100, what: `${m.command.label}: every cluster's ticker` });
      return m.logs.filter((l) => l.msg === 'cluster online').map((l) => ({ cluster: l.cluster as number, shards: l.shards as number[], pid: l.pid as number }));
    }),
  );
  return { sandbox, store, proxy, machines, dirs, subs, posted, clusters };
}

/** Sets every subscription's next digest to `at`, through the store the bots use (20 at a time). */
async function setDue(store: DigestStore, subs: World['subs'], at: Date) {
  const hh = String(at.getUTCHours()).padStart(2, '0');
  const mm = String(at.getUTCMinutes()).padStart(2, '0');
  for (let i = 0; i < subs.length; i += 20) {
    await Promise.all(subs.slice(i, i + 20).map((s) => store.upsertSubscription({ ...s, time: `${hh}:${mm}`, timezone: 'UTC', topics: null, nextDueAt: at }, new Date())));
  }
}

const delivered = (w: World) => w.subs.filter((s) => (w.posted.get(s.channelId)?.size ?? 0) > 0).length;
/** Waits until every server has its digest; on timeout, says how far each machine got and what it warned about. */
const allDelivered = (w: World, timeout: number) =>
  waitFor(() => delivered(w) === w.subs.length, { timeout, interval: 250 }).catch((err: Error) => {
    const outcomes = w.machines.map((m) => {
      const counts: Record<string, number> = {};
      const errors: Record<string, number> = {};
      for (const l of m.logs) {
        if (l.msg.startsWith('digest ') || (l.level as number) >= 40) counts[l.msg] = (counts[l.msg] ?? 0) + 1;
        if (typeof l.error === 'string') errors[l.error] = (errors[l.error] ?? 0) + 1;
      }
      // The reasons the warnings gave, most frequent first: what a failed run needs to be understood.
      return { counts, errors: Object.entries(errors).sort((a, b) => b[1] - a[1]).slice(0, 3) };
    });
    throw new Error(`${err.message}: ${delivered(w)} of ${w.subs.length} out; per machine: ${JSON.stringify(outcomes)}; proxy: ${JSON.stringify(w.proxy.logs.slice(-3))}`);
  });
const duplicates = (w: World) => [...w.posted.values()].reduce((n, m) => n + [...m.values()].filter((c) => c > 1).length, 0);
const logsOf = (w: World, msg: string) => w.machines.map((m) => m.logs.filter((l) => l.msg === msg));

describe('three machines on one Postgres and one REST proxy, started as the README says', () => {
  it('GIVEN 3,000 servers on 4 shards, all due at one minute THEN every digest goes out once, the loopback counts 0 global 429s, every interaction is received and answered by the process holding its shard, and a new article reaches every process\'s search within 5 s', async () => {
    // Discord's limiter, unchanged, at the 200 a second a large bot can be granted (and the proxy under it), so 3,000 digests take ~15 s.
    const w = await startWorld({ servers: 3000, loopbackGlobalPerSecond: 200, proxyGlobalPerSecond: 190 });

    // Shards: each of the 4 held once, by the cluster the README line gives it.
    expect(w.sandbox.gatewaySessions().map((s) => s.shard.join('/')).sort()).toEqual(['0/4', '1/4', '2/4', '3/4']);
    expect(w.clusters.map((cs) => cs.flatMap((c) => c.shards).sort())).toEqual([[0, 1], [2], [3]]);
    // One registration for all three machines (the hash lives in Postgres).
    expect(w.sandbox.requests.filter((r) => r.method === 'PUT' && /\/commands$/.test(r.path))).toHaveLength(1);

    // Interactions: one /news latest in a server of each shard.
    for (let shard = 0; shard < 4; shard++) {
      const guild = w.sandbox.guilds.find((g) => g.botMember && g.channels[0] && shardOfGuild(g.id, 4) === shard)!;
      const handle = w.sandbox.runCommand({ name: 'news', subcommand: 'latest', channelId: guild.channels[0]!.id });
      const reply = await handle.reply(10_000);
      expect(JSON.stringify(reply.embeds)).toContain('Scale story');
      expect(handle.deliveredTo.map((d) => d.shard)).toEqual([[shard, 4]]);
      const receivedBy = await waitFor(() => {
        const found = w.machines.flatMap((m, i) => m.logs.filter((l) => l.msg === 'interaction received' && l.interactionId === handle.id).map((l) => ({ machine: i, line: l })));
        return found.length > 0 ? found : null;
      });
      // Exactly one process received it: the cluster whose shards include this server's.
      expect(receivedBy).toHaveLength(1);
      const { machine, line } = receivedBy[0]!;
      const owner = w.clusters[machine]!.find((c) => c.cluster === line.cluster)!;
      expect(owner.shards).toContain(shard);
      expect(owner.pid).toBe(line.pid);
    }

    // The archive: a new article in each machine's own folder, searchable in every process within 5 s.
    const writtenAt = Date.now();
    for (const dir of w.dirs) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(`${dir}/content/zephyrite-breakthrough.md`, aggregatorArticle({ title: 'Zephyrite breakthrough announced', date: new Date(Date.now() - 60_000).toISOString() }));
    }
    const foundAfter: number[] = [];
    for (let shard = 0; shard < 4; shard++) {
      const guild = w.sandbox.guilds.find((g) => g.botMember && g.channels[0] && shardOfGuild(g.id, 4) === shard)!;
      await waitFor(
        async () => {
          const reply = await w.sandbox.runCommand({ name: 'news', subcommand: 'search', options: { query: 'zephyrite' }, channelId: guild.channels[0]!.id }).reply(5000);
          return JSON.stringify(reply.embeds ?? []).includes('Zephyrite breakthrough');
        },
        { timeout: 5000 - (Date.now() - writtenAt), interval: 200, what: `the new article in the search of shard ${shard}'s process` },
      );
      foundAfter.push(Date.now() - writtenAt);
    }
    expect(Math.max(...foundAfter)).toBeLessThanOrEqual(5000);

    // The burst: every server due at one instant.
    const before = w.sandbox.stats().rateLimited;
    const slot = new Date(Date.now() + 3000);
    await setDue(w.store, w.subs, slot);
    await allDelivered(w, 120_000);
    // Every process's engine has recorded its outcomes: all digests delivered, each by exactly one process.
    await waitFor(() => logsOf(w, 'digest delivered').flat().length >= w.subs.length, { timeout: 20_000, interval: 100 });
    const byMachine = logsOf(w, 'digest delivered').map((ls) => ls.length);
    expect(byMachine.reduce((a, b) => a + b, 0)).toBe(w.subs.length);
    // A work queue, not shards: every machine took part.
    for (const n of byMachine) expect(n).toBeGreaterThan(0);
    expect(duplicates(w)).toBe(0);
    for (const s of w.subs) expect([...w.posted.get(s.channelId)!.values()]).toEqual([1]);
    const after = w.sandbox.stats().rateLimited;
    expect(after.global - before.global).toBe(0);
    expect(after.global).toBe(0);
  }, 300_000);

  it('GIVEN a machine killed (SIGKILL, manager and cluster) in the middle of a burst THEN the other machines finish its claimed digests once its lease has passed, and none goes out twice', async () => {
    const leaseMs = 5000;
    // Discord's own numbers here: 50 a second, the proxy at its default 48.
    const w = await startWorld({ servers: 600, leaseMs });
    const victim = w.machines[2]!;
    const victimOwner = (victim.logs.find((l) => l.msg === 'digest ticker started') as ScaleLogLine).owner as string;

    const slot = new Date(Date.now() + 3000);
    await setDue(w.store, w.subs, slot);
    // Kill it while it is delivering: some of its digests out, more claimed.
    await waitFor(() => victim.logs.filter((l) => l.msg === 'digest delivered').length >= 5, { timeout: 60_000, interval: 20, what: 'the victim delivering' });
    victim.killGroup();
    const killedAt = Date.now();
    await victim.exited;
    const deliveredByVictim = new Set(victim.logs.filter((l) => l.msg === 'digest delivered').map((l) => l.channelId as string));

    // What it held when it died: claimed, leased to it, not finished.
    const held: Array<{ guildId: string; channelId: string }> = [];
    for (let i = 0; i < w.subs.length; i += 50) {
      const rows = await Promise.all(w.subs.slice(i, i + 50).map((s) => w.store.listDeliveries(s.guildId)));
      for (const d of rows.flat()) if (d.slot === slot.toISOString() && d.leaseOwner === victimOwner && d.status === 'claimed') held.push({ guildId: d.guildId, channelId: d.channelId });
    }
    expect(held.length).toBeGreaterThan(0);

    await allDelivered(w, 90_000);
    // The dead machine may have posted some of what it held before it died: they count as done only once recorded.
    const slotIso = slot.toISOString();
    await waitFor(
      async () => {
        const rows = await Promise.all(held.map((h) => w.store.listDeliveries(h.guildId)));
        return rows.every((r) => r.find((d) => d.slot === slotIso)?.status === 'delivered');
      },
      { timeout: 60_000, interval: 500, what: 'every digest the dead machine held recorded as delivered' },
    );
    expect(duplicates(w)).toBe(0);
    for (const s of w.subs) expect([...w.posted.get(s.channelId)!.values()]).toEqual([1]);
    // Its held digests were finished by the others, after its lease ran out.
    const others = w.machines.slice(0, 2).flatMap((m) => m.logs.filter((l) => l.msg === 'digest delivered'));
    for (const h of held) {
      if (deliveredByVictim.has(h.channelId)) continue;
      const by = others.filter((l) => l.channelId === h.channelId);
      const about = w.machines.map((m) => m.logs.filter((l) => l.channelId === h.channelId || l.guildId === h.guildId).map((l) => `${l.msg} ${String(l.status ?? '')}`));
      expect(by, JSON.stringify({ held: held.length, about })).toHaveLength(1);
      expect(by[0]!.time as number).toBeGreaterThanOrEqual(killedAt - 1000 + leaseMs - 1000);
    }
  }, 300_000);
});

describe('starting the README\'s REST proxy', () => {
  it('GIVEN the port found free is taken before the proxy binds it THEN it is started again on another, and says where it listens', async () => {
    const proxyLine = (await readScaleCommands()).find((c) => c.script === 'rest-proxy')!;
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(() => resolve())));
    const busy = (taken.address() as AddressInfo).port;
    const chosen: number[] = [];
    const ports = [busy, await freePort()];
    const dir = await tempDir('news-bot-proxy-');
    cleanups.push(dir.cleanup);
    const { proxy, port } = await startProxyOnFreePort(proxyLine, {
      cwd: dir.root,
      overrides: { REST_PROXY_HOST: '127.0.0.1', DISCORD_API_URL: 'http://127.0.0.1:9/api', LOG_FORMAT: 'json' },
      choosePort: async () => {
        chosen.push(ports[chosen.length]!);
        return chosen.at(-1)!;
      },
    });
    cleanups.push(() => proxy.stop());
    expect(chosen).toEqual(ports);
    expect(port).toBe(ports[1]);
    expect(proxy.logs.find((l) => l.msg === 'REST proxy listening')).toBeDefined();
  });
});
