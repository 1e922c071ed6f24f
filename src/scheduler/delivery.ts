import type { Clock } from '../calendar/clock.ts';
import type { DeliveryReason, DeliveryRepo, Delivery } from '../db/deliveries.ts';
import type { SubscriptionRepo } from '../db/subscriptions.ts';
import { composeDigest, type ArticleSource } from '../digest/compose.ts';
import { renderDigest } from '../render/digest.ts';
import type { MessagePayload } from '../payload/types.ts';

/** Posts one message to a channel. Discord drops a repeated `nonce` when `enforce_nonce` is set. */
export interface DigestSender {
  send(channelId: string, payload: MessagePayload & { nonce: string; enforce_nonce: true }): Promise<{ id: string }>;
}

/** The logging the delivery needs (a pino logger fits). */
export interface DeliveryLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** How a send failure is handled. */
export type SendErrorKind = 'transient' | 'forbidden' | 'fatal';

/** 403 with Missing Access (50001) or Missing Permissions (50013) will not fix itself; 5xx, 429 and network errors may. */
export function classifySendError(err: unknown): SendErrorKind {
  const e = err as { status?: number; code?: number | string };
  const status = typeof e?.status === 'number' ? e.status : undefined;
  if (status === 403 || e?.code === 50001 || e?.code === 50013) return 'forbidden';
  if (status === undefined || status >= 500 || status === 429 || status === 408) return 'transient';
  return 'fatal';
}

/** What one delivery run did. */
export interface DeliveryOutcome {
  status: 'delivered' | 'failed' | 'blocked' | 'skipped';
  deliveryId?: number;
  period?: { from: Date; to: Date };
  messageIds: string[];
  articles: number;
  error?: string;
}

/** The longest period one digest covers: a bot that was down for a month posts one week, not a flood. */
export const MAX_CATCH_UP_MS = 7 * 24 * 60 * 60 * 1000;
/** The first digest of a channel covers the day before it. */
export const FIRST_PERIOD_MS = 24 * 60 * 60 * 1000;
/** Retries of a 5xx or network failure, in production; tests pass shorter ones. */
export const DEFAULT_BACKOFF_MS = [1000, 2000, 4000];

/** The nonce of message `index` of delivery `id`: the same on every retry and restart, at most 25 characters. */
export function deliveryNonce(id: number, index: number): string {
  return `dg${id}m${index}`;
}

function describeError(err: unknown): string {
  const e = err as { status?: number; code?: number; message?: string };
  const parts = [e?.status && `HTTP ${e.status}`, e?.code && `code ${e.code}`, e?.message].filter(Boolean);
  return parts.join(' · ') || String(err);
}

/**
 * Delivers digests exactly once per period. A delivery is written to SQLite with its period and its
 * rendered messages *before* anything is sent; each message id is recorded as soon as Discord
 * confirms it; a restart resumes the same delivery with the same nonces, so Discord drops any
 * message that did go out before the crash.
 */
