import { RESTEvents, type REST } from 'discord.js';

/**
 * Discord bans a bot's IP for a while once it gets 10,000 answers of 401, 403 or 429 within 10
 * minutes (its "invalid request" limit, counted per IP across every client).
 */
export const INVALID_REQUEST_LIMIT = { count: 10_000, windowMs: 10 * 60 * 1000 } as const;

/** Statuses that count toward the limit (a 429 with `X-RateLimit-Scope: shared` does not, but discord.js does not expose the scope here; counting it errs on the safe side). */
const COUNTED = new Set([401, 403, 429]);

/** Where the warning goes (a pino logger fits). */
export interface InvalidRequestLogger {
  warn(obj: object, msg?: string): void;
}

/**
 * Counts 401, 403 and 429 answers over a sliding window and warns once when the count reaches
 * `warnAt` (default half of Discord's budget), then again only after it fell below and crossed it
 * again. Attach every REST client of the process with `watch`, since the limit is per IP.
 */
export function createInvalidRequestMonitor(deps: { logger: InvalidRequestLogger; now?: () => number; windowMs?: number; warnAt?: number }) {
  const now = deps.now ?? Date.now;
  const windowMs = deps.windowMs ?? INVALID_REQUEST_LIMIT.windowMs;
  const warnAt = deps.warnAt ?? INVALID_REQUEST_LIMIT.count / 2;
  // Timestamps in arrival order; `head` skips the expired ones without shifting the array each time.
  let times: number[] = [];
  let head = 0;
  let above = false;
  const byStatus = { 401: 0, 403: 0, 429: 0 };
  const statuses: number[] = [];

  const expire = (t: number) => {
    while (head < times.length && times[head]! <= t - windowMs) {
      byStatus[statuses[head] as 401 | 403 | 429]--;
      head++;
    }
    if (head > 4096 && head * 2 > times.length) {
      times = times.slice(head);
      statuses.splice(0, head);
      head = 0;
    }
  };

  const monitor = {
    /** Counts one answer; anything but 401, 403 and 429 is ignored. */
    record(status: number): void {
      if (!COUNTED.has(status)) return;
      const t = now();
      expire(t);
      times.push(t);
      statuses.push(status);
      byStatus[status as 401 | 403 | 429]++;
      const count = times.length - head;
      if (count >= warnAt && !above) {
        above = true;
        deps.logger.warn(
          { invalidRequests: count, windowMinutes: windowMs / 60_000, limit: INVALID_REQUEST_LIMIT.count, byStatus: { ...byStatus } },
          'many 401/403/429 answers from Discord: past half of the budget after which Discord bans the IP for a while',
        );
      } else if (count < warnAt) {
        above = false;
      }
    },
    /** Answers counted within the window now. */
    count(): number {
      expire(now());
      const count = times.length - head;
      if (count < warnAt) above = false;
      return count;
    },
    /** Counts every answer of this REST client (discord.js emits `response` for each one, 429s it waits out included). */
    watch(rest: REST): () => void {
      const listener = (_request: unknown, response: { status: number }) => monitor.record(response.status);
      rest.on(RESTEvents.Response, listener);
      return () => void rest.off(RESTEvents.Response, listener);
    },
  };
  return monitor;
}

/** The invalid-request monitor. */
export type InvalidRequestMonitor = ReturnType<typeof createInvalidRequestMonitor>;
