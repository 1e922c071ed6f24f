import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, type Interaction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { shardOfGuild, startDiscordSandbox, type DiscordSandbox, type SandboxOptions } from '../../src/discord-sandbox/server.ts';
import { waitFor } from '../support/wait-for.ts';
import { call } from './sandbox-http.ts';

/** One raw gateway connection, recording every frame and how it closed. */
interface RawSession {
  socket: WebSocket;
  frames: Array<{ op: number; t?: string; s?: number; d?: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- raw gateway JSON
  closed: Promise<{ code: number; reason: string }>;
  /** The ids READY listed. */
  readyGuilds(): string[];
  /** The ids of the GUILD_CREATEs received. */
  createdGuilds(): string[];
}

let sandbox: DiscordSandbox | undefined;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await sandbox?.close();
  sandbox = undefined;
});

async function start(guilds: number, options: SandboxOptions = {}) {
  sandbox = await startDiscordSandbox(options);
  if (guilds > 0) sandbox.addGuilds(guilds);
  return sandbox;
}

/** Opens the gateway as a bot would, and sends IDENTIFY with `shard` (omitted when undefined). */
async function identify(s: DiscordSandbox, shard?: unknown): Promise<RawSession> {
  const socket = new WebSocket(`${s.apiUrl.replace(/^http/, 'ws').replace(/\/api$/, '/gateway')}?v=10&encoding=json`);
  cleanups.push(() => socket.terminate());
  const frames: RawSession['frames'] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  socket.on('message', (raw) => frames.push(JSON.parse(String(raw))));
  await once(socket, 'open');
  await waitFor(() => frames.find((f) => f.op === 10));
  socket.send(JSON.stringify({ op: 2, d: { token: s.token, intents: 1, properties: { os: 'linux', browser: 'test', device: 'test' }, ...(shard === undefined ? {} : { shard }) } }));
  return {
    socket,
    frames,
    closed,
    readyGuilds: () => (frames.find((f) => f.t === 'READY')?.d.guilds ?? []).map((g: { id: string }) => g.id),
    createdGuilds: () => frames.filter((f) => f.t === 'GUILD_CREATE').map((f) => f.d.id as string),
  };
}

const botGuildIds = (s: DiscordSandbox) => s.guilds.filter((g) => g.botMember).map((g) => g.id);

describe('GET /gateway/bot', () => {
  it('GIVEN 3,000 servers THEN it recommends 4 shards (one per 1,000, rounded up) with the configured max_concurrency', async () => {
    const s = await start(3000, { gateway: { maxConcurrency: 4 } });
    const answer = await call(s, 'GET', '/gateway/bot');
    expect(answer.status).toBe(200);
    expect(answer.json.shards).toBe(4);
    expect(answer.json.session_start_limit).toMatchObject({ total: 1000, remaining: 1000, max_concurrency: 4 });
  });

  it('GIVEN one server THEN one shard, max_concurrency 1 by default, and each session start counts down remaining', async () => {
    const s = await start(0);
    expect((await call(s, 'GET', '/gateway/bot')).json).toMatchObject({ shards: 1, session_start_limit: { max_concurrency: 1, remaining: 1000 } });
    const session = await identify(s);
    await waitFor(() => session.readyGuilds().length === 1);
    expect((await call(s, 'GET', '/gateway/bot')).json.session_start_limit.remaining).toBe(999);
  });
});

