import type { Clock } from '../calendar/clock.ts';
import { DatabaseError, LeaseLostError, type Delivery, type DeliveryStatus, type DigestStore } from '../db/digest-store.ts';
import { digestNonce, partMarker, withMarker } from '../payload/message-identity.ts';
import { repairMessage } from '../payload/repair.ts';
import type { DigestPart } from '../payload/types.ts';
import { validateMessage } from '../payload/validate.ts';
import type { ComposeCache, ComposedDigest } from './compose-cache.ts';
import { classifySendError, describeSendError, type DigestSender, type SendFailureKind } from './sender.ts';

/** The logging the engine needs (a pino logger fits). */
export interface DeliveryLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/**
 * What one run of one delivery did. `retrying`: left for a later attempt; `lost`: another process holds
 * it now; `interrupted`: the process is shutting down, the parts sent so far are recorded and the rest
 * is handed back (the lease released) for the next start or another process.
 */
export interface DeliveryOutcome {
  deliveryId: number;
  guildId: string;
  channelId: string;
  slot: string;
  status: Exclude<DeliveryStatus, 'claimed'> | 'retrying' | 'lost' | 'interrupted';
  messageIds: string[];
  articles: number;
  error?: string;
}

/** The first digest of a channel covers the day before its slot. */
export const FIRST_PERIOD_MS = 24 * 60 * 60 * 1000;
/** The longest period one digest covers: a bot that was down for a month posts one week, not a flood. */
export const MAX_PERIOD_MS = 7 * FIRST_PERIOD_MS;
/** Discord's nonce window is documented only as "the past few minutes": trust it for one minute after a first attempt. */
export const NONCE_TRUST_MS = 60_000;
/** Retries of a 429/5xx/network failure within one run; tests pass shorter ones. */
export const DEFAULT_BACKOFF_MS: readonly number[] = [1000, 2000, 4000];
/** Requests for one delivery (over all its runs, each with backoff) before it is given up as `failed`. */
export const MAX_ATTEMPTS = 40;
/** History is searched from this long before the first attempt, for clock skew between the bot and Discord. */
const HISTORY_MARGIN_MS = 60_000;

/** Everything one delivery run needs, built once by the engine. */
export interface DeliverDeps {
  store: DigestStore;
  sender: DigestSender;
  cache: ComposeCache;
  clock: Clock;
  logger: DeliveryLogger;
  owner: string;
  leaseMs: number;
  nonceTrustMs: number;
  backoffMs: readonly number[];
  sleep(ms: number): Promise<void>;
  /** True once the process is shutting down: the part in flight is finished, no new one is started. */
  stopping(): boolean;
  /**
   * When this process started. The database syncs commits to disk at checkpoints, not each one, so a
   * power cut may lose what was recorded shortly before it, but only before this process started: a
   * delivery that could have been attempted then is checked against the channel's history.
   */
  startedAt: Date;
  /** Pauses the channel's subscription and tells the admins once. */
  pause(guildId: string, channelId: string, reason: string): Promise<void>;
}

type PartResult = { ok: true; id: string } | { ok: false; kind: SendFailureKind; error: string };

/**
 * Delivers one claimed digest: checks permissions (no request when they are missing), renders it once
 * (stored before anything is sent, with where each part goes), then posts each part not yet known to
 * be posted: in the channel, or in the thread started from the first message (started once: see
 * `ensureThread`). A part whose
 * outcome is unknown is resent with the same nonce while Discord still remembers it; after that, the
 * channel's history is searched for the part's marker first, so a post that went through is never repeated.
 */
