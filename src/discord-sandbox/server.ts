import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { interactionDriver } from './driver-interactions.ts';
import { worldDriver } from './driver-world.ts';
import { createFaults, type ChannelFault, type DropPoint } from './faults.ts';
import { attachGateway, resolveGatewayOptions } from './gateway.ts';
import { shardOfGuild } from './snowflake.ts';
import { send } from './http-io.ts';
import { DEFAULT_NONCE_WINDOW_MS, createNonceStore } from './nonces.ts';
import { createRateLimiter, resolveRateLimits } from './rate-limits.ts';
import { createRestHandler, type SandboxStats } from './rest.ts';
import { appRoutes } from './rest-app.ts';
import { channelRoutes } from './rest-channels.ts';
import type { RestContext } from './rest-context.ts';
import { interactionRoutes } from './rest-interactions.ts';
import type { Fault, Json, RecordedRequest, RequestMatch, SandboxChannel, SandboxOptions, StoredMessage } from './types.ts';
import { messageJson } from './wire.ts';
import { SANDBOX_USERS, createWorld } from './world.ts';

/**
 * A Discord-compatible REST and gateway server on 127.0.0.1, for driving the real discord.js client
 * without Discord. It enforces what Discord enforces (message and command rules, rate limits, the
 * 3-second interaction deadline, "already acknowledged", permissions, nonces), so a request Discord
 * would reject fails here too. Its gateway shards as Discord does (`GET /gateway/bot` recommends a count;
 * a session gets only its shard's servers and their events; 4010, 4011 past 2,500 servers, and op 9 for
 * an IDENTIFY over `max_concurrency`; see `gateway.ts`). Tests and the browser sandbox drive it as users would: commands,
 * autocomplete, clicks; and as Discord would: faults, deleted channels, servers joined and left.
 */

export { InteractionHandle } from './interaction-handle.ts';
export { CommandHiddenError, type CommandInput } from './driver-interactions.ts';
export type { ChannelFault, DropPoint } from './faults.ts';
export type { RateLimitOptions } from './rate-limits.ts';
export type { SandboxStats } from './rest.ts';
export { DEFAULT_GATEWAY_OPTIONS } from './gateway.ts';
export { shardOfGuild } from './snowflake.ts';
export { SANDBOX_USERS } from './world.ts';
export type * from './types.ts';

/** A running loopback Discord. */
export type DiscordSandbox = Awaited<ReturnType<typeof startDiscordSandbox>>;

