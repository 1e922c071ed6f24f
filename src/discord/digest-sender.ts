import { createHash } from 'node:crypto';
import { ChannelType, DefaultRestOptions, PermissionFlagsBits, REST, Routes, type Client, type Guild, type GuildBasedChannel } from 'discord.js';
import { renderNotice } from '../render/articles.ts';
import { repairMessage } from '../payload/repair.ts';
import type { MessagePayload } from '../payload/types.ts';
import { validateMessage, type LimitViolation } from '../payload/validate.ts';
import { DIGEST_CHANNEL_PERMISSIONS, type NoncePayload } from './client.ts';
import { createRequestPacer } from './request-pacer.ts';

/**
 * Requests per second the digest client allows itself. Discord allows a bot 50 across all its
 * requests except interaction answers; 45 leaves the main client room for its own (message edits,
 * channel fetches) so the two together stay under the limit and digests never trigger a global 429.
 */
export const DIGEST_GLOBAL_REQUESTS_PER_SECOND = 45;

/** Discord's epoch (2015-01-01), the zero of every snowflake's timestamp. */
const DISCORD_EPOCH = 1_420_070_400_000n;
/** GET /channels/{id}/messages returns at most this many messages per page. */
const HISTORY_PAGE = 100;

/** Discord's own global limit, requests a second per bot token. */
const DISCORD_GLOBAL_PER_SECOND = 50;

/**
 * The REST client that posts digests, apart from the gateway client's: the same token and API, its
 * own queues and its own global budget, so a command reply never waits behind thousands of digest
 * posts queued in discord.js.
 *
 * Every request it makes (posts, history reads, its own retries) waits its turn in a pacer at the
 * moment it goes on the wire: at most `globalRequestsPerSecond` in any rolling second, evenly spaced.
 * discord.js's own global counter resets once a second from its own instant, so it let 45 through at
 * the end of one of its windows and 45 more at the start of the next, inside one of Discord's: 429s.
 */
export function createDigestRest(options: { token: string; apiUrl?: string; globalRequestsPerSecond?: number; retries?: number }): REST {
  const pacer = createRequestPacer({ perWindow: options.globalRequestsPerSecond ?? DIGEST_GLOBAL_REQUESTS_PER_SECOND, windowMs: 1000 });
  return new REST({
    ...(options.apiUrl ? { api: options.apiUrl } : {}),
    // The pacer is the limit; discord.js's counter only backs it up at Discord's own number.
    globalRequestsPerSecond: DISCORD_GLOBAL_PER_SECOND,
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    async makeRequest(url, init) {
      await pacer.acquire(init.signal ?? undefined);
      return DefaultRestOptions.makeRequest(url, init);
    },
  }).setToken(options.token);
}

/** The smallest snowflake of a message created at `ms` or later, minus one: `after=` it lists exactly those. */
export function snowflakeBefore(ms: number): string {
  const id = ((BigInt(Math.max(0, Math.floor(ms))) - DISCORD_EPOCH) << 22n) - 1n;
  return (id < 0n ? 0n : id).toString();
}

/** A payload that could not be made sendable (it had nothing to show). Shaped like Discord's 400 so it is never resent. */
export class UnsendablePayloadError extends Error {
  readonly status = 400;
  readonly code = 50006;
  constructor(readonly problems: LimitViolation[]) {
    super(`Cannot send this message: ${problems.map((p) => `${p.path || 'message'}: ${p.message}`).join('; ')}`);
    this.name = 'UnsendablePayloadError';
  }
}

