import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { DISCORD_LIMITS } from '../payload/limits.ts';
import { validateAutocompleteChoices, validateMessage, type LimitViolation } from '../payload/validate.ts';
import { DEFAULT_EVERYONE, PERMISSION, channelPermissions, type Overwrite } from './permissions.ts';
import { snowflakeFactory } from './snowflake.ts';

/**
 * A Discord-compatible REST and gateway server on 127.0.0.1, for driving the real discord.js client
 * without Discord. It enforces what Discord enforces (message limits, the 3-second interaction
 * deadline, "already acknowledged", channel permissions, nonces), so a message Discord would reject
 * fails here too. Tests and the browser sandbox drive it as users would: commands, autocomplete, clicks.
 */

type Json = Record<string, unknown>;

/** A user as Discord describes one. */
export interface SandboxUser {
  id: string;
  username: string;
  global_name?: string;
  bot?: boolean;
}

/** A text channel of a sandbox server. */
export interface SandboxChannel {
  id: string;
  name: string;
  guildId: string;
  overwrites: Overwrite[];
}

/** A sandbox server. */
export interface SandboxGuild {
  id: string;
  name: string;
  everyonePermissions: bigint;
  channels: SandboxChannel[];
}

/** A message as stored, with the exact body the bot sent. */
export interface StoredMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: SandboxUser;
  content: string;
  embeds: Json[];
  components: Json[];
  flags: number;
  timestamp: string;
  edited_timestamp: string | null;
  nonce?: string;
  /** The body exactly as received (last create or edit). */
  body: Json;
  /** Set for interaction responses: who triggered them, and whether only that user can see them. */
  interaction?: { id: string; userId: string; ephemeral: boolean; commandName?: string };
}

/** One response the bot gave to an interaction. */
export interface InteractionResponse {
  kind: 'callback' | 'edit-original' | 'followup' | 'edit-followup';
  type?: number;
  body: Json;
  message?: StoredMessage;
}

/** A request that reached the server, for assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  code?: number;
}

/** A scripted failure for the next matching request(s). */
export interface Fault {
  method?: string;
  path?: RegExp | string;
  status: number;
  code?: number;
  message?: string;
  /** Seconds, for 429. */
  retryAfter?: number;
  times?: number;
  /** Carry the request out, then answer with the failure: Discord accepted it but the answer was lost. */
  afterApplying?: boolean;
}

/** Events the browser sandbox and tests can follow. */
export interface SandboxEvents {
  message: [{ kind: 'create' | 'update' | 'delete'; message: StoredMessage }];
  interaction: [{ interaction: InteractionHandle }];
  response: [{ interaction: InteractionHandle; response: InteractionResponse }];
  rejected: [{ method: string; path: string; body: unknown; status: number; code: number; message: string; violations: LimitViolation[] }];
  commands: [{ guildId: string | null; commands: Json[] }];
  ready: [{ sessionId: string }];
}

class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Json,
    readonly violations: LimitViolation[] = [],
  ) {
    super(message);
  }
}

/** Everything the bot did for one interaction, with ways to wait for it. */
export class InteractionHandle {
  readonly responses: InteractionResponse[] = [];
  /** The original response message (after edits), if any. */
  original: StoredMessage | null = null;
  readonly followUps: StoredMessage[] = [];
  acknowledged = false;
  ephemeral = false;
  /** Autocomplete choices the bot answered with. */
  choices: Json[] | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly id: string,
    readonly token: string,
    readonly type: number,
    readonly payload: Json,
    readonly createdAt: number,
    readonly user: SandboxUser,
  ) {}

  /** @internal */
  record(r: InteractionResponse) {
    this.responses.push(r);
    for (const w of [...this.waiters]) w();
  }

  /** Resolves when `check` holds, or rejects after `timeoutMs` with what did arrive. */
  waitFor<T>(check: (h: InteractionHandle) => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
    const now = check(this);
    if (now) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(probe);
        reject(new Error(`interaction ${this.id}: condition not met within ${timeoutMs} ms; responses: ${JSON.stringify(this.responses.map((r) => [r.kind, r.type]))}`));
      }, timeoutMs);
      const probe = () => {
        const v = check(this);
        if (v) {
          clearTimeout(timer);
          this.waiters.delete(probe);
          resolve(v);
        }
      };
      this.waiters.add(probe);
    });
  }

  /** The first callback the bot sent. */
  firstResponse(timeoutMs?: number): Promise<InteractionResponse> {
    return this.waitFor((h) => h.responses.find((r) => r.kind === 'callback'), timeoutMs);
  }

  /** The visible reply once it has content (a deferred reply resolves after its edit). */
  reply(timeoutMs?: number): Promise<StoredMessage> {
    return this.waitFor((h) => (h.original && (h.original.content || h.original.embeds.length > 0) ? h.original : null), timeoutMs);
  }
}

