import { createHash } from 'node:crypto';
import { ChannelType, DefaultRestOptions, DiscordAPIError, PermissionFlagsBits, REST, Routes, type Client, type Guild, type GuildBasedChannel, type RawFile } from 'discord.js';
import { renderNotice } from '../render/articles.ts';
import { repairMessage } from '../payload/repair.ts';
import type { ChartFile, MessagePayload } from '../payload/types.ts';
import type { ChannelCapabilities, NoncePayload, ThreadOptions } from '../scheduler/sender.ts';
import { createChartRenderer } from './chart-png.ts';
import { validateMessage, type LimitViolation } from '../payload/validate.ts';
import { DIGEST_CHANNEL_PERMISSIONS, restBase } from './client.ts';
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
export function createDigestRest(options: { token: string; apiUrl?: string; proxyUrl?: string; globalRequestsPerSecond?: number; retries?: number }): REST {
  // Behind `npm run rest-proxy` the proxy paces every process together; a pacer here would only cap this one.
  if (options.proxyUrl) {
    return new REST({ ...restBase({ proxyUrl: options.proxyUrl }), ...(options.retries !== undefined ? { retries: options.retries } : {}) }).setToken(options.token);
  }
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

/** Discord's code for "A thread has already been created for this message". */
export const THREAD_ALREADY_CREATED = 160004;

/** What the full list in a thread needs: starting it from the digest message, and posting in it. */
const THREAD_PERMISSIONS = PermissionFlagsBits.CreatePublicThreads | PermissionFlagsBits.SendMessagesInThreads;

const isPostable = (c: GuildBasedChannel) => c.type === ChannelType.GuildText || c.type === ChannelType.GuildAnnouncement;

/**
 * Whether this process holds the shard of a server (`(guild_id >> 22) % shard_count`). Digests are a work
 * queue shared by every process, so a process may post for a server whose shard, and cache, is elsewhere.
 */
export function holdsShardOf(client: Client, guildId: string): boolean {
  const { shards, shardCount } = client.options;
  if (!Array.isArray(shards) || !shardCount) return true;
  return shards.includes(Number((BigInt(guildId) >> 22n) % BigInt(shardCount)));
}

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
  /** Draws a chart file as PNG bytes (default: resvg with a small cache, `chart-png.ts`). */
  renderChart?: (file: ChartFile) => Buffer;
}) {
  const { rest, client, logger } = deps;
  const renderChart = deps.renderChart ?? createChartRenderer();
  const maxPages = deps.maxHistoryPages ?? 50;

  const post = async (channelId: string, body: MessagePayload & { nonce: string; enforce_nonce: true }, files: ChartFile[] = []): Promise<string> => {
    // Files go as multipart: `files[n]` parts beside `payload_json`, each named by its `attachments` id.
    const raw: RawFile[] = files.map((f) => ({ key: `files[${f.id}]`, name: f.filename, data: renderChart(f), contentType: 'image/png' }));
    const message = (await rest.post(Routes.channelMessages(channelId), raw.length > 0 ? { body, files: raw } : { body })) as { id: string };
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
      const { nonce, enforce_nonce: _enforce, placement: _placement, files = [], ...message } = payload;
      const [first, ...dropped] = sendable(channelId, message, { nonce });
      if (dropped.length > 0) logger.error({ channelId, nonce, dropped: dropped.length }, 'bug: a digest part needed more than one message; only the first is sent');
      // A repair may have dropped the attachments list: upload only files it still names.
      const named = new Set((first!.attachments ?? []).map((a) => a.id));
      return { id: await post(channelId, { ...first!, nonce, enforce_nonce: true }, files.filter((f) => named.has(f.id))) };
    },

    /**
     * Starts the public thread a digest's full list goes into, from the digest's message. Discord
     * gives the thread the message's id; a thread already started from it (400, 160004) is that one.
     */
    async startThread(channelId: string, messageId: string, options: ThreadOptions): Promise<{ id: string }> {
      try {
        const thread = (await rest.post(Routes.threads(channelId, messageId), { body: options })) as { id: string };
        return { id: thread.id };
      } catch (err) {
        if (err instanceof DiscordAPIError && err.code === THREAD_ALREADY_CREATED) {
          logger.info({ channelId, messageId }, 'the digest thread exists already; posting into it');
          return { id: messageId };
        }
        throw err;
      }
    },

    /**
     * Whether the full list may go into a thread (Create Public Threads and Send Messages in Threads)
     * and the chart may be attached (Attach Files), from discord.js's cache like `checkPermissions`.
     */
    capabilities(guildId: string, channelId: string): ChannelCapabilities {
      const guild = client.guilds.cache.get(guildId);
      const channel = guild?.channels.cache.get(channelId);
      const me = guild?.members.me;
      if (!guild?.available || !channel || !isPostable(channel) || !me) return { threads: false, attachFiles: false };
      const perms = channel.permissionsFor(me);
      return { threads: perms.has(THREAD_PERMISSIONS), attachFiles: perms.has(PermissionFlagsBits.AttachFiles) };
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
      // A server of a shard another process holds is not in this cache: the send itself will tell (403/404).
      if (!guild) return holdsShardOf(client, guildId) ? { ok: false, missing: ALL_MISSING } : { ok: true };
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
      if (!guild && !holdsShardOf(client, guildId)) {
        logger.warn({ guildId }, 'cannot tell the admins about the paused digest from this process: another process holds that server\'s shard');
        return null;
      }
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
