import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { shardOfGuild } from './snowflake.ts';
import type { GatewayOptions, Json, SandboxGuild } from './types.ts';
import { guildJson, userJson } from './wire.ts';
import type { World } from './world.ts';

interface GatewayClient {
  socket: WebSocket;
  sessionId: string;
  seq: number;
  identified: boolean;
  /** `[shard_id, num_shards]` from IDENTIFY (`[0, 1]` when the bot does not shard). */
  shard: [number, number];
}

/** Discord's default heartbeat interval; the client answers each op 11 in time. */
const HEARTBEAT_INTERVAL_MS = 41_250;

/** Discord's numbers: one IDENTIFY per 5 s per bucket, at most 2,500 servers a session, ~1,000 recommended. */
export const DEFAULT_GATEWAY_OPTIONS: GatewayOptions = {
  maxConcurrency: 1,
  identifyIntervalMs: 5000,
  maxGuildsPerShard: 2500,
  guildsPerRecommendedShard: 1000,
  sessionStartLimit: 1000,
};

/** Fills in Discord's numbers for whatever the caller did not set. */
export function resolveGatewayOptions(options: Partial<GatewayOptions> = {}): GatewayOptions {
  const o = { ...DEFAULT_GATEWAY_OPTIONS, ...options };
  if (!Number.isInteger(o.maxConcurrency) || o.maxConcurrency < 1) throw new Error('gateway.maxConcurrency must be a positive integer');
  return o;
}

/** A `shard` array Discord accepts: two integers with `0 <= id < count`. */
function parseShard(raw: unknown): [number, number] | null {
  if (raw === undefined || raw === null) return [0, 1];
  if (!Array.isArray(raw) || raw.length !== 2) return null;
  const [id, count] = raw as unknown[];
  if (!Number.isInteger(id) || !Number.isInteger(count)) return null;
  if ((count as number) < 1 || (id as number) < 0 || (id as number) >= (count as number)) return null;
  return [id as number, count as number];
}

/**
 * The gateway on `/gateway`: HELLO, IDENTIFY (token checked, 4004 otherwise), READY listing the
 * session's servers as unavailable, then one GUILD_CREATE per server (discord.js waits for all of them),
 * heartbeats, RESUME, and dispatches with a sequence number that goes up by one per client.
 *
 * Sharding as Discord does it: a session identified with `shard: [i, n]` gets only the servers with
 * `(guild_id >> 22) % n === i`, and every later event of a server (INTERACTION_CREATE included) goes
 * only to the sessions of the shard that owns it. A bad shard array closes with 4010; a session that
 * would hold more than `maxGuildsPerShard` servers closes with 4011 "Sharding required"; an IDENTIFY
 * in a bucket (`shard_id % max_concurrency`) already used within the identify window gets op 9
 * (Invalid Session, not resumable), as Discord documents for its identify rate limit.
 */