/** The logging the sender needs (a pino logger fits). */
export interface SenderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The result of a permission check: the names (as in Discord's settings) of what is missing. */
export type PermissionCheck = { ok: true } | { ok: false; missing: string[] };

/** A message as the history lists it: only what the search reads. */
interface HistoryMessage {
  id: string;
  author?: { id: string };
  content?: string;
  embeds?: Array<{ description?: string; footer?: { text?: string } }>;
}

const ALL_MISSING = DIGEST_CHANNEL_PERMISSIONS.map((p) => p.name);

const isPostable = (c: GuildBasedChannel) => c.type === ChannelType.GuildText || c.type === ChannelType.GuildAnnouncement;

/** The permissions of `DIGEST_CHANNEL_PERMISSIONS` the bot lacks in a channel, from discord.js's cache; null when the cache cannot tell. */
function missingIn(guild: Guild, channelId: string): string[] | null {
  const channel = guild.channels.cache.get(channelId);
  if (!channel || !isPostable(channel)) return ALL_MISSING;
  const me = guild.members.me;
  if (!me) return null;
  const perms = channel.permissionsFor(me);
  return DIGEST_CHANNEL_PERMISSIONS.filter((p) => !perms.has(p.flag)).map((p) => p.name);
}

/**
 * What the delivery engine uses to reach Discord: posting a digest message (validated against the
 * limits table, repaired if a renderer got it wrong), finding its own message in a channel's history,
 * checking permissions from the cache, and telling a server's admins about a pause.
 */
export function createChannelSender(deps: {
  /** The digest REST client (`createDigestRest`). */
  rest: REST;
  /** The gateway client, for its cache (permissions, channels) and the bot's user id. */
  client: Client;
  logger: SenderLogger;
  /** Pages of history read at most per search (100 messages each). */
  maxHistoryPages?: number;
}) {
  const { rest, client, logger } = deps;
  const maxPages = deps.maxHistoryPages ?? 50;

  const post = async (channelId: string, body: NoncePayload): Promise<string> => {
    const message = (await rest.post(Routes.channelMessages(channelId), { body })) as { id: string };
    return message.id;
  };

  /** The payload as it may go out: itself when valid, else repaired (logged as the bug it is). */
  const sendable = (channelId: string, payload: MessagePayload, context: object): MessagePayload[] => {
    const problems = validateMessage(payload, { channelMessage: true });
    if (problems.length === 0) return [payload];
    logger.error({ channelId, problems, ...context }, 'bug: a message breaks Discord limits; it is repaired before sending');
    const parts = repairMessage(payload);
    if (parts.length === 0) throw new UnsendablePayloadError(problems);
    return parts;
  };

  const canWrite = (guild: Guild, c: GuildBasedChannel) => {
    const me = guild.members.me;
    return isPostable(c) && !!me && c.permissionsFor(me).has(PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages);
  };

  return {
    /**
     * Posts one digest message with its nonce; returns its id. The engine repairs payloads before it
     * stores them, so each arrives valid; a payload that still breaks the limits is never sent as is:
     * it is logged as a bug and repaired here as a last resort. One part stays one message (its nonce
     * and marker identify exactly one post), so what a repair would move into further messages is
     * dropped, and logged with it.
     */
    async send(channelId: string, payload: NoncePayload): Promise<{ id: string }> {
      const { nonce, enforce_nonce: _enforce, ...message } = payload;
      const [first, ...dropped] = sendable(channelId, message, { nonce });
      if (dropped.length > 0) logger.error({ channelId, nonce, dropped: dropped.length }, 'bug: a digest part needed more than one message; only the first is sent');
      return { id: await post(channelId, { ...first!, nonce, enforce_nonce: true }) };
    },

    /**
     * Looks for the bot's own message carrying `marker` (in its content, or an embed's description or
     * footer) among those posted since `since`: reads the history oldest page first, 100 at a time.
     * Needs Read Message History. Throws when the channel holds more messages since then than it
     * reads, rather than answering "not there" and risking a second post.
     */
    async findOwnMessage(channelId: string, marker: string, since: Date): Promise<string | null> {
      const botId = client.user?.id;
      if (!botId) throw new Error('the client is not logged in: its user id is unknown');
      let after = snowflakeBefore(since.getTime());
      for (let page = 0; page < maxPages; page++) {
        const query = new URLSearchParams({ after, limit: String(HISTORY_PAGE) });
        const messages = (await rest.get(Routes.channelMessages(channelId), { query })) as HistoryMessage[];
        for (const m of messages) {
          if (m.author?.id !== botId) continue;
          const texts = [m.content ?? '', ...(m.embeds ?? []).flatMap((e) => [e.description ?? '', e.footer?.text ?? ''])];
          if (texts.some((t) => t.includes(marker))) return m.id;
        }
        if (messages.length < HISTORY_PAGE) return null;
        // Each page lists the messages just after `after`, newest first: the next starts after its newest.
        after = messages.reduce((max, m) => (BigInt(m.id) > BigInt(max) ? m.id : max), after);
      }
      throw new Error(`more than ${maxPages * HISTORY_PAGE} messages in channel ${channelId} since ${since.toISOString()}: cannot tell whether the digest was posted`);
    },

    /**
     * Whether the bot may post a digest in the channel (View Channel, Send Messages, Embed Links,
     * Read Message History), from discord.js's cache, so a refusal costs no request. A server in an
     * outage (unavailable) is not judged: the send itself will tell.
     */
    checkPermissions(guildId: string, channelId: string): PermissionCheck {
      const guild = client.guilds.cache.get(guildId);
      if (!guild) return { ok: false, missing: ALL_MISSING };
      if (!guild.available) return { ok: true };
      const missing = missingIn(guild, channelId);
      return missing && missing.length > 0 ? { ok: false, missing } : { ok: true };
    },

    /**
     * Posts one notice where a server's admins will see it and the bot can still write: the server's
     * system channel if the bot may view and send there, else the first such text channel by position.
     * Returns the channel used, or null (logged as a warning) when there is none or posting failed.
     */
    async notifyAdmins(guildId: string, text: string): Promise<{ channelId: string } | null> {
      const guild = client.guilds.cache.get(guildId);
      if (!guild?.available) {
        logger.warn({ guildId }, 'cannot tell the admins about the paused digest: the bot is not in that server');
        return null;
      }
      const byPosition = [...guild.channels.cache.values()]
        .filter((c) => canWrite(guild, c))
        .sort((a, b) => ('rawPosition' in a && 'rawPosition' in b ? a.rawPosition - b.rawPosition : 0) || (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      const system = guild.systemChannel && canWrite(guild, guild.systemChannel) ? [guild.systemChannel] : [];
      const candidates = [...system, ...byPosition.filter((c) => c.id !== guild.systemChannelId)].slice(0, 3);
      if (candidates.length === 0) {
        logger.warn({ guildId }, 'cannot tell the admins about the paused digest: the bot can write in no channel of that server');
        return null;
      }
      const nonce = BigInt(`0x${createHash('sha256').update(`notice:${guildId}:${text}`).digest('hex')}`).toString(36).slice(0, 25);
      for (const channel of candidates) {
        try {
          const [first] = sendable(channel.id, renderNotice(text), { guildId });
          await post(channel.id, { ...first!, nonce, enforce_nonce: true });
          logger.info({ guildId, channelId: channel.id }, 'told the admins about the paused digest');
          return { channelId: channel.id };
        } catch (err) {
          logger.warn({ guildId, channelId: channel.id, err }, 'could not post the pause notice there');
        }
      }
      return null;
    },
  };
}

/** The digest sender. */
export type ChannelSender = ReturnType<typeof createChannelSender>;