export async function runDelivery(deps: DeliverDeps, claimed: Delivery): Promise<DeliveryOutcome> {
  const { store, clock, owner } = deps;
  const d = { ...claimed };
  const outcome = (status: DeliveryOutcome['status'], error?: string): DeliveryOutcome => ({
    deliveryId: d.id,
    guildId: d.guildId,
    channelId: d.channelId,
    slot: d.slot,
    status,
    messageIds: d.messageIds.filter((x): x is string => x !== null),
    articles: d.articleCount,
    ...(error ? { error } : {}),
  });
  const finish = async (status: Exclude<DeliveryStatus, 'claimed'>, error: string | null) => {
    await store.finish(d.id, owner, status, error, clock.now());
    return outcome(status, error ?? undefined);
  };

  if (d.periodFrom.getTime() >= d.periodTo.getTime()) return finish('skipped', 'nothing new since the last digest');
  const allowed = deps.sender.checkPermissions(d.guildId, d.channelId);
  if (!allowed.ok) {
    const reason = `I am missing ${allowed.missing.join(', ')} in <#${d.channelId}>`;
    await deps.pause(d.guildId, d.channelId, reason);
    return finish('paused', reason);
  }

  /** Hands the rest back at once: the lease released with no wait, so the next start takes it over. */
  const interrupt = async () => {
    await store.releaseLease(d.id, owner, clock.now(), 'interrupted by a shutdown', clock.now());
    return outcome('interrupted');
  };
  if (deps.stopping()) return interrupt();
  // A fresh rendering records part 0's first attempt in the same write, unless part 0 must first be
  // looked for in the history (then the attempt is recorded after the search, as for any other part).
  const stamped = !d.payloads && unrecordedSince(deps, d) === null;
  const payloads: DigestPart[] = d.payloads ?? (await render(deps, d, stamped));
  /** The thread holding the full list, once it is known to exist: its id is the first message's. */
  let thread: string | null = null;
  for (let part = 0; part < payloads.length; part++) {
    if (d.messageIds[part]) continue;
    if (deps.stopping()) return interrupt();
    let target = d.channelId;
    if (payloads[part]!.placement?.in === 'thread') {
      if (!thread) {
        const started = await ensureThread(deps, d, payloads);
        if (!started.ok) {
          const r = started;
          if (r.kind === 'pause') {
            const reason = `Discord refused the digest thread in <#${d.channelId}> (${r.error})`;
            deps.logger.warn({ guildId: d.guildId, channelId: d.channelId, error: r.error }, 'digest thread refused; subscription paused');
            await deps.pause(d.guildId, d.channelId, reason);
            return finish('paused', reason);
          }
          if (r.kind === 'rejected') return finish('rejected', r.error);
          if (deps.stopping()) return interrupt();
          // Counted like a part's attempt (its first-attempt time unchanged), so a thread that never starts is given up.
          await store.markAttempt(d.id, owner, part, d.firstAttemptAt[part] ?? null, clock.now());
          const attempts = (await store.getDelivery(d.id))?.attempts ?? 0;
          if (attempts >= MAX_ATTEMPTS) return finish('failed', r.error);
          deps.logger.warn({ guildId: d.guildId, channelId: d.channelId, error: r.error }, 'digest thread not started yet; retrying later');
          await store.releaseLease(d.id, owner, new Date(clock.now().getTime() + deps.leaseMs), r.error, clock.now());
          return outcome('retrying', r.error);
        }
        thread = started.id;
      }
      target = thread;
    }
    const r = await sendPart(deps, d, part, payloads[part]!, stamped && part === 0, target);
    if (r.ok) {
      // The last part's id and the delivery's end go in one write.
      const last = payloads.every((_, i) => i === part || d.messageIds[i]);
      await store.recordMessage(d.id, owner, part, r.id, clock.now(), last);
      d.messageIds[part] = r.id;
      if (last) return outcome('delivered');
      continue;
    }
    if (r.kind === 'pause') {
      const reason = `Discord refused the digest in <#${d.channelId}> (${r.error})`;
      deps.logger.warn({ guildId: d.guildId, channelId: d.channelId, error: r.error }, 'digest channel refuses the bot; subscription paused');
      await deps.pause(d.guildId, d.channelId, reason);
      return finish('paused', reason);
    }
    if (r.kind === 'rejected') {
      deps.logger.error({ guildId: d.guildId, channelId: d.channelId, part, error: r.error }, 'Discord rejected a digest message; it will not be resent');
      return finish('rejected', r.error);
    }
    if (deps.stopping()) return interrupt();
    // Still failing after the backoff: another run (any process) tries again once the lease lapses.
    const attempts = (await store.getDelivery(d.id))?.attempts ?? 0;
    if (attempts >= MAX_ATTEMPTS) return finish('failed', r.error);
    deps.logger.warn({ guildId: d.guildId, channelId: d.channelId, error: r.error }, 'digest not delivered yet; retrying later');
    await store.releaseLease(d.id, owner, new Date(clock.now().getTime() + deps.leaseMs), r.error, clock.now());
    return outcome('retrying', r.error);
  }
  return finish('delivered', null);
}

