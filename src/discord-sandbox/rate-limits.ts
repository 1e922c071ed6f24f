/**
 * Discord's rate limits as the loopback server applies them: a global limit per bot token (all
 * routes except interaction callbacks and interaction webhooks), and per-route buckets keyed by the
 * route's major parameter (the channel, guild, interaction or webhook). A window opens at the first
 * request after the previous one closed, which is also how discord.js counts, so a client that
 * honours the headers is never refused.
 */

/** One per-route bucket: requests matching `method` and `pattern`, keyed by the pattern's first group. */
export interface RouteBucket {
  /** Reported as `X-RateLimit-Bucket`. */
  name: string;
  method: string;
  pattern: RegExp;
  limit: number;
  windowMs: number;
}

/** How strict the server is; `startDiscordSandbox({ rateLimits })` overrides any part. */
export interface RateLimitOptions {
  /** Requests per window per bot token, across every connection and process (Discord: 50 per second). */
  globalPerSecond: number;
  globalWindowMs: number;
  /** First match wins; a route matching none gets `defaultBucket`. */
  routes: RouteBucket[];
  /** For every other route, per route and major parameter (Discord does not publish these numbers). */
  defaultBucket: { limit: number; windowMs: number };
}

/** Discord's numbers: 50/s globally; 5 per 5 s for posting in (or editing) one channel's messages. */
export const DISCORD_RATE_LIMITS: RateLimitOptions = {
  globalPerSecond: 50,
  globalWindowMs: 1000,
  routes: [
    { name: 'channel-message-create', method: 'POST', pattern: /^\/channels\/(\d+)\/messages$/, limit: 5, windowMs: 5000 },
    { name: 'channel-message-edit', method: 'PATCH', pattern: /^\/channels\/(\d+)\/messages\/\d+$/, limit: 5, windowMs: 5000 },
    { name: 'channel-message-list', method: 'GET', pattern: /^\/channels\/(\d+)\/messages$/, limit: 5, windowMs: 5000 },
  ],
  defaultBucket: { limit: 50, windowMs: 1000 },
};

/** Interaction endpoints: exempt from the global limit, as in Discord. */
export const isInteractionRoute = (route: string) => route.startsWith('/interactions/') || /^\/webhooks\/\d+\/[^/]+/.test(route);

/** A route's bucket name without its ids and tokens, so every channel (or interaction) shares one name. */
const defaultBucketName = (method: string, route: string) =>
  `${method} ${route.replace(/\/\d{5,}/g, '/:id').replace(/^(\/(?:interactions|webhooks)\/:id)\/[^/]+/, '$1/:token')}`;

/** The limiter's verdict: headers to send either way, and a 429 body when refused. */
export type RateLimitVerdict =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; scope: 'global' | 'route'; retryAfterMs: number; headers: Record<string, string>; body: Record<string, unknown> };

interface Window {
  count: number;
  resetAt: number;
}

/** Creates a limiter over `now` (ms); `check` counts the request when it is allowed. */
export function createRateLimiter(options: RateLimitOptions, now: () => number) {
  const windows = new Map<string, Window>();
  const take = (key: string, limit: number, windowMs: number): { allowed: boolean; w: Window } => {
    const t = now();
    let w = windows.get(key);
    if (!w || t >= w.resetAt) {
      w = { count: 0, resetAt: t + windowMs };
      windows.set(key, w);
    }
    if (w.count >= limit) return { allowed: false, w };
    w.count++;
    return { allowed: true, w };
  };
  const sweep = () => {
    const t = now();
    for (const [k, w] of windows) if (t >= w.resetAt) windows.delete(k);
  };
  const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);

  return {
    check(method: string, route: string, token: string): RateLimitVerdict {
      if (windows.size > 50_000) sweep();
      const t = now();
      const bucket = options.routes.find((b) => b.method === method && b.pattern.test(route));
      const major = bucket ? (bucket.pattern.exec(route)?.[1] ?? '') : route.replace(/^(\/\w+\/\d+(?:\/[^/]+)?).*$/, '$1');
      const limits = bucket ?? { name: defaultBucketName(method, route), ...options.defaultBucket };
      if (!isInteractionRoute(route)) {
        const g = windows.get(`${token}|global`);
        if (g && t < g.resetAt && g.count >= options.globalPerSecond) {
          const retryAfterMs = g.resetAt - t;
          return {
            ok: false,
            scope: 'global',
            retryAfterMs,
            headers: { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)), 'X-RateLimit-Global': 'true', 'X-RateLimit-Scope': 'global' },
            body: { message: 'You are being rate limited.', retry_after: Number(seconds(retryAfterMs)), global: true },
          };
        }
      }
      const key = `${token}|${limits.name}|${major}`;
      const { allowed, w } = take(key, limits.limit, limits.windowMs);
      const headers: Record<string, string> = {
        'X-RateLimit-Limit': String(limits.limit),
        'X-RateLimit-Remaining': String(Math.max(0, limits.limit - w.count)),
        'X-RateLimit-Reset': seconds(w.resetAt),
        'X-RateLimit-Reset-After': seconds(w.resetAt - t),
        'X-RateLimit-Bucket': limits.name,
      };
      if (!allowed) {
        const retryAfterMs = w.resetAt - t;
        return {
          ok: false,
          scope: 'route',
          retryAfterMs,
          headers: { ...headers, 'Retry-After': String(Math.ceil(retryAfterMs / 1000)), 'X-RateLimit-Scope': 'user' },
          body: { message: 'You are being rate limited.', retry_after: Number(seconds(retryAfterMs)), global: false },
        };
      }
      // Only a request the route allowed counts toward the global window.
      if (!isInteractionRoute(route)) take(`${token}|global`, options.globalPerSecond, options.globalWindowMs);
      return { ok: true, headers };
    },
  };
}

/** Fills in Discord's numbers for what `rateLimits: {...}` leaves out; `false` turns limiting off (null). */
export function resolveRateLimits(input: Partial<RateLimitOptions> | false | undefined): RateLimitOptions | null {
  if (input === false) return null;
  return { ...DISCORD_RATE_LIMITS, ...input };
}