/** Starts the server. Close it with `close()`; it leaves no handles behind. */
export async function startDiscordSandbox(options: SandboxOptions = {}) {
  const world = createWorld(options);
  const host = options.host ?? '127.0.0.1';
  const nonces = createNonceStore(options.nonceWindowMs ?? DEFAULT_NONCE_WINDOW_MS, world.now);
  const faults = createFaults();
  const limits = resolveRateLimits(options.rateLimits);
  const toJson = (m: StoredMessage) => messageJson(m, world.application.id, m.thread ? world.findChannel(m.thread) : undefined);

  const http = createServer();
  const address = () => `${host}:${(http.address() as AddressInfo).port}`;
  const gatewayUrl = () => `ws://${address()}/gateway`;
  const gatewayOptions = resolveGatewayOptions(options.gateway);
  // The gateway is attached once the HTTP server exists; REST reads it only when a request comes in.
  let gateway: ReturnType<typeof attachGateway> | null = null;
  const gatewayInfo = () => ({ options: gatewayOptions, sessionStartsRemaining: gateway?.sessionStartsRemaining ?? gatewayOptions.sessionStartLimit });
  const ctx: RestContext = { world, nonces, messageJson: toJson, gatewayUrl, gateway: gatewayInfo };
  const rest = createRestHandler({
    world,
    faults,
    limiter: limits ? createRateLimiter(limits, world.now) : null,
    routes: [appRoutes(ctx), interactionRoutes(ctx), channelRoutes(ctx)],
  });
  http.on('request', (req, res) => {
    // Uploaded files, as Discord's CDN serves them: by channel, attachment id and file name, no token.
    const file = req.method === 'GET' ? /^\/attachments\/\d+\/(\d+)\/[^/]+$/.exec(req.url ?? '') : null;
    if (file) {
      const stored = world.files.get(file[1]!);
      if (!stored) return send(res, 404, { message: '404: Not Found', code: 0 });
      res.writeHead(200, { 'Content-Type': stored.contentType, 'Content-Length': String(stored.data.length), 'X-Content-Type-Options': 'nosniff' });
      res.end(stored.data);
      return;
    }
    rest.handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { message: `Sandbox error: ${(err as Error).message}`, code: 0 });
    });
  });
  const attached = attachGateway(http, world, gatewayUrl, gatewayOptions);
  gateway = attached;

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });

  return {
    /** REST base for `new Client({ rest: { api } })` and `DISCORD_API_URL`. */
    get apiUrl() {
      return `http://${address()}/api`;
    },
    get port() {
      return (http.address() as AddressInfo).port;
    },
    /** The Node HTTP server, so the browser page can share the port. */
    http,
    token: world.token,
    application: world.application,
    botUser: world.botUser,
    /** Every server, including ones the bot was removed from (`botMember: false`). */
    guilds: world.guilds,
    users: SANDBOX_USERS,
    events: world.events,
    /** Every request received, in order (status 0: the connection was dropped). */
    requests: world.requests as RecordedRequest[],
    /** 429s by kind, and 401/403/429 answers. */
    stats(): SandboxStats {
      return structuredClone(rest.stats);
    },
    /** A thread by id (the id of the message it was started from), if one was started. */
    thread(id: string): SandboxChannel | undefined {
      const c = world.findChannel(id);
      return c?.thread ? c : undefined;
    },
    /** An uploaded file's bytes by attachment id. */
    file(attachmentId: string): { data: Buffer; contentType: string } | undefined {
      return world.files.get(attachmentId);
    },
    /** Messages of a channel, oldest first, ephemeral replies included (flagged). */
    messages(channelId: string): StoredMessage[] {
      return [...(world.messages.get(channelId) ?? [])];
    },
    /** Registered commands: a guild's, or the global ones. */
    commands(guildId?: string): Json[] {
      return world.commands.get(guildId ?? 'global') ?? [];
    },
    /** A channel by name (the first server that has one). */
    channel(name: string): SandboxChannel {
      for (const g of world.guilds) {
        const c = g.channels.find((x) => x.name === name);
        if (c) return c;
      }
      throw new Error(`no channel #${name}`);
    },
    interaction(id: string) {
      return world.interactions.get(id);
    },
    /** True once a bot connection has identified. */
    get connected() {
      return attached.connected;
    },
    /** The identified gateway sessions and the shard `[id, count]` each holds. */
    gatewaySessions() {
      return attached.sessions();
    },
    /** The shard that owns a server for a given shard count: `(guild_id >> 22) % count`. */
    shardOf(guildId: string, shardCount: number) {
      return shardOfGuild(guildId, shardCount);
    },
    /** Closes the bot's gateway connections with a close code (e.g. 4004 "Authentication failed." after a token reset). */
    closeGateway(code: number, reason: string) {
      attached.closeClients(code, reason);
    },
    /** Fails the next matching request(s) with the given status (429 carries Retry-After). */
    failNext(fault: Fault) {
      faults.failNext(fault);
    },
    /** Loses the next matching request(s): `before-applying` (never arrives) or `after-applying` (applied, no answer). */
    dropNext(match: RequestMatch & { when: DropPoint }) {
      faults.dropNext(match);
    },
    /** Answers the next matching request(s) `delayMs` late (applied first). */
    delayNext(match: RequestMatch & { delayMs: number }) {
      faults.delayNext(match);
    },
    /** Makes every request on a channel fail: 403 50001 / 50013 or 404 10003; `null` lifts it. */
    failChannel(channelId: string, kind: ChannelFault | null) {
      faults.setChannel(channelId, kind);
    },
    /** Forgets every enforced nonce, as if their window had passed. */
    expireNonces() {
      nonces.expireAll();
    },
    /** Moves the server's clock forward: nonce and rate-limit windows, interaction deadlines. */
    advanceClock(ms: number) {
      world.advance(ms);
    },
    ...worldDriver(world),
    ...interactionDriver(world, toJson),
    /** Closes every socket and the server. */
    async close() {
      await attached.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