/**
 * Starts the thread the full list goes into, from the part that asks for it (already posted: its id
 * is the thread's). Idempotent: a thread already started from that message (a crash between creating
 * it and posting into it) is found, never made twice. Retries failures that may pass, as parts do.
 */
async function ensureThread(deps: DeliverDeps, d: Delivery, payloads: DigestPart[]): Promise<PartResult> {
  const lead = payloads.findIndex((p) => p.placement?.in === 'channel' && p.placement.startThread);
  const placement = payloads[lead]?.placement;
  const messageId = lead >= 0 ? d.messageIds[lead] : null;
  if (!placement || placement.in !== 'channel' || !placement.startThread || !messageId || !deps.sender.startThread) {
    // A stored plan the code cannot follow (an older part layout): never guess where a message goes.
    return { ok: false, kind: 'rejected', error: 'the digest has thread messages but no thread to put them in' };
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const started = await deps.sender.startThread(d.channelId, messageId, placement.startThread);
      return { ok: true, id: started.id };
    } catch (err) {
      if (err instanceof DatabaseError || err instanceof LeaseLostError) throw err;
      const kind = classifySendError(err);
      if (kind !== 'retry' || attempt >= deps.backoffMs.length || deps.stopping()) return { ok: false, kind, error: describeSendError(err) };
      await deps.sleep(deps.backoffMs[attempt]!);
    }
  }
}

/**
 * The earliest instant a part of this delivery may have been posted with no record of it left (the
 * record lost to a power cut), when that is too long ago for Discord's nonce to still catch a resend;
 * null when every attempt is on record or the nonce still covers it. Records are lost only for
 * attempts made before this process started, and no attempt is made before the slot (or the row) exists.
 */
function unrecordedSince(deps: DeliverDeps, d: Delivery): Date | null {
  const slotAt = Date.parse(d.slot.startsWith('manual:') ? d.slot.slice('manual:'.length) : d.slot);
  const earliest = Number.isFinite(slotAt) ? Math.min(slotAt, d.createdAt.getTime()) : d.createdAt.getTime();
  if (earliest >= deps.startedAt.getTime()) return null;
  if (deps.clock.now().getTime() - earliest < deps.nonceTrustMs) return null;
  return new Date(earliest);
}

/** Each rendering's payloads checked against the limits once, however many servers share it. */
const sendableByRendering = new WeakMap<ComposedDigest, DigestPart[]>();

/**
 * The rendering's payloads, each valid for Discord: one that breaks the limits is logged as the bug it
 * is and repaired here, before anything is stored, so every stored part is one valid message with its
 * own marker and nonce (the sender never has to split one).
 */
function sendableParts(deps: DeliverDeps, composed: ComposedDigest): DigestPart[] {
  let parts = sendableByRendering.get(composed);
  if (!parts) {
    parts = composed.payloads.flatMap((p, index) => {
      const problems = validateMessage(p, { channelMessage: true });
      if (problems.length === 0) return [p];
      // A repair keeps the part's place; files stay on its first message, a thread is started from it once.
      const repaired = repairMessage(p).map((r, i): DigestPart => ({
        ...r,
        ...(p.placement ? { placement: i === 0 || p.placement.in === 'thread' ? p.placement : { in: 'channel' } } : {}),
        ...(i === 0 && p.files ? { files: p.files, attachments: p.attachments } : {}),
      }));
      deps.logger.error({ index, problems, parts: repaired.length }, 'bug: a rendered digest message breaks Discord limits; it is repaired before it is stored');
      return repaired;
    });
    sendableByRendering.set(composed, parts);
  }
  return parts;
}

