import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DiscordSandbox, InteractionHandle, SandboxUser, StoredMessage } from '../discord-sandbox/server.ts';
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
export function messageView(m: StoredMessage) {
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
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
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
  const onMessage = (e: { kind: string; message: StoredMessage }) => publish('message', { kind: e.kind, message: messageView(e.message) });
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

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'GET' && url.pathname === '/api/state') {
        const guild = sandbox.guilds[0]!;
        json(res, 200, {
          guild: { id: guild.id, name: guild.name },
          channels: guild.channels.map((c) => ({ id: c.id, name: c.name })),
          users: sandbox.users,
          bot: sandbox.botUser,
          commands: [...sandbox.commands(guild.id), ...sandbox.commands()],
          messages: Object.fromEntries(guild.channels.map((c) => [c.id, sandbox.messages(c.id).map(messageView)])),
        });
        return;
      }
      if (req.method === 'GET' && url.pathname === '/api/events') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
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
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
      res.end(body);
    } catch (err) {
      if (!res.headersSent) json(res, 500, { error: (err as Error).message });
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
  return {
    url: `http://${host}:${port}`,
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
