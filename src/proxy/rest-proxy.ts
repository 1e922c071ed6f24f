/**
 * The REST proxy of `npm run rest-proxy`: one HTTP server every bot process sends its Discord REST
 * requests to (`REST_PROXY_URL`), so the bot's one global rate limit (50 requests a second per bot
 * token, whatever the number of processes) is kept in one place. It is `@discordjs/proxy`'s design: one
 * `@discordjs/rest` instance queues every request by Discord's buckets and forwards the caller's own
 * `Authorization` header, so the proxy holds no token.
 *
 * Two things differ from `proxyRequests()` as the package ships it, both for exactly-once digests:
 * - The request body is read whole before it is queued. `proxyRequests()` passes the incoming stream
 *   through, and @discordjs/rest sends a request again after a 429 (or a 5xx): the second attempt would
 *   carry an empty, already-read body, which Discord refuses with 400, and a digest refused with 400 is
 *   never resent.
 * - Every request except interaction answers waits its turn in the same rolling-window pacer the
 *   single process uses (`src/discord/request-pacer.ts`), at `globalPerSecond` (default 48): @discordjs/rest's
 *   own counter resets once a second from its own instant, which lets a second's worth leave at the end
 *   of one of its windows and again at the start of the next, inside one of Discord's.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { populateErrorResponse, populateSuccessfulResponse } from '@discordjs/proxy';
// The ESM build @discordjs/proxy uses, so its error classes are the ones the REST instance throws.
import { DefaultRestOptions, REST, type RequestMethod } from '@discordjs/rest';
import { createRequestPacer } from '../discord/request-pacer.ts';

/** Requests a second the proxy lets through by default: under Discord's 50, for the timing noise of the hops. */
export const DEFAULT_PROXY_GLOBAL_PER_SECOND = 48;
/** The largest request body accepted (Discord's own cap for a message with attachments is 25 MiB by default). */
const MAX_BODY_BYTES = 26 * 1024 * 1024;

/** Interaction answers and follow-ups: outside Discord's global limit, so outside the pacer too. */
export const isInteractionPath = (path: string) => /\/interactions\/\d+\/[^/]+\/callback$/.test(path) || /\/webhooks\/\d+\/[^/]+/.test(path);

/** What the proxy is told: where Discord is, where to listen, and how fast it may go. */
export interface RestProxyOptions {
  /** Discord's REST base, `https://discord.com/api` (default), or the loopback's `DISCORD_API_URL`. */
  upstream?: string;
  /** Requests per second across every caller, interaction answers excepted. */
  globalPerSecond?: number;
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** Told of a request that failed in the proxy itself (not an answer of Discord's): the request is ended, the proxy goes on. */
  onError?(err: unknown, request: { method: string; route: string }): void;
}

/** A running proxy. */
export interface RestProxy {
  server: Server;
  /** What bots set as `REST_PROXY_URL`. */
  url: string;
  port: number;
  /** Requests forwarded, and those of them that waited in the global pacer. */
  stats(): { forwarded: number; paced: number };
  close(): Promise<void>;
}

/** Reads a request's body whole (bounded), so it can be sent again after a 429 or a 5xx. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return size === 0 ? undefined : Buffer.concat(chunks);
}

/** Starts the proxy and resolves once it listens. */
export async function startRestProxy(options: RestProxyOptions = {}): Promise<RestProxy> {
  const perSecond = options.globalPerSecond ?? DEFAULT_PROXY_GLOBAL_PER_SECOND;
  const pacer = createRequestPacer({ perWindow: perSecond, windowMs: 1000 });
  let forwarded = 0;
  let paced = 0;
  const rest = new REST({
    ...(options.upstream ? { api: options.upstream } : {}),
    // The pacer is the limit; @discordjs/rest's counter only backs it up at the same number.
    globalRequestsPerSecond: perSecond,
    // Callers retry what fails (and Discord drops a repeated nonce); the proxy retries only 429s, as it must.
    retries: 0,
    async makeRequest(url, init) {
      forwarded++;
      if (!isInteractionPath(new URL(url).pathname)) {
        paced++;
        await pacer.acquire(init.signal ?? undefined);
      }
      return DefaultRestOptions.makeRequest(url, init);
    },
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const parsed = new URL(req.url ?? '/', 'http://proxy');
    // Callers use the proxy as their API base (`…/api`); their version prefix is replaced by the proxy's.
    const fullRoute = parsed.pathname.replace(/^\/api(\/v\d+)?/, '') as `/${string}`;
    const headers: Record<string, string> = {};
    if (req.headers['content-type']) headers['Content-Type'] = req.headers['content-type'];
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    const reason = req.headers['x-audit-log-reason'];
    if (typeof reason === 'string') headers['X-Audit-Log-Reason'] = reason;
    // A caller that gave up (its own timeout) will send again with the same nonce: drop its queued request.
    const gaveUp = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gaveUp.abort();
    });
    try {
      const body = await readBody(req);
      const response = await rest.queueRequest({
        fullRoute,
        method: (req.method ?? 'GET') as RequestMethod,
        body,
        passThroughBody: true,
        // The caller's own Authorization header goes through; the proxy has no token.
        auth: false,
        query: parsed.searchParams,
        headers,
        signal: gaveUp.signal,
      });
      await populateSuccessfulResponse(res, response);
    } catch (error) {
      // The reply was already under way (its status and headers sent, the body cut off), or the caller
      // hung up: there is no status left to give. Its connection is closed, so the caller sees a cut reply.
      if (res.headersSent || res.destroyed) return void res.destroy();
      if ((error as { status?: number }).status === 413) res.statusCode = 413;
      else if (!populateErrorResponse(res, error)) {
        res.statusCode = 502;
        res.setHeader('Content-Type', 'application/json');
        res.write(JSON.stringify({ message: `REST proxy: ${(error as Error).message}`, code: 0 }));
      }
    }
    res.end();
  };

  // Whatever goes wrong with one request ends that request, never the proxy every process depends on.
  const server = createServer(
    (req, res) =>
      void handle(req, res).catch((err: unknown) => {
        options.onError?.(err, { method: req.method ?? 'GET', route: new URL(req.url ?? '/', 'http://proxy').pathname });
        res.destroy();
      }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    server,
    url: `http://${host}:${port}/api`,
    port,
    stats: () => ({ forwarded, paced }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
