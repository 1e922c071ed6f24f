import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults } from './faults.ts';
import { readBody, send } from './http-io.ts';
import type { UploadedFile } from './multipart.ts';
import type { createRateLimiter } from './rate-limits.ts';
import type { RouteHandler } from './rest-context.ts';
import { SandboxError } from './sandbox-error.ts';
import type { World } from './world.ts';

/** Counts of answers tests and benchmarks assert on (e.g. no global 429 at all). */
export interface SandboxStats {
  /** 429s from the limiter, global or per route, and the ones scripted with `failNext`. */
  rateLimited: { global: number; route: number; scripted: number };
  /** Discord bans clients that send too many of these (its "invalid request" limit). */
  invalid: { 401: number; 403: number; 429: number };
}

/** Holds an answer back, as a slow Discord would. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The REST front door: `/api[/v10]/...`. In order: the body, a scripted lost request, the bot token
 * (interaction routes authenticate by their own token), the rate limits, scripted faults, channel
 * faults, then the routes; a lost answer or a slow answer is applied last.
 */
export function createRestHandler(deps: { world: World; faults: Faults; limiter: ReturnType<typeof createRateLimiter> | null; routes: RouteHandler[] }) {
  const { world, faults, limiter, routes } = deps;
  const stats: SandboxStats = { rateLimited: { global: 0, route: 0, scripted: 0 }, invalid: { 401: 0, 403: 0, 429: 0 } };

  async function route(method: string, path: string, query: Record<string, string>, body: unknown, files: UploadedFile[]): Promise<[number, unknown]> {
    const refused = faults.channelError(path);
    if (refused) throw refused;
    for (const r of routes) {
      const out = await r(method, path, query, body, files);
      if (out) return out;
    }
    throw new SandboxError(404, 0, '404: Not Found');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    const method = (req.method ?? 'GET').toUpperCase();
    const query = Object.fromEntries(url.searchParams);
    if (!path.startsWith('/api/')) return send(res, 404, { message: '404: Not Found', code: 0 });
    const routePath = path.replace(/^\/api(\/v\d+)?/, '');
    let body: unknown;
    let files: UploadedFile[];
    const record = (status: number, code?: number) => {
      world.requests.push({ method, path: routePath, query, body, status, ...(code !== undefined ? { code } : {}) });
      if (status === 401 || status === 403 || status === 429) stats.invalid[status]++;
    };
    try {
      ({ json: body, files } = await readBody(req));
    } catch (err) {
      const e = err instanceof SandboxError ? err : new SandboxError(400, 50109, 'The request body contains invalid JSON.');
      record(e.status, e.code);
      if (e.status === 413) req.resume();
      return send(res, e.status, { message: e.message, code: e.code, ...(e.errors ? { errors: e.errors } : {}) });
    }
    const drop = faults.takeDrop(method, routePath);
    if (drop?.when === 'before-applying') {
      record(0);
      req.socket.destroy();
      return;
    }
    const tokenRoute = routePath.startsWith('/interactions/') || routePath.startsWith('/webhooks/');
    const auth = req.headers.authorization ?? '';
    if (!tokenRoute && auth !== `Bot ${world.token}`) {
      record(401, 0);
      return send(res, 401, { message: '401: Unauthorized', code: 0 });
    }
    let headers: Record<string, string> = {};
    if (limiter) {
      const verdict = limiter.check(method, routePath, auth || 'interaction');
      if (!verdict.ok) {
        stats.rateLimited[verdict.scope]++;
        record(429);
        return send(res, 429, verdict.body, verdict.headers);
      }
      headers = verdict.headers;
    }
    const delay = faults.takeDelay(method, routePath);
    const fault = faults.takeFault(method, routePath);
    if (fault) {
      if (fault.afterApplying) await route(method, routePath, query, body, files).catch(() => undefined);
      record(fault.status, fault.code);
      if (fault.status === 429) {
        stats.rateLimited.scripted++;
        const retryAfter = fault.retryAfter ?? 0.2;
        const limitHeaders = { 'X-RateLimit-Limit': '5', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset-After': String(retryAfter), 'X-RateLimit-Scope': 'user' };
        return send(res, 429, { message: 'You are being rate limited.', retry_after: retryAfter, global: false }, { 'Retry-After': String(retryAfter), ...limitHeaders });
      }
      return send(res, fault.status, { message: fault.message ?? (fault.status >= 500 ? '500: Internal Server Error' : 'Error'), code: fault.code ?? 0 });
    }
    let status: number;
    let out: unknown;
    try {
      [status, out] = await route(method, routePath, query, body, files);
      record(drop ? 0 : status);
    } catch (err) {
      if (!(err instanceof SandboxError)) throw err;
      record(err.status, err.code);
      if (err.status === 400 || err.status === 403) {
        world.events.emit('rejected', { method, path: routePath, body, status: err.status, code: err.code, message: err.message, violations: err.violations });
      }
      status = err.status;
      out = { message: err.message, code: err.code, ...(err.errors ? { errors: err.errors } : {}) };
    }
    if (drop) {
      // Applied, but the client never hears back: the connection dies before the answer.
      req.socket.destroy();
      return;
    }
    if (delay) await sleep(delay.delayMs);
    send(res, status, out, headers);
  }

  return { handle, stats };
}