describe('IDENTIFY with a shard', () => {
  it('GIVEN 3,000 servers and 4 shards THEN each session gets exactly its servers: no overlap, and together all of them', async () => {
    const s = await start(3000, { gateway: { maxConcurrency: 4 } });
    const sessions = await Promise.all([0, 1, 2, 3].map((i) => identify(s, [i, 4])));
    const all = botGuildIds(s);
    const expected = [0, 1, 2, 3].map((i) => all.filter((id) => shardOfGuild(id, 4) === i));
    await waitFor(() => sessions.every((x, i) => x.createdGuilds().length === expected[i]!.length), { timeout: 15_000 });

    sessions.forEach((x, i) => {
      expect(new Set(x.readyGuilds())).toEqual(new Set(expected[i]));
      expect(new Set(x.createdGuilds())).toEqual(new Set(expected[i]));
      // Spread over the shards, not piled on one: each holds about a quarter of 3,001.
      expect(expected[i]!.length).toBeGreaterThan(700);
    });
    const union = sessions.flatMap((x) => x.readyGuilds());
    expect(union).toHaveLength(all.length);
    expect(new Set(union)).toEqual(new Set(all));
  }, 30_000);

  it.each([
    ['a shard id equal to the count', [4, 4]],
    ['a count of zero', [0, 0]],
    ['a negative id', [-1, 2]],
    ['not two integers', [0.5, 2]],
    ['not an array', 'zero of one'],
  ])('GIVEN %s THEN the gateway closes with 4010 Invalid shard', async (_name, shard) => {
    const s = await start(0);
    const session = await identify(s, shard);
    expect((await session.closed).code).toBe(4010);
    expect(session.frames.some((f) => f.t === 'READY')).toBe(false);
  });

  it('GIVEN 3,000 servers and no shard (or [0, 1]) THEN the gateway closes with 4011 Sharding required, before READY', async () => {
    const s = await start(3000);
    const unsharded = await identify(s);
    expect(await unsharded.closed).toMatchObject({ code: 4011 });
    const oneOfOne = await identify(s, [0, 1]);
    expect((await oneOfOne.closed).code).toBe(4011);
    expect([...unsharded.frames, ...oneOfOne.frames].some((f) => f.t === 'READY')).toBe(false);
  });

  it('GIVEN 2,500 servers and no shard THEN the session is accepted (2,500 is the most one session may hold)', async () => {
    const s = await start(2499);
    const session = await identify(s);
    await waitFor(() => session.createdGuilds().length === 2500, { timeout: 15_000 });
    expect(session.readyGuilds()).toHaveLength(2500);
  }, 30_000);
});

describe('events follow the shard that owns the server', () => {
  it('GIVEN 4 shards THEN an interaction, a channel change and a removal in a server reach only its shard connection', async () => {
    const s = await start(3000, { gateway: { maxConcurrency: 4 } });
    const sessions = await Promise.all([0, 1, 2, 3].map((i) => identify(s, [i, 4])));
    await waitFor(() => sessions.every((x) => x.readyGuilds().length > 0 && x.createdGuilds().length === x.readyGuilds().length), { timeout: 15_000 });
    const guild = s.guilds.find((g) => g.botMember && shardOfGuild(g.id, 4) === 3)!;
    const channel = guild.channels[0]!;
    const before = sessions.map((x) => x.frames.length);

    const handle = s.runCommand({ name: 'news', subcommand: 'latest', channelId: channel.id });
    s.setChannelOverwrites(channel.id, []);
    s.removeBotFromGuild(guild.id);
    // A marker on each other shard: frames on one connection arrive in order, so once a shard has its
    // marker, anything sent to it before (a wrongly routed event) has arrived too.
    for (const i of [0, 1, 2]) s.setChannelOverwrites(s.guilds.find((g) => g.botMember && shardOfGuild(g.id, 4) === i)!.channels[0]!.id, []);
    await waitFor(() => sessions.every((x, i) => x.frames.slice(before[i]).some((f) => f.t === (i === 3 ? 'GUILD_DELETE' : 'CHANNEL_UPDATE'))));

    const after = sessions.map((x, i) => x.frames.slice(before[i]).map((f) => f.t));
    expect(after[3]).toEqual(['INTERACTION_CREATE', 'CHANNEL_UPDATE', 'GUILD_DELETE']);
    expect(after.slice(0, 3)).toEqual([['CHANNEL_UPDATE'], ['CHANNEL_UPDATE'], ['CHANNEL_UPDATE']]);
    expect(handle.deliveredTo).toEqual([{ sessionId: sessions[3]!.frames.find((f) => f.t === 'READY')!.d.session_id, shard: [3, 4] }]);
  }, 30_000);
});

