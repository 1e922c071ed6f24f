import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandHiddenError, type DiscordSandbox, type InteractionHandle, type SandboxUser, type StoredMessage } from '../discord-sandbox/server.ts';
import { validateMessage } from '../payload/validate.ts';

/**
 * The sandbox's web page: static files plus a small JSON API that drives the loopback Discord as a
 * member would (commands, autocomplete, clicks), and a server-sent event stream of every message.
 * It never talks to the bot directly: everything goes through the same Discord protocol as production.
 */

const PUBLIC = fileURLToPath(new URL('./public/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

/** A port that is taken: reported with what to do about it. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
  readonly code = 'EADDRINUSE';
}

/** What the page shows of a message. */
export function messageView(m: StoredMessage, threadName?: string) {
  return {
    id: m.id,
    channelId: m.channel_id,
    author: m.author,
    content: m.content,
    embeds: m.embeds,
    components: m.components,
    timestamp: m.timestamp,
    edited: m.edited_timestamp !== null,
    ephemeral: m.interaction?.ephemeral ?? false,
    forUser: m.interaction?.userId ?? null,
    commandName: m.interaction?.commandName ?? null,
    body: m.body,
    violations: validateMessage(m.body),
    // Files are shown from the page's own origin (`/attachments/...`), as Discord's CDN would serve them.
    attachments: (m.attachments ?? []).map((a) => ({
      id: a.id,
      filename: a.filename,
      description: a.description ?? null,
      contentType: a.content_type,
      size: a.size,
      width: a.width ?? null,
      height: a.height ?? null,
      url: `/attachments/${a.id}/${encodeURIComponent(a.filename)}`,
    })),
    /** The thread started from this message: its id (where its messages are listed) and name. */
    thread: m.thread ? { id: m.thread, name: threadName ?? '' } : null,
  };
}

/** An HTTP error the page's API answers with, as `{ error }`. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The largest request body the page sends is a command with its options: a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Request body too large');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'The body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'The body must be a JSON object');
  return value as Record<string, unknown>;
}

// Served to this page alone: no framing by another site (clickjacking), no content sniffing.
const SECURITY_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "frame-ancestors 'none'" };

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
  res.end(JSON.stringify(body));
}

/** `host:port` as it appears in a `Host` header (IPv6 in brackets). */
const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * Who may talk to the page: the `Host` names it is reached at on this machine, and the one origin its
 * own script runs in. Another name in `Host` is a DNS-rebinding attempt (a hostile site's name resolved
 * to 127.0.0.1); another `Origin` is a hostile page in the user's browser.
 */
export function requestGuard(boundHost: string, port: number) {
  const hosts = new Set([hostPort('127.0.0.1', port), hostPort('localhost', port), hostPort('::1', port), hostPort(boundHost.toLowerCase(), port)]);
  const origins = new Set([...hosts].map((h) => `http://${h}`));
  return {
    /** `null` when the request may go on, else the status and reason to refuse it with. */
    check(req: IncomingMessage, url: URL): HttpError | null {
      const host = req.headers.host?.toLowerCase();
      if (!host || !hosts.has(host)) return new HttpError(421, `This sandbox page answers only at ${[...hosts].map((h) => `http://${h}`).join(', ')}`);
      const api = url.pathname.startsWith('/api/');
      const changes = req.method !== 'GET' && req.method !== 'HEAD';
      if (api || changes) {
        // A browser names the page a request comes from; a request from this page names this origin.
        const origin = req.headers.origin;
        const site = req.headers['sec-fetch-site'];
        if (origin !== undefined && !origins.has(origin.toLowerCase())) return new HttpError(403, 'Cross-origin request refused');
        if (site !== undefined && site !== 'same-origin' && site !== 'none') return new HttpError(403, 'Cross-site request refused');
        // Every browser sends Origin on a POST; only a non-browser client (curl, a test) may leave both out.
        if (changes && origin === undefined && site !== undefined) return new HttpError(403, 'Cross-origin request refused: no Origin');
      }
      if (changes) {
        // JSON cannot be sent from another site without a CORS preflight, which this server never grants;
        // text/plain and form bodies can, so they are refused before anything runs.
        const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
        if (type !== 'application/json') return new HttpError(415, 'Only application/json is accepted');
      }
      return null;
    },
  };
}

/** Starts the page on `host:port` (port 0 picks a free one). */
export async function startSandboxWeb(options: {
  sandbox: DiscordSandbox;
  port: number;
  host?: string;
  /** Runs the real scheduled-delivery path into #digest. */
  postDigest(): Promise<{ status: string; messages: number; articles: number; error?: string }>;
}) {
  const { sandbox } = options;
  const sse = new Set<ServerResponse>();
  const userOf = (key: unknown): SandboxUser => (key === 'admin' ? sandbox.users.admin : sandbox.users.member);
  const publish = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of sse) res.write(frame);
  };
  const view = (m: StoredMessage) => messageView(m, m.thread ? sandbox.thread(m.thread)?.name : undefined);
  const onMessage = (e: { kind: string; message: StoredMessage }) => publish('message', { kind: e.kind, message: view(e.message) });
  const onRejected = (e: { method: string; path: string; body: unknown; status: number; code: number; message: string; violations: unknown[] }) => publish('rejected', e);
  const onCommands = () => publish('commands', {});
  sandbox.events.on('message', onMessage);
  sandbox.events.on('rejected', onRejected);
  sandbox.events.on('commands', onCommands);

  const outcome = async (h: InteractionHandle) => {
    // Reply within the deadline or report what the bot did (nothing is hidden: a rejection arrives as an event).
    await h.firstResponse(4000).catch(() => undefined);
    return { interactionId: h.id, acknowledged: h.acknowledged, responses: h.responses.map((r) => ({ kind: r.kind, type: r.type })) };
  };

  let guard: ReturnType<typeof requestGuard> | null = null;
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const refused = guard ? guard.check(req, url) : new HttpError(503, 'Starting');
      if (refused) {
        // Drain the body so the connection stays usable; nothing in it is read.
        req.resume();
        json(res, refused.status, { error: refused.message });
        return;
      }
      if (req.method === 'GET' && url.pathname === '/api/state') {
        const guild = sandbox.guilds[0]!;
        json(res, 200, {
          guild: { id: guild.id, name: guild.name },
          channels: guild.channels.map((c) => ({ id: c.id, name: c.name })),
          users: sandbox.users,
          bot: sandbox.botUser,
          // Every registered command, so a hidden one typed anyway is still recognised and explained.
          commands: [...sandbox.commands(guild.id), ...sandbox.commands()],
          // What Discord's picker offers each user in each channel (default_member_permissions, overrides).
          visibleCommands: Object.fromEntries(
            Object.entries(sandbox.users).map(([key, user]) => [
              key,
              Object.fromEntries(guild.channels.map((c) => [c.id, sandbox.visibleCommands({ channelId: c.id, user }).map((x) => String(x.name))])),
            ]),
          ),
          // Each channel's messages, and those of every thread started in it (keyed by the thread's id).
          messages: Object.fromEntries(
            guild.channels.flatMap((c) => {
              const list = sandbox.messages(c.id);
              const threads = list.flatMap((m) => (m.thread ? [[m.thread, sandbox.messages(m.thread).map(view)] as const] : []));
              return [[c.id, list.map(view)] as const, ...threads];
            }),
          ),
        });
        return;
      }
      if (req.method === 'GET' && url.pathname === '/api/events') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', ...SECURITY_HEADERS });
        res.write(': connected\n\n');
        sse.add(res);
        req.on('close', () => sse.delete(res));
        return;
      }
      if (req.method === 'POST' && url.pathname === '/api/command') {
        const b = await readJson(req);
        const h = sandbox.runCommand({
          name: String(b.name),
          subcommand: b.subcommand ? String(b.subcommand) : undefined,
          options: (b.options as Record<string, unknown>) ?? {},
          channelId: String(b.channelId),
          user: userOf(b.user),
        });
        json(res, 200, await outcome(h));
        return;
      }
      if (req.method === 'POST' && url.pathname === '/api/autocomplete') {
        const b = await readJson(req);
        const h = sandbox.autocomplete({
          name: String(b.name),
          subcommand: b.subcommand ? String(b.subcommand) : undefined,
          focused: String(b.focused),
          options: (b.options as Record<string, unknown>) ?? {},
          channelId: String(b.channelId),
          user: userOf(b.user),
        });
        const choices = await h.waitFor((x) => x.choices, 3000).catch(() => []);
        json(res, 200, { choices });
        return;
      }
      if (req.method === 'POST' && url.pathname === '/api/component') {
        const b = await readJson(req);
        const h = sandbox.clickComponent({
          channelId: String(b.channelId),
          messageId: String(b.messageId),
          customId: String(b.customId),
          user: userOf(b.user),
          ...(Array.isArray(b.values) ? { values: b.values.map(String) } : {}),
        });
        json(res, 200, await outcome(h));
        return;
      }
      if (req.method === 'POST' && url.pathname === '/api/post-digest') {
        json(res, 200, await options.postDigest());
        return;
      }
      if (req.method !== 'GET') {
        json(res, 404, { error: 'not found' });
        return;
      }
      const attachment = /^\/attachments\/(\d+)\/[^/]+$/.exec(url.pathname);
      if (attachment) {
        const stored = sandbox.file(attachment[1]!);
        if (!stored) return json(res, 404, { error: 'not found' });
        res.writeHead(200, { 'Content-Type': stored.contentType, 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
        res.end(stored.data);
        return;
      }
      const file = url.pathname === '/' ? 'index.html' : normalize(url.pathname).replace(/^([/\\])+/, '');
      if (file.includes('..')) {
        json(res, 404, { error: 'not found' });
        return;
      }
      const body = await readFile(join(PUBLIC, file)).catch(() => null);
      if (!body) {
        json(res, 404, { error: 'not found' });
        return;
      }
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
      res.end(body);
    } catch (err) {
      if (res.headersSent) return;
      // Discord would not offer this command to this user: said as plainly as Discord's picker would.
      if (err instanceof CommandHiddenError) json(res, 403, { error: err.message, hidden: true });
      else if (err instanceof HttpError) json(res, err.status, { error: err.message });
      else json(res, 500, { error: (err as Error).message });
    }
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(`Port ${options.port} on ${host} is already in use. Set SANDBOX_PORT to a free port, e.g. SANDBOX_PORT=3001 npm start`) : err),
    );
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  guard = requestGuard(host, port);
  return {
    url: `http://${hostPort(host, port)}`,
    port,
    async close() {
      sandbox.events.off('message', onMessage);
      sandbox.events.off('rejected', onRejected);
      sandbox.events.off('commands', onCommands);
      for (const res of sse) res.end();
      sse.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