export function attachGateway(http: Server, world: World, gatewayUrl: () => string, gatewayOptions: GatewayOptions = DEFAULT_GATEWAY_OPTIONS) {
  const options = gatewayOptions;
  const clients = new Set<GatewayClient>();
  /** The shard of every session that identified, so a RESUME gets its own servers back. */
  const sessions = new Map<string, [number, number]>();
  /** When each identify bucket was last used, in real time (the world's clock may be frozen in tests). */
  const bucketUsedAt = new Map<number, number>();
  let sessionStarts = 0;
  const wss = new WebSocketServer({ noServer: true });
  const tokenOk = (t: unknown) => t === world.token || t === `Bot ${world.token}`;
  const owns = (c: GatewayClient, guildId: string) => shardOfGuild(guildId, c.shard[1]) === c.shard[0];

  const dispatch = (c: GatewayClient, t: string, d: unknown, guildId?: string) => {
    if (c.socket.readyState !== c.socket.OPEN) return;
    c.socket.send(JSON.stringify({ op: 0, t, s: ++c.seq, d }));
    world.events.emit('dispatch', { t, s: c.seq, sessionId: c.sessionId, shard: c.shard, ...(guildId ? { guildId } : {}) });
  };
  world.dispatchForGuild = (guildId, t, d) => {
    const to: Array<{ sessionId: string; shard: [number, number] }> = [];
    for (const c of clients) {
      if (!c.identified || !owns(c, guildId)) continue;
      dispatch(c, t, d, guildId);
      to.push({ sessionId: c.sessionId, shard: c.shard });
    }
    return to;
  };

  const refuse = (client: GatewayClient, code: number, reason: string, shard: [number, number] | null) => {
    world.events.emit('refused', { code, reason, shard });
    client.socket.close(code, reason);
  };

  const identify = (client: GatewayClient, d: Json) => {
    if (!tokenOk(d.token)) {
      client.socket.close(4004, 'Authentication failed.');
      return;
    }
    const shard = parseShard(d.shard);
    if (!shard) {
      refuse(client, 4010, 'Invalid shard.', null);
      return;
    }
    const mine: SandboxGuild[] = world.guilds.filter((g) => g.botMember && shardOfGuild(g.id, shard[1]) === shard[0]);
    if (mine.length > options.maxGuildsPerShard) {
      refuse(client, 4011, 'Sharding required.', shard);
      return;
    }
    const bucket = shard[0] % options.maxConcurrency;
    const now = performance.now();
    const last = bucketUsedAt.get(bucket);
    if (last !== undefined && now - last < options.identifyIntervalMs) {
      // Discord answers an IDENTIFY over the limit with Invalid Session (d: false): start again later.
      world.events.emit('refused', { code: 9, reason: 'Identify rate limited', shard });
      client.socket.send(JSON.stringify({ op: 9, d: false }));
      return;
    }
    bucketUsedAt.set(bucket, now);
    sessionStarts++;
    client.identified = true;
    client.shard = shard;
    sessions.set(client.sessionId, shard);
    dispatch(client, 'READY', {
      v: 10,
      user: { ...userJson(world.botUser), verified: true, mfa_enabled: false, flags: 0 },
      guilds: mine.map((g) => ({ id: g.id, unavailable: true })),
      session_id: client.sessionId,
      resume_gateway_url: gatewayUrl(),
      ...(d.shard !== undefined ? { shard } : {}),
      application: { id: world.application.id, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      _trace: ['loopback'],
    });
    const joinedAt = world.iso();
    for (const g of mine) dispatch(client, 'GUILD_CREATE', guildJson(g, world.botUser, joinedAt), g.id);
    world.events.emit('ready', { sessionId: client.sessionId, shard, guilds: mine.length });
  };

  const resume = (client: GatewayClient, d: Json) => {
    if (!tokenOk(d.token)) {
      client.socket.close(4004, 'Authentication failed.');
      return;
    }
    const shard = typeof d.session_id === 'string' ? sessions.get(d.session_id) : undefined;
    if (!shard) {
      // A session this gateway never started cannot be resumed: Discord says so with op 9 (d: false).
      client.socket.send(JSON.stringify({ op: 9, d: false }));
      return;
    }
    client.sessionId = d.session_id as string;
    client.shard = shard;
    client.identified = true;
    dispatch(client, 'RESUMED', {});
  };

  const onConnection = (socket: WebSocket) => {
    const client: GatewayClient = { socket, sessionId: world.snowflake(), seq: 0, identified: false, shard: [0, 1] };
    clients.add(client);
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: HEARTBEAT_INTERVAL_MS } }));
    socket.on('close', () => clients.delete(client));
    socket.on('message', (raw) => {
      let frame: { op: number; d?: Json };
      try {
        frame = JSON.parse(String(raw));
      } catch {
        socket.close(4002, 'Decode error');
        return;
      }
      if (frame.op === 1) socket.send(JSON.stringify({ op: 11 }));
      else if (frame.op === 2) {
        if (client.identified) socket.close(4005, 'Already authenticated.');
        else identify(client, frame.d ?? {});
      } else if (frame.op === 6) resume(client, frame.d ?? {});
    });
  };

  http.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/gateway')) {
      socket.destroy();
      return;
    }
    // Only the bot connects here, and a bot's WebSocket sends no Origin; a web page's always does.
    // Refusing those keeps any site open in the user's browser off the loopback gateway.
    if (req.headers.origin !== undefined) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, onConnection);
  });

  return {
    /** True once a bot connection has identified. */
    get connected() {
      return [...clients].some((c) => c.identified);
    },
    /** The identified sessions: which shard each holds. */
    sessions(): Array<{ sessionId: string; shard: [number, number] }> {
      return [...clients].filter((c) => c.identified).map((c) => ({ sessionId: c.sessionId, shard: c.shard }));
    },
    /** Session starts left today, for `session_start_limit.remaining`. */
    get sessionStartsRemaining() {
      return Math.max(0, options.sessionStartLimit - sessionStarts);
    },
    /** Closes every bot connection with a close code, as Discord does (4004 after a token reset, 4014 for an intent taken away). */
    closeClients(code: number, reason: string) {
      for (const c of clients) c.socket.close(code, reason);
    },
    async close() {
      for (const c of clients) c.socket.terminate();
      clients.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