describe('max_concurrency', () => {
  it('GIVEN max_concurrency 2 THEN two buckets identify at once, and a third IDENTIFY in a used bucket gets op 9 (Invalid Session) until the window passes', async () => {
    const s = await start(0, { gateway: { maxConcurrency: 2, identifyIntervalMs: 1500 } });
    const refused: number[] = [];
    s.events.on('refused', (r) => refused.push(r.code));
    const [a, b] = await Promise.all([identify(s, [0, 4]), identify(s, [1, 4])]);
    await waitFor(() => [a, b].every((x) => x!.frames.some((f) => f.t === 'READY')));

    // Shard 2 is in bucket 0 (2 % 2), used by shard 0 a moment ago.
    const tooSoon = await identify(s, [2, 4]);
    await waitFor(() => tooSoon.frames.some((f) => f.op === 9));
    expect(tooSoon.frames.find((f) => f.op === 9)!.d).toBe(false);
    expect(tooSoon.frames.some((f) => f.t === 'READY')).toBe(false);
    expect(refused).toEqual([9]);

    // Once the window has passed, the same bucket may start a session again.
    const readyAt = performance.now();
    await waitFor(() => performance.now() - readyAt >= 1500, { timeout: 5000, interval: 100 });
    const later = await identify(s, [2, 4]);
    await waitFor(() => later.frames.some((f) => f.t === 'READY'));
  }, 20_000);
});

describe('with the real discord.js client', () => {
  const clients: Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy();
  });
  const newClient = (s: DiscordSandbox, shards?: { shards: number[] | 'auto'; shardCount?: number }) => {
    const c = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: s.apiUrl, retries: 0 }, ...(shards ?? {}) });
    clients.push(c);
    return c;
  };

  it('GIVEN 3,000 servers THEN four clients with shards [i] of 4 each hold exactly their servers, and an interaction fires only on its shard', async () => {
    const s = await start(3000, { gateway: { maxConcurrency: 4 } });
    const shardClients = [0, 1, 2, 3].map((i) => newClient(s, { shards: [i], shardCount: 4 }));
    await Promise.all(
      shardClients.map(async (c) => {
        const ready = once(c, Events.ClientReady);
        await c.login(s.token);
        await ready;
      }),
    );
    const all = botGuildIds(s);
    shardClients.forEach((c, i) => expect(new Set(c.guilds.cache.keys())).toEqual(new Set(all.filter((id) => shardOfGuild(id, 4) === i))));
    expect(shardClients.reduce((n, c) => n + c.guilds.cache.size, 0)).toBe(all.length);

    const seen: number[] = [];
    const markers = new Set<number>();
    shardClients.forEach((c, i) => {
      c.on(Events.InteractionCreate, (_: Interaction) => void seen.push(i));
      c.on(Events.ChannelUpdate, () => void markers.add(i));
    });
    const guild = s.guilds.find((g) => g.botMember && shardOfGuild(g.id, 4) === 2)!;
    const handle = s.runCommand({ name: 'news', subcommand: 'latest', channelId: guild.channels[0]!.id });
    // Then a marker on every shard: once each client has its marker, a wrongly routed interaction sent
    // before it on the same connection would have arrived too.
    for (const i of [0, 1, 2, 3]) s.setChannelOverwrites(s.guilds.find((g) => g.botMember && shardOfGuild(g.id, 4) === i)!.channels[0]!.id, []);
    await waitFor(() => markers.size === 4);
    expect(seen).toEqual([2]);
    expect(handle.deliveredTo.map((d) => d.shard)).toEqual([[2, 4]]);
  }, 60_000);

  it("GIVEN 3,000 servers and an unsharded client THEN the gateway closes it with 4011 and discord.js's login fails", async () => {
    const s = await start(3000);
    const c = newClient(s);
    const disconnected = once(c, Events.ShardDisconnect) as Promise<[{ code: number }, number]>;
    const login = c.login(s.token).then(
      () => 'resolved',
      (err: Error) => err,
    );
    const [event] = await disconnected;
    expect(event.code).toBe(4011);
    expect(c.isReady()).toBe(false);
    expect(s.connected).toBe(false);
    const outcome = await login;
    expect(outcome).toBeInstanceOf(Error);
    expect(String((outcome as Error).message)).toMatch(/4011|shard/i);
  }, 30_000);

  it('GIVEN max_concurrency 1 and two shards in one client THEN discord.js spaces the IDENTIFYs by the 5 s window, and none is refused', async () => {
    const s = await start(0);
    const refused: number[] = [];
    const readyAt: number[] = [];
    s.events.on('refused', (r) => refused.push(r.code));
    s.events.on('ready', () => readyAt.push(performance.now()));
    const c = newClient(s, { shards: [0, 1], shardCount: 2 });
    const ready = once(c, Events.ClientReady);
    await c.login(s.token);
    await ready;
    expect(readyAt).toHaveLength(2);
    expect(readyAt[1]! - readyAt[0]!).toBeGreaterThanOrEqual(5000);
    expect(refused).toEqual([]);
  }, 30_000);
});