export function createDigestDelivery(deps: {
  subscriptions: SubscriptionRepo;
  deliveries: DeliveryRepo;
  articles: ArticleSource;
  sender: DigestSender;
  clock: Clock;
  logger: DeliveryLogger;
  backoffMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}) {
  const backoff = deps.backoffMs ?? DEFAULT_BACKOFF_MS;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const inFlight = new Map<string, Promise<DeliveryOutcome>>();
  const { logger, clock } = deps;

  const outcome = (d: Delivery, status: DeliveryOutcome['status'], error?: string): DeliveryOutcome => ({
    status,
    deliveryId: d.id,
    period: { from: d.periodFrom, to: d.periodTo },
    messageIds: d.messageIds.filter((x): x is string => x !== null),
    articles: d.articleCount,
    ...(error ? { error } : {}),
  });

  /** Sends what is left of a recorded delivery. */
  async function send(d: Delivery): Promise<DeliveryOutcome> {
    let attempts = 0;
    for (let i = 0; i < d.payloads.length; i++) {
      if (d.messageIds[i]) continue;
      const payload = { ...d.payloads[i]!, nonce: deliveryNonce(d.id, i), enforce_nonce: true as const };
      for (let attempt = 0; ; attempt++) {
        attempts++;
        try {
          const { id } = await deps.sender.send(d.channelId, payload);
          deps.deliveries.recordMessage(d.id, i, id, clock.now());
          d.messageIds[i] = id;
          break;
        } catch (err) {
          const kind = classifySendError(err);
          const error = describeError(err);
          if (kind === 'transient' && attempt < backoff.length) {
            logger.warn({ guildId: d.guildId, channelId: d.channelId, deliveryId: d.id, message: i, attempt: attempt + 1, error }, 'digest message failed; retrying');
            await sleep(backoff[attempt]!);
            continue;
          }
          if (kind === 'forbidden') {
            const sub = deps.subscriptions.get(d.guildId);
            const reason = `Discord refused the digest in <#${d.channelId}> (${error}). Give the bot View Channel, Send Messages and Embed Links there, then run /digest set again.`;
            // Logged once per blocking, not on every scheduled run: the admin sees it in /digest status.
            if (!sub?.blockedReason) logger.warn({ guildId: d.guildId, channelId: d.channelId, deliveryId: d.id, error }, 'digest channel refuses the bot; waiting for an admin');
            else logger.debug({ guildId: d.guildId, deliveryId: d.id }, 'digest channel still refuses the bot');
            deps.subscriptions.recordError(d.guildId, reason, clock.now(), true);
            deps.deliveries.finish(d.id, 'blocked', error, attempts, clock.now());
            return outcome(d, 'blocked', reason);
          }
          logger.error({ guildId: d.guildId, channelId: d.channelId, deliveryId: d.id, error }, 'digest delivery failed; it will be retried');
          deps.subscriptions.recordError(d.guildId, `Delivery failed (${error}); it will be retried at the next start or run.`, clock.now(), false);
          deps.deliveries.finish(d.id, 'failed', error, attempts, clock.now());
          return outcome(d, 'failed', error);
        }
      }
    }
    deps.deliveries.finish(d.id, 'delivered', null, attempts, clock.now());
    logger.info({ guildId: d.guildId, channelId: d.channelId, deliveryId: d.id, messages: d.payloads.length, articles: d.articleCount, reason: d.reason }, 'digest delivered');
    return outcome(d, 'delivered');
  }

  async function run(guildId: string, reason: DeliveryReason, options: { resumeOnly?: boolean; includeBlocked?: boolean }): Promise<DeliveryOutcome> {
    const sub = deps.subscriptions.get(guildId);
    if (!sub || !sub.enabled) return { status: 'skipped', messageIds: [], articles: 0, error: 'no active subscription' };
    // An unfinished delivery is finished first, with its own period and messages, before anything new.
    const unfinished = deps.deliveries.unfinished(guildId, sub.channelId);
    if (unfinished && (unfinished.status !== 'blocked' || options.includeBlocked)) {
      logger.info({ guildId, deliveryId: unfinished.id, status: unfinished.status }, 'resuming an unfinished digest');
      const resumed = await send(unfinished);
      if (resumed.status !== 'delivered' || options.resumeOnly) return resumed;
    }
    if (options.resumeOnly) return { status: 'skipped', messageIds: [], articles: 0 };
    const now = clock.now();
    const last = deps.deliveries.lastDelivered(guildId, sub.channelId);
    const to = now;
    const from = new Date(Math.max(last ? last.periodTo.getTime() : to.getTime() - FIRST_PERIOD_MS, to.getTime() - MAX_CATCH_UP_MS));
    if (from.getTime() >= to.getTime()) return { status: 'skipped', messageIds: [], articles: 0, error: 'nothing new since the last digest' };
    const digest = composeDigest(deps.articles.query({ from, to }), { from, to, timezone: sub.timezone, topics: sub.topics });
    const multiDay = to.getTime() - from.getTime() > FIRST_PERIOD_MS + 60 * 60 * 1000;
    const payloads = renderDigest(digest, { title: reason === 'catch-up' || multiDay ? 'Catch-up digest' : 'Daily digest' });
    const d = deps.deliveries.create({ guildId, channelId: sub.channelId, periodFrom: from, periodTo: to, reason, articleCount: digest.total, payloads }, now);
    return send(d);
  }

  /** Runs one delivery per server at a time: a manual send during a scheduled one waits for it. */
  function exclusive(guildId: string, task: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
    const previous = inFlight.get(guildId) ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(task);
    inFlight.set(guildId, next);
    void next.finally(() => {
      if (inFlight.get(guildId) === next) inFlight.delete(guildId);
    }).catch(() => undefined);
    return next;
  }

  return {
    /**
     * Delivers the digest for everything published since this channel's last delivered digest
     * (the last 24 h the first time, at most 7 days), after finishing any unfinished one — including
     * one blocked by a 403, which is retried here (once per scheduled run), never in a tight loop.
     */
    deliver(guildId: string, reason: DeliveryReason): Promise<DeliveryOutcome> {
      return exclusive(guildId, () => run(guildId, reason, { includeBlocked: true }));
    },
    /** Finishes pending or failed deliveries (at startup), without starting new ones. */
    resume(guildId: string): Promise<DeliveryOutcome> {
      return exclusive(guildId, () => run(guildId, 'scheduled', { resumeOnly: true, includeBlocked: false }));
    },
  };
}

/** The delivery service. */
export type DigestDelivery = ReturnType<typeof createDigestDelivery>;
