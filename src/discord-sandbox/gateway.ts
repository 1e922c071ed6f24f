import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Json } from './types.ts';
import { guildJson, userJson } from './wire.ts';
import type { World } from './world.ts';

interface GatewayClient {
  socket: WebSocket;
  sessionId: string;
  seq: number;
  identified: boolean;
}

/** Discord's default heartbeat interval; the client answers each op 11 in time. */
const HEARTBEAT_INTERVAL_MS = 41_250;

/**
 * The gateway on `/gateway`: HELLO, IDENTIFY (token checked, 4004 otherwise), READY listing the
 * bot's servers as unavailable, then one GUILD_CREATE per server (discord.js waits for all of them),
 * heartbeats, RESUME, and dispatches with a sequence number that goes up by one per client.
 */
export function attachGateway(http: Server, world: World, gatewayUrl: () => string) {
  const clients = new Set<GatewayClient>();
  const wss = new WebSocketServer({ noServer: true });
  const tokenOk = (t: unknown) => t === world.token || t === `Bot ${world.token}`;

  const dispatch = (c: GatewayClient, t: string, d: unknown) => {
    if (c.socket.readyState !== c.socket.OPEN) return;
    c.socket.send(JSON.stringify({ op: 0, t, s: ++c.seq, d }));
    world.events.emit('dispatch', { t, s: c.seq });
  };
  world.broadcast = (t, d) => {
    for (const c of clients) if (c.identified) dispatch(c, t, d);
  };

  const identify = (client: GatewayClient) => {
    client.identified = true;
    const mine = world.guilds.filter((g) => g.botMember);
    dispatch(client, 'READY', {
      v: 10,
      user: { ...userJson(world.botUser), verified: true, mfa_enabled: false, flags: 0 },
      guilds: mine.map((g) => ({ id: g.id, unavailable: true })),
      session_id: client.sessionId,
      resume_gateway_url: gatewayUrl(),
      application: { id: world.application.id, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      _trace: ['loopback'],
    });
    const joinedAt = world.iso();
    for (const g of mine) dispatch(client, 'GUILD_CREATE', guildJson(g, world.botUser, joinedAt));
    world.events.emit('ready', { sessionId: client.sessionId });
  };

  const onConnection = (socket: WebSocket) => {
    const client: GatewayClient = { socket, sessionId: world.snowflake(), seq: 0, identified: false };
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
        if (tokenOk(frame.d?.token)) identify(client);
        else socket.close(4004, 'Authentication failed.');
      } else if (frame.op === 6) {
        client.identified = tokenOk(frame.d?.token);
        if (client.identified) dispatch(client, 'RESUMED', {});
        else socket.close(4004, 'Authentication failed.');
      }
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