interface GatewayClient {
  socket: WebSocket;
  sessionId: string;
  seq: number;
  identified: boolean;
}

/** Options of `startDiscordSandbox`. */
export interface SandboxOptions {
  port?: number;
  host?: string;
  token?: string;
  application?: { id: string; name: string };
  guilds?: Array<{ id?: string; name: string; channels: string[] }>;
  interactionDeadlineMs?: number;
}

/** The default users who run commands: an admin (Manage Server) and a plain member. */
export const SANDBOX_USERS = {
  admin: { id: '100000000000000001', username: 'admin', global_name: 'Server Admin' },
  member: { id: '100000000000000002', username: 'member', global_name: 'Regular Member' },
} as const satisfies Record<string, SandboxUser>;

const MEMBER_PERMISSIONS = DEFAULT_EVERYONE;
const ADMIN_PERMISSIONS = DEFAULT_EVERYONE | PERMISSION.ManageGuild;

/** A running loopback Discord. */
export type DiscordSandbox = Awaited<ReturnType<typeof startDiscordSandbox>>;

/** Starts the server. Close it with `close()`; it leaves no handles behind. */
export async function startDiscordSandbox(options: SandboxOptions = {}) {
  const token = options.token ?? 'sandbox-token-0000000000000000';
  const snowflake = snowflakeFactory();
  const application = options.application ?? { id: '200000000000000001', name: 'News Digest' };
  const botUser: SandboxUser = { id: application.id, username: application.name.toLowerCase().replace(/\s+/g, '-'), global_name: application.name, bot: true };
  const deadlineMs = options.interactionDeadlineMs ?? DISCORD_LIMITS.interactionDeadlineMs;
  const events = new EventEmitter<SandboxEvents>();
  const guilds: SandboxGuild[] = (options.guilds ?? [{ name: 'Sandbox', channels: ['news', 'digest'] }]).map((g, gi) => {
    const id = g.id ?? `30000000000000000${gi}`;
    return {
      id,
      name: g.name,
      everyonePermissions: DEFAULT_EVERYONE,
      channels: g.channels.map((name, ci) => ({ id: `4000000000000000${gi}${ci}`, name, guildId: id, overwrites: [] })),
    };
  });
  const messages = new Map<string, StoredMessage[]>();
  const commands = new Map<string, Json[]>();
  const interactions = new Map<string, InteractionHandle>();
  const byToken = new Map<string, InteractionHandle>();
  const nonces = new Map<string, { message: StoredMessage; at: number }>();
  const faults: Fault[] = [];
  const requests: RecordedRequest[] = [];
  const clients = new Set<GatewayClient>();

  const findChannel = (id: string) => guilds.flatMap((g) => g.channels).find((c) => c.id === id);
  const guildOf = (c: SandboxChannel) => guilds.find((g) => g.id === c.guildId)!;
  const botPermissions = (c: SandboxChannel) => {
    const g = guildOf(c);
    return channelPermissions({ guildId: g.id, everyone: g.everyonePermissions, rolePermissions: [], roleIds: [], memberId: botUser.id, overwrites: c.overwrites });
  };

  const channelJson = (c: SandboxChannel) => ({
    id: c.id,
    type: 0,
    name: c.name,
    guild_id: c.guildId,
    position: 0,
    permission_overwrites: c.overwrites,
    parent_id: null,
    nsfw: false,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
  });
  const userJson = (u: SandboxUser) => ({ id: u.id, username: u.username, global_name: u.global_name ?? null, discriminator: '0', avatar: null, bot: u.bot ?? false });
  const guildJson = (g: SandboxGuild) => ({
    id: g.id,
    name: g.name,
    icon: null,
    owner_id: SANDBOX_USERS.admin.id,
    unavailable: false,
    member_count: 3,
    large: false,
    joined_at: new Date().toISOString(),
    features: [],
    emojis: [],
    stickers: [],
    presences: [],
    voice_states: [],
    threads: [],
    stage_instances: [],
    guild_scheduled_events: [],
    premium_tier: 0,
    preferred_locale: 'en-US',
    system_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    channels: g.channels.map(channelJson),
    roles: [{ id: g.id, name: '@everyone', permissions: g.everyonePermissions.toString(), position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
    members: [{ user: userJson(botUser), roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 }],
  });

  // ---- gateway -------------------------------------------------------------------------------
  const dispatch = (c: GatewayClient, t: string, d: unknown) => {
    if (c.socket.readyState !== c.socket.OPEN) return;
    c.socket.send(JSON.stringify({ op: 0, t, s: ++c.seq, d }));
  };
  const broadcast = (t: string, d: unknown) => {
    for (const c of clients) if (c.identified) dispatch(c, t, d);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { message: `Sandbox error: ${(err as Error).message}`, code: 0 });
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/gateway')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onGateway(ws));
  });

  function onGateway(socket: WebSocket) {
    const client: GatewayClient = { socket, sessionId: snowflake(), seq: 0, identified: false };
    clients.add(client);
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 } }));
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
        if (frame.d?.token !== token && frame.d?.token !== `Bot ${token}`) {
          socket.close(4004, 'Authentication failed.');
          return;
        }
        client.identified = true;
        dispatch(client, 'READY', {
          v: 10,
          user: { ...userJson(botUser), verified: true, mfa_enabled: false, flags: 0 },
          guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
          session_id: client.sessionId,
          resume_gateway_url: `ws://${address()}/gateway`,
          application: { id: application.id, flags: 0 },
          private_channels: [],
          presences: [],
          relationships: [],
          _trace: ['loopback'],
        });
        for (const g of guilds) dispatch(client, 'GUILD_CREATE', guildJson(g));
        events.emit('ready', { sessionId: client.sessionId });
      } else if (frame.op === 6) {
        client.identified = frame.d?.token === token || frame.d?.token === `Bot ${token}`;
        if (!client.identified) socket.close(4004, 'Authentication failed.');
        else dispatch(client, 'RESUMED', {});
      }
    });
  }

  // ---- REST ----------------------------------------------------------------------------------
  function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
    if (status === 204 || body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (chunks.length === 0) return undefined;
    const text = Buffer.concat(chunks).toString('utf8');
    const type = req.headers['content-type'] ?? '';
    if (type.includes('multipart/form-data')) {
      // discord.js sends multipart only with files; the JSON part is named payload_json.
      const m = /name="payload_json"\r?\n(?:Content-Type: application\/json\r?\n)?\r?\n([\s\S]*?)\r?\n--/.exec(text);
      return m ? JSON.parse(m[1]!) : undefined;
    }
    return text ? JSON.parse(text) : undefined;
  }

  const invalidForm = (violations: LimitViolation[]) => {
    const errors: Json = {};
    for (const v of violations) errors[v.path || '_'] = { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: v.message }] };
    return new SandboxError(400, 50035, 'Invalid Form Body', errors, violations);
  };

  function checkMessageBody(body: unknown, opts: { partial?: boolean } = {}) {
    const violations = validateMessage(body);
    const b = (body ?? {}) as Json;
    const empty = !b.content && !(Array.isArray(b.embeds) && b.embeds.length) && !(Array.isArray(b.components) && b.components.length);
    if (!opts.partial && empty) violations.push({ path: '', message: 'Cannot send an empty message' });
    if (typeof b.nonce === 'string' && b.nonce.length > 25) violations.push({ path: 'nonce', message: 'nonce must be 25 or fewer in length.' });
    if (violations.length > 0) {
      if (empty && violations.length === 1) throw new SandboxError(400, 50006, 'Cannot send an empty message', undefined, violations);
      throw invalidForm(violations);
    }
  }

  const newMessage = (channelId: string, body: Json, extra: Partial<StoredMessage> = {}): StoredMessage => {
    const channel = findChannel(channelId);
    return {
      id: snowflake(),
      channel_id: channelId,
      ...(channel ? { guild_id: channel.guildId } : {}),
      author: botUser,
      content: typeof body.content === 'string' ? body.content : '',
      embeds: Array.isArray(body.embeds) ? (body.embeds as Json[]) : [],
      components: Array.isArray(body.components) ? (body.components as Json[]) : [],
      flags: typeof body.flags === 'number' ? body.flags : 0,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      body,
      ...extra,
    };
  };

  const messageJson = (m: StoredMessage) => ({
    id: m.id,
    type: m.interaction ? 20 : 0,
    channel_id: m.channel_id,
    ...(m.guild_id ? { guild_id: m.guild_id } : {}),
    author: userJson(m.author),
    content: m.content,
    embeds: m.embeds,
    components: m.components,
    attachments: [],
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    timestamp: m.timestamp,
    edited_timestamp: m.edited_timestamp,
    flags: m.flags,
    ...(m.nonce ? { nonce: m.nonce } : {}),
    ...(m.interaction ? { webhook_id: application.id, application_id: application.id } : {}),
  });

  const store = (m: StoredMessage) => {
    const list = messages.get(m.channel_id) ?? [];
    list.push(m);
    messages.set(m.channel_id, list);
    events.emit('message', { kind: 'create', message: m });
  };

  const edit = (m: StoredMessage, body: Json) => {
    if ('content' in body) m.content = typeof body.content === 'string' ? body.content : '';
    if ('embeds' in body) m.embeds = Array.isArray(body.embeds) ? (body.embeds as Json[]) : [];
    if ('components' in body) m.components = Array.isArray(body.components) ? (body.components as Json[]) : [];
    m.body = { ...m.body, ...body };
    m.edited_timestamp = new Date().toISOString();
    events.emit('message', { kind: 'update', message: m });
  };

  function matchFault(method: string, path: string): Fault | undefined {
    const i = faults.findIndex((f) => (!f.method || f.method.toUpperCase() === method) && (!f.path || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path))));
    if (i < 0) return undefined;
    const f = faults[i]!;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) faults.splice(i, 1);
    return f;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    const method = (req.method ?? 'GET').toUpperCase();
    const query = Object.fromEntries(url.searchParams);
    if (!path.startsWith('/api/')) {
      send(res, 404, { message: '404: Not Found', code: 0 });
      return;
    }
    const route = path.replace(/^\/api(\/v\d+)?/, '');
    let body: unknown;
    const record = (status: number, code?: number) => requests.push({ method, path: route, query, body, status, ...(code !== undefined ? { code } : {}) });
    try {
      body = await readBody(req);
    } catch {
      record(400, 50109);
      send(res, 400, { message: 'The request body contains invalid JSON.', code: 50109 });
      return;
    }
    // Interaction callbacks and webhooks authenticate by their token, like Discord; the rest needs the bot token.
    const tokenRoute = route.startsWith('/interactions/') || route.startsWith('/webhooks/');
    if (!tokenRoute && req.headers.authorization !== `Bot ${token}`) {
      record(401, 0);
      send(res, 401, { message: '401: Unauthorized', code: 0 });
      return;
    }
    const fault = matchFault(method, route);
    if (fault?.afterApplying) {
      try {
        await routeRequest(method, route, query, body);
      } catch {
        // The failure answer below is what the client sees either way.
      }
    }
    if (fault) {
      record(fault.status, fault.code);
      if (fault.status === 429) {
        const retryAfter = fault.retryAfter ?? 0.2;
        send(
          res,
          429,
          { message: 'You are being rate limited.', retry_after: retryAfter, global: false },
          { 'Retry-After': String(retryAfter), 'X-RateLimit-Limit': '5', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset-After': String(retryAfter), 'X-RateLimit-Scope': 'user' },
        );
      } else {
        send(res, fault.status, { message: fault.message ?? (fault.status >= 500 ? '500: Internal Server Error' : 'Error'), code: fault.code ?? 0 });
      }
      return;
    }
    try {
      const [status, out] = await routeRequest(method, route, query, body);
      record(status);
      send(res, status, out);
    } catch (err) {
      if (!(err instanceof SandboxError)) throw err;
      record(err.status, err.code);
      if (err.status === 400 || err.status === 403) {
        events.emit('rejected', { method, path: route, body, status: err.status, code: err.code, message: err.message, violations: err.violations });
      }
      send(res, err.status, { message: err.message, code: err.code, ...(err.errors ? { errors: err.errors } : {}) });
    }
  }

  function interactionByRoute(id: string, tok: string): InteractionHandle {
    const h = interactions.get(id);
    if (!h || h.token !== tok) throw new SandboxError(404, 10062, 'Unknown interaction');
    return h;
  }

  function webhookHandle(appId: string, tok: string): InteractionHandle {
    const h = byToken.get(tok);
    if (appId !== application.id || !h) throw new SandboxError(404, 10015, 'Unknown Webhook');
    if (Date.now() - h.createdAt > DISCORD_LIMITS.interactionTokenTtlMs) throw new SandboxError(401, 50027, 'Invalid Webhook Token');
    if (!h.acknowledged) throw new SandboxError(404, 10015, 'Unknown Webhook');
    return h;
  }

  function interactionMessage(h: InteractionHandle, body: Json, ephemeral: boolean): StoredMessage {
    const channelId = String(h.payload.channel_id);
    const data = (h.payload.data ?? {}) as Json;
    const sub = Array.isArray(data.options) ? (data.options as Json[]).find((o) => o.type === 1) : undefined;
    // Discord shows "used /news search" above a reply: the command and its subcommand.
    const commandName = typeof data.name === 'string' ? `${data.name}${sub ? ` ${String(sub.name)}` : ''}` : undefined;
    return newMessage(channelId, body, { interaction: { id: h.id, userId: h.user.id, ephemeral, commandName } });
  }

  async function routeRequest(method: string, route: string, query: Record<string, string>, body: unknown): Promise<[number, unknown]> {
    const b = (body ?? {}) as Json;
    let m: RegExpExecArray | null;

    if (method === 'GET' && route === '/gateway/bot') {
      return [200, { url: `ws://${address()}/gateway`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 } }];
    }
    if (method === 'GET' && route === '/gateway') return [200, { url: `ws://${address()}/gateway` }];
    if (method === 'GET' && route === '/users/@me') return [200, userJson(botUser)];
    if (method === 'GET' && (route === '/applications/@me' || route === '/oauth2/applications/@me')) {
      return [200, { id: application.id, name: application.name, description: '', bot_public: true, bot_require_code_grant: false, flags: 0, verify_key: '0'.repeat(64), icon: null }];
    }

    if ((m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(route))) {
      if (m[1] !== application.id) throw new SandboxError(403, 50001, 'Missing Access');
      const guildId = m[2] ?? null;
      if (guildId && !guilds.some((g) => g.id === guildId)) throw new SandboxError(403, 50001, 'Missing Access');
      const key = guildId ?? 'global';
      if (method === 'GET') return [200, commands.get(key) ?? []];
      if (method === 'PUT') {
        if (!Array.isArray(body)) throw invalidForm([{ path: '', message: 'Expected an array of commands' }]);
        const problems = (body as Json[]).flatMap((c, i) => validateCommand(c, `${i}`));
        if (problems.length > 0) throw invalidForm(problems);
        const saved = (body as Json[]).map((c) => ({ ...c, id: snowflake(), application_id: application.id, version: snowflake(), ...(guildId ? { guild_id: guildId } : {}) }));
        commands.set(key, saved);
        events.emit('commands', { guildId, commands: saved });
        return [200, saved];
      }
    }

    if ((m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(route)) && method === 'POST') {
      const h = interactionByRoute(m[1]!, m[2]!);
      if (h.acknowledged) throw new SandboxError(400, 40060, 'Interaction has already been acknowledged.');
      if (Date.now() - h.createdAt > deadlineMs) throw new SandboxError(404, 10062, 'Unknown interaction');
      const type = Number(b.type);
      const data = (b.data ?? {}) as Json;
      let message: StoredMessage | undefined;
      if (type === 4) {
        checkMessageBody(data);
        h.ephemeral = ((Number(data.flags) || 0) & 64) !== 0;
        message = interactionMessage(h, data, h.ephemeral);
        h.original = message;
        store(message);
      } else if (type === 5) {
        h.ephemeral = ((Number(data.flags) || 0) & 64) !== 0;
        message = interactionMessage(h, { content: '', flags: data.flags }, h.ephemeral);
        h.original = message;
        store(message);
      } else if (type === 6 || type === 7) {
        if (h.type !== 3) throw invalidForm([{ path: 'type', message: 'This response type is only valid for component interactions' }]);
        const target = findMessage(String((h.payload.message as Json).channel_id), String((h.payload.message as Json).id));
        if (!target) throw new SandboxError(404, 10008, 'Unknown Message');
        if (type === 7) {
          checkMessageBody({ ...target.body, ...data }, { partial: true });
          edit(target, data);
        }
        h.original = target;
        message = target;
      } else if (type === 8) {
        if (h.type !== 4) throw invalidForm([{ path: 'type', message: 'Autocomplete results are only valid for autocomplete interactions' }]);
        const violations = validateAutocompleteChoices(data.choices);
        if (violations.length > 0) throw invalidForm(violations);
        h.choices = data.choices as Json[];
      } else {
        throw invalidForm([{ path: 'type', message: `Unsupported interaction callback type ${type}` }]);
      }
      h.acknowledged = true;
      const response: InteractionResponse = { kind: 'callback', type, body: b, ...(message ? { message } : {}) };
      h.record(response);
      events.emit('response', { interaction: h, response });
      if (query.with_response === 'true') {
        return [200, { interaction: { id: h.id, type: h.type, activity_instance_id: null, response_message_id: message?.id ?? null, response_message_loading: type === 5, response_message_ephemeral: h.ephemeral }, resource: { type, ...(message ? { message: messageJson(message) } : {}) } }];
      }
      return [204, undefined];
    }

    if ((m = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/([^/]+)$/.exec(route))) {
      const h = webhookHandle(m[1]!, m[2]!);
      const which = m[3]!;
      const target = which === '@original' ? h.original : h.followUps.find((f) => f.id === which);
      if (!target) throw new SandboxError(404, 10008, 'Unknown Message');
      if (method === 'GET') return [200, messageJson(target)];
      if (method === 'DELETE') {
        const list = messages.get(target.channel_id) ?? [];
        messages.set(target.channel_id, list.filter((x) => x !== target));
        events.emit('message', { kind: 'delete', message: target });
        return [204, undefined];
      }
      if (method === 'PATCH') {
        checkMessageBody({ ...target.body, ...b }, { partial: true });
        edit(target, b);
        const response: InteractionResponse = { kind: which === '@original' ? 'edit-original' : 'edit-followup', body: b, message: target };
        h.record(response);
        events.emit('response', { interaction: h, response });
        return [200, messageJson(target)];
      }
    }

    if ((m = /^\/webhooks\/(\d+)\/([^/]+)$/.exec(route)) && method === 'POST') {
      const h = webhookHandle(m[1]!, m[2]!);
      checkMessageBody(b);
      const message = interactionMessage(h, b, ((Number(b.flags) || 0) & 64) !== 0);
      h.followUps.push(message);
      store(message);
      const response: InteractionResponse = { kind: 'followup', body: b, message };
      h.record(response);
      events.emit('response', { interaction: h, response });
      return [200, messageJson(message)];
    }

    if ((m = /^\/channels\/(\d+)$/.exec(route)) && method === 'GET') {
      const c = findChannel(m[1]!);
      if (!c) throw new SandboxError(404, 10003, 'Unknown Channel');
      return [200, channelJson(c)];
    }

    if ((m = /^\/channels\/(\d+)\/messages$/.exec(route))) {
      const c = findChannel(m[1]!);
      if (!c) throw new SandboxError(404, 10003, 'Unknown Channel');
      const perms = botPermissions(c);
      if (!(perms & PERMISSION.ViewChannel)) throw new SandboxError(403, 50001, 'Missing Access');
      if (method === 'GET') return [200, [...(messages.get(c.id) ?? [])].filter((x) => !x.interaction?.ephemeral).reverse().slice(0, 50).map(messageJson)];
      if (method === 'POST') {
        if (!(perms & PERMISSION.SendMessages)) throw new SandboxError(403, 50013, 'Missing Permissions');
        if (Array.isArray(b.embeds) && b.embeds.length > 0 && !(perms & PERMISSION.EmbedLinks)) throw new SandboxError(403, 50013, 'Missing Permissions');
        checkMessageBody(b);
        const nonce = typeof b.nonce === 'string' || typeof b.nonce === 'number' ? String(b.nonce) : undefined;
        if (nonce && b.enforce_nonce === true) {
          const seen = nonces.get(`${c.id}:${nonce}`);
          // Discord keeps nonces for a few minutes; a repeat returns the message already created.
          if (seen && Date.now() - seen.at < 5 * 60_000) return [200, messageJson(seen.message)];
        }
        const message = newMessage(c.id, b, nonce ? { nonce } : {});
        if (nonce && b.enforce_nonce === true) nonces.set(`${c.id}:${nonce}`, { message, at: Date.now() });
        store(message);
        return [200, messageJson(message)];
      }
    }

    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(route))) {
      const target = findMessage(m[1]!, m[2]!);
      if (!target) throw new SandboxError(404, 10008, 'Unknown Message');
      if (method === 'GET') return [200, messageJson(target)];
      if (method === 'PATCH') {
        checkMessageBody({ ...target.body, ...b }, { partial: true });
        edit(target, b);
        return [200, messageJson(target)];
      }
    }

    if ((m = /^\/guilds\/(\d+)$/.exec(route)) && method === 'GET') {
      const g = guilds.find((x) => x.id === m![1]);
      if (!g) throw new SandboxError(404, 10004, 'Unknown Guild');
      return [200, guildJson(g)];
    }
    if ((m = /^\/guilds\/(\d+)\/channels$/.exec(route)) && method === 'GET') {
      const g = guilds.find((x) => x.id === m![1]);
      if (!g) throw new SandboxError(404, 10004, 'Unknown Guild');
      return [200, g.channels.map(channelJson)];
    }
    if ((m = /^\/guilds\/(\d+)\/members\/(\d+)$/.exec(route)) && method === 'GET') {
      const user = [botUser, ...Object.values(SANDBOX_USERS)].find((u) => u.id === m![2]);
      if (!user) throw new SandboxError(404, 10007, 'Unknown Member');
      return [200, { user: userJson(user), roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 }];
    }

    throw new SandboxError(404, 0, '404: Not Found');
  }

  function findMessage(channelId: string, id: string) {
    return (messages.get(channelId) ?? []).find((x) => x.id === id);
  }

  /** Discord's checks on a command definition: names, descriptions, and at most 25 options and choices. */
  function validateCommand(c: Json, path: string): LimitViolation[] {
    const out: LimitViolation[] = [];
    const name = String(c.name ?? '');
    if (!/^[-_\p{L}\p{N}]{1,32}$/u.test(name) || name !== name.toLowerCase()) out.push({ path: `${path}.name`, message: `Invalid command name "${name}"` });
    const desc = String(c.description ?? '');
    if (desc.length < 1 || desc.length > 100) out.push({ path: `${path}.description`, message: 'description must be 1-100 characters' });
    const options = Array.isArray(c.options) ? (c.options as Json[]) : [];
    if (options.length > 25) out.push({ path: `${path}.options`, message: 'Must be 25 or fewer in length.' });
    const choices = Array.isArray(c.choices) ? c.choices : [];
    if (choices.length > 25) out.push({ path: `${path}.choices`, message: 'Must be 25 or fewer in length.' });
    options.forEach((o, i) => out.push(...validateCommand(o, `${path}.options.${i}`)));
    return out;
  }

  // ---- driving interactions as users ------------------------------------------------------------
  const defaultChannel = () => guilds[0]!.channels[0]!;

  function createInteraction(type: 2 | 3 | 4, init: { channelId?: string; user?: SandboxUser; permissions?: bigint; data: Json; message?: StoredMessage }): InteractionHandle {
    const channel = init.channelId ? findChannel(init.channelId) : defaultChannel();
    if (!channel) throw new Error(`unknown channel ${init.channelId}`);
    const user = init.user ?? SANDBOX_USERS.member;
    const permissions = init.permissions ?? (user.id === SANDBOX_USERS.admin.id ? ADMIN_PERMISSIONS : MEMBER_PERMISSIONS);
    const id = snowflake();
    const tok = `aW50ZXJhY3Rpb246${id}${Math.random().toString(36).slice(2)}`;
    const payload: Json = {
      id,
      application_id: application.id,
      type,
      token: tok,
      version: 1,
      guild_id: channel.guildId,
      channel: { id: channel.id, type: 0, name: channel.name, guild_id: channel.guildId, permissions: permissions.toString() },
      channel_id: channel.id,
      member: { user: userJson(user), roles: [], joined_at: new Date().toISOString(), permissions: permissions.toString(), deaf: false, mute: false, flags: 0, nick: null, avatar: null },
      app_permissions: botPermissions(channel).toString(),
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': channel.guildId },
      context: 0,
      attachment_size_limit: 10_485_760,
      data: init.data,
      ...(init.message ? { message: messageJson(init.message) } : {}),
    };
    const h = new InteractionHandle(id, tok, type, payload, Date.now(), user);
    interactions.set(id, h);
    byToken.set(tok, h);
    events.emit('interaction', { interaction: h });
    broadcast('INTERACTION_CREATE', payload);
    return h;
  }

  function commandData(name: string, subcommand: string | undefined, options: Json[], guildId: string): Json {
    const registered = [...(commands.get(guildId) ?? []), ...(commands.get('global') ?? [])].find((c) => c.name === name);
    const resolvedChannels: Json = {};
    for (const o of options) {
      if (o.type === 7) {
        const c = findChannel(String(o.value));
        if (c) resolvedChannels[c.id] = { id: c.id, name: c.name, type: 0, permissions: botPermissions(c).toString(), guild_id: c.guildId };
      }
    }
    return {
      id: (registered?.id as string) ?? snowflake(),
      name,
      type: 1,
      guild_id: guildId,
      options: subcommand ? [{ type: 1, name: subcommand, options }] : options,
      ...(Object.keys(resolvedChannels).length ? { resolved: { channels: resolvedChannels } } : {}),
    };
  }

  /** Option values as a user would type them; types follow the registered command when known. */
  function typedOptions(name: string, subcommand: string | undefined, values: Record<string, unknown>, guildId: string, focused?: string): Json[] {
    const registered = [...(commands.get(guildId) ?? []), ...(commands.get('global') ?? [])].find((c) => c.name === name);
    let defs = (registered?.options as Json[] | undefined) ?? [];
    if (subcommand) defs = ((defs.find((d) => d.name === subcommand)?.options as Json[] | undefined) ?? []) as Json[];
    return Object.entries(values).map(([key, value]) => {
      const def = defs.find((d) => d.name === key);
      const type = (def?.type as number | undefined) ?? (typeof value === 'number' ? 10 : typeof value === 'boolean' ? 5 : 3);
      return { type, name: key, value, ...(focused === key ? { focused: true } : {}) };
    });
  }

  function address(): string {
    const a = http.address() as AddressInfo;
    return `${options.host ?? '127.0.0.1'}:${a.port}`;
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
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
    token,
    application,
    botUser,
    guilds,
    users: SANDBOX_USERS,
    events,
    /** Every request received, in order. */
    requests,
    /** Messages of a channel, oldest first, ephemeral replies included (flagged). */
    messages(channelId: string): StoredMessage[] {
      return [...(messages.get(channelId) ?? [])];
    },
    /** Registered commands: a guild's, or the global ones. */
    commands(guildId?: string): Json[] {
      return commands.get(guildId ?? 'global') ?? [];
    },
    channel(name: string): SandboxChannel {
      const c = guilds.flatMap((g) => g.channels).find((x) => x.name === name);
      if (!c) throw new Error(`no channel #${name}`);
      return c;
    },
    interaction(id: string): InteractionHandle | undefined {
      return interactions.get(id);
    },
    /** True once a bot connection has identified. */
    get connected() {
      return [...clients].some((c) => c.identified);
    },
    /** Fails the next matching request(s) with the given status (429 carries Retry-After). */
    failNext(fault: Fault) {
      faults.push({ times: 1, ...fault });
    },
    /** Replaces a channel's permission overwrites and tells connected clients (CHANNEL_UPDATE). */
    setChannelOverwrites(channelId: string, overwrites: Array<{ id: string; type: 0 | 1; allow?: bigint; deny?: bigint }>) {
      const c = findChannel(channelId);
      if (!c) throw new Error(`unknown channel ${channelId}`);
      c.overwrites = overwrites.map((o) => ({ id: o.id, type: o.type, allow: (o.allow ?? 0n).toString(), deny: (o.deny ?? 0n).toString() }));
      broadcast('CHANNEL_UPDATE', channelJson(c));
    },
    /** Runs a slash command as a user would. */
    runCommand(input: { name: string; subcommand?: string; options?: Record<string, unknown>; channelId?: string; user?: SandboxUser; permissions?: bigint }): InteractionHandle {
      const channel = input.channelId ? findChannel(input.channelId) : defaultChannel();
      const opts = typedOptions(input.name, input.subcommand, input.options ?? {}, channel!.guildId);
      return createInteraction(2, { ...input, data: commandData(input.name, input.subcommand, opts, channel!.guildId) });
    },
    /** Types into an option with autocomplete; resolve `handle.waitFor(h => h.choices)` for the answer. */
    autocomplete(input: { name: string; subcommand?: string; focused: string; options?: Record<string, unknown>; channelId?: string; user?: SandboxUser }): InteractionHandle {
      const channel = input.channelId ? findChannel(input.channelId) : defaultChannel();
      const opts = typedOptions(input.name, input.subcommand, input.options ?? {}, channel!.guildId, input.focused);
      return createInteraction(4, { ...input, data: commandData(input.name, input.subcommand, opts, channel!.guildId) });
    },
    /** Clicks a button (or picks select values) on a stored message. */
    clickComponent(input: { messageId: string; channelId: string; customId: string; user?: SandboxUser; values?: string[] }): InteractionHandle {
      const message = findMessage(input.channelId, input.messageId);
      if (!message) throw new Error(`unknown message ${input.messageId}`);
      const data: Json = input.values ? { custom_id: input.customId, component_type: 3, values: input.values } : { custom_id: input.customId, component_type: 2 };
      return createInteraction(3, { channelId: input.channelId, user: input.user, data, message });
    },
    /** Closes every socket and the server. */
    async close() {
      for (const c of clients) c.socket.terminate();
      clients.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