/**
 * Composes (shared through the cache), repairs what breaks the limits, adds each part's marker, and
 * stores the result before anything is sent; `stamp` records part 0's first attempt in the same write.
 */
async function render(deps: DeliverDeps, d: Delivery, stamp: boolean): Promise<DigestPart[]> {
  // A weekly digest covers a local week (up to 169 hours across DST); longer than its usual period is a catch-up.
  const weekly = d.frequency === 'weekly';
  const long = d.periodTo.getTime() - d.periodFrom.getTime() > (weekly ? MAX_PERIOD_MS : FIRST_PERIOD_MS) + 60 * 60 * 1000;
  const title = d.reason === 'catch-up' || long ? 'Catch-up digest' : weekly ? 'Weekly digest' : 'Daily digest';
  // Decided once, from the cached permissions, and stored with the parts: a restart follows the same plan.
  const caps = deps.sender.capabilities?.(d.guildId, d.channelId) ?? { threads: false, attachFiles: false };
  const composed = await deps.cache.get({
    from: d.periodFrom,
    to: d.periodTo,
    timezone: d.timezone,
    topics: d.topics,
    title,
    topStories: d.topStories,
    thread: caps.threads && !!deps.sender.startThread,
    chart: caps.attachFiles,
  });
  const payloads = sendableParts(deps, composed).map((p, part) => withMarker(p, partMarker(d.channelId, d.slot, part)));
  const now = deps.clock.now();
  await deps.store.savePayloads(d.id, deps.owner, payloads, composed.articleCount, now, stamp ? now : undefined);
  d.payloads = payloads;
  d.articleCount = composed.articleCount;
  d.messageIds = payloads.map(() => null);
  d.firstAttemptAt = payloads.map((_, i) => (stamp && i === 0 ? now : null));
  return payloads;
}

/**
 * Posts one part, with retries for failures that may pass; never twice (nonce, then history).
 * `recorded`: its first attempt was written with the payloads just now, so the first try writes nothing.
 */
async function sendPart(deps: DeliverDeps, d: Delivery, part: number, payload: DigestPart, recorded: boolean, target: string): Promise<PartResult> {
  const { store, clock, owner, sender } = deps;
  const marker = partMarker(d.channelId, d.slot, part);
  let first = d.firstAttemptAt[part] ?? null;
  for (let attempt = 0; ; attempt++) {
    try {
      const now = clock.now();
      // Discord may have forgotten the nonce (the first attempt is older than the window), or an attempt
      // may have gone out with its record lost: look for the message before sending it again.
      const since = first ? (now.getTime() - first.getTime() >= deps.nonceTrustMs ? first : null) : attempt === 0 ? unrecordedSince(deps, d) : null;
      if (since) {
        const found = await sender.findOwnMessage(target, marker, new Date(since.getTime() - HISTORY_MARGIN_MS));
        if (found) {
          deps.logger.info({ guildId: d.guildId, channelId: d.channelId, part, messageId: found }, 'digest message found in the channel history; not sending it again');
          return { ok: true, id: found };
        }
        first = null;
      }
      if (!first) first = now;
      // Written before the request, so a crash after it leaves the part "outcome unknown", never "not sent".
      if (!(recorded && attempt === 0)) await store.markAttempt(d.id, owner, part, first, now);
      d.firstAttemptAt[part] = first;
      const sent = await sender.send(target, { ...payload, nonce: digestNonce(d.channelId, d.slot, part), enforce_nonce: true });
      return { ok: true, id: sent.id };
    } catch (err) {
      if (err instanceof DatabaseError || err instanceof LeaseLostError) throw err;
      const kind = classifySendError(err);
      // A shutdown does not wait out a backoff: the part's outcome is recorded as unknown, for the next run.
      if (kind !== 'retry' || attempt >= deps.backoffMs.length || deps.stopping()) return { ok: false, kind, error: describeSendError(err) };
      await deps.sleep(deps.backoffMs[attempt]!);
    }
  }
}
