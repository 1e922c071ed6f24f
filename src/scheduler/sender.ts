/**
 * The seam between the delivery engine and the Discord adapter: what the engine asks of Discord, and
 * how it reads Discord's failures. The adapter (src/discord/) implements `DigestSender`.
 */
import type { DigestPart, PartPlacement } from '../payload/types.ts';

/**
 * A message Discord creates at most once per nonce (within its window) when `enforce_nonce` is set: a
 * stored digest part (its files are uploaded with it; its placement is not sent) with its nonce.
 */
export type NoncePayload = DigestPart & { nonce: string; enforce_nonce: true };

/** Options of the thread a digest starts from its first message. */
export type ThreadOptions = NonNullable<Extract<PartPlacement, { in: 'channel' }>['startThread']>;

/** What the bot may do in a channel beyond posting, from the cached permissions. */
export interface ChannelCapabilities {
  /** Create Public Threads and Send Messages in Threads: the full list can go into a thread. */
  threads: boolean;
  /** Attach Files: the mood chart can be uploaded. */
  attachFiles: boolean;
}

/** What the engine needs from Discord to post digests. */
export interface DigestSender {
  /** Posts one message; rejects with the error Discord (or the network) gave. */
  send(channelId: string, payload: NoncePayload): Promise<{ id: string }>;
  /** The id of the bot's own message in the channel, posted since `since`, whose content carries `marker`; null if none. */
  findOwnMessage(channelId: string, marker: string, since: Date): Promise<string | null>;
  /** Whether the bot may post digests in the channel, from the cached permissions: no request is made. */
  checkPermissions(guildId: string, channelId: string): { ok: true } | { ok: false; missing: string[] };
  /** What else the bot may do there (threads, files), from the cache; without it, neither. */
  capabilities?(guildId: string, channelId: string): ChannelCapabilities;
  /**
   * Starts a public thread from a message and returns its id, which Discord makes the message's id.
   * A thread already started from that message (400, code 160004) counts as started: a run that
   * crashed after creating it finds it rather than making a second.
   */
  startThread?(channelId: string, messageId: string, options: ThreadOptions): Promise<{ id: string }>;
}

/** Tells a server's admins something in a channel of that server where the bot can still write. */
export type NotifyAdmins = (guildId: string, text: string) => Promise<unknown>;

/**
 * What a failed request means for the delivery:
 * - `pause`: Discord refuses the bot in that channel (403 50001/50013, 404 10003); retrying only burns the
 *   invalid-request budget, so the subscription waits for an admin;
 * - `rejected`: Discord refused this payload (400 and other 4xx); resending it would fail the same way;
 * - `retry`: 429, 5xx, 408 and network failures, which may pass.
 */
export type SendFailureKind = 'pause' | 'rejected' | 'retry';

/** Classifies an error thrown by `DigestSender` (discord.js errors carry `status` and `code`). */
export function classifySendError(err: unknown): SendFailureKind {
  const e = err as { status?: unknown; code?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : undefined;
  if (status === 403 || e?.code === 50001 || e?.code === 50013) return 'pause';
  if (status === 404 && e?.code === 10003) return 'pause';
  if (status === undefined || status >= 500 || status === 429 || status === 408 || status === 401) return 'retry';
  return 'rejected';
}

/** A short description for logs, `/digest status` and admin notices: `HTTP 403 · code 50013 · Missing Permissions`. */
export function describeSendError(err: unknown): string {
  const e = err as { status?: number; code?: number | string; message?: string } | null;
  const parts = [e?.status && `HTTP ${e.status}`, e?.code && `code ${e.code}`, e?.message].filter(Boolean);
  return parts.join(' · ') || String(err);
}
