import { Client, GatewayIntentBits, PermissionFlagsBits, Routes, type REST } from 'discord.js';
import type { Command } from './command.ts';
import type { MessagePayload } from '../payload/types.ts';

/**
 * Creates the discord.js client. Only the Guilds intent is needed (slash commands and channel
 * metadata); no privileged intents. Mentions are disabled client-wide as well as per message, so
 * even a payload built elsewhere cannot ping @everyone. Without `shards`, the process holds every
 * shard Discord recommends (`/gateway/bot`), so one process keeps working past 2,500 servers, where
 * Discord closes an unsharded session (4011).
 */
export function createDiscordClient(options: { apiUrl?: string; proxyUrl?: string; restRetries?: number; shards?: { ids: number[]; count: number } } = {}): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    // A cluster process holds only its own shards (of `count`); Discord then sends it only their servers.
    ...(options.shards ? { shards: options.shards.ids, shardCount: options.shards.count } : { shards: 'auto' as const }),
    allowedMentions: { parse: [] },
    rest: {
      ...restBase(options),
      ...(options.restRetries !== undefined ? { retries: options.restRetries } : {}),
    },
  });
}

/**
 * Behind `npm run rest-proxy` no process counts the global limit itself: the proxy holds it for every
 * process of the bot, and a per-process count would only slow one process without bounding the sum.
 */
export const PROXIED_GLOBAL_REQUESTS_PER_SECOND = 1_000_000;

/** The REST API base of the proxy at `proxyUrl` (`http://host:port`, with or without `/api`), as @discordjs/rest wants it. */
export function proxyApiBase(proxyUrl: string): string {
  const base = proxyUrl.replace(/\/+$/, '');
  return /\/api$/.test(base) ? base : `${base}/api`;
}

/**
 * The REST options shared by every client of the bot: through the REST proxy when `proxyUrl` is set
 * (the proxy then talks to Discord, or to `DISCORD_API_URL`, and holds the global limit), else to
 * `apiUrl` (default Discord's).
 */
export function restBase(options: { apiUrl?: string; proxyUrl?: string }): { api?: string; globalRequestsPerSecond?: number } {
  if (options.proxyUrl) return { api: proxyApiBase(options.proxyUrl), globalRequestsPerSecond: PROXIED_GLOBAL_REQUESTS_PER_SECOND };
  return options.apiUrl ? { api: options.apiUrl } : {};
}

/**
 * Registers every command with one bulk overwrite (PUT): in one server when `guildId` is set (instant,
 * for development), otherwise globally. Returns how many commands Discord now has.
 */
export async function registerCommands(rest: REST, applicationId: string, commands: readonly Command[], guildId?: string): Promise<number> {
  const body = commands.map((c) => c.data.toJSON());
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const result = (await rest.put(route, { body })) as unknown[];
  return result.length;
}

/** A message that may be posted more than once and must appear once: Discord drops a repeated nonce. */
export type NoncePayload = MessagePayload & { nonce: string; enforce_nonce: true };

/** The permissions a digest channel needs, with the names admins see in Discord's settings. */
export const DIGEST_CHANNEL_PERMISSIONS = [
  { flag: PermissionFlagsBits.ViewChannel, name: 'View Channel' },
  { flag: PermissionFlagsBits.SendMessages, name: 'Send Messages' },
  { flag: PermissionFlagsBits.EmbedLinks, name: 'Embed Links' },
  // To find its own post in the channel when it cannot know whether a post went through.
  { flag: PermissionFlagsBits.ReadMessageHistory, name: 'Read Message History' },
] as const;

/** The permission integer of the invite link: exactly what a digest channel needs (84992). */
export const INVITE_PERMISSIONS: bigint = DIGEST_CHANNEL_PERMISSIONS.reduce((sum, p) => sum | p.flag, 0n);

/** The link that adds the bot to a server with the permissions it needs and its slash commands. */
export function inviteUrl(applicationId: string): string {
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=bot+applications.commands&permissions=${INVITE_PERMISSIONS}`;
}

/**
 * Checks that the bot can post embeds in a channel, from the cached roles and overwrites. Returns the
 * names of the missing permissions, or a reason when the channel is not a text channel of that server.
 */
export function checkDigestChannel(client: Client, guildId: string, channelId: string): { ok: true } | { ok: false; reason: string } {
  const guild = client.guilds.cache.get(guildId);
  const channel = guild?.channels.cache.get(channelId);
  if (!guild || !channel) return { ok: false, reason: 'I cannot see that channel. Check that it belongs to this server and that I can view it.' };
  if (!channel.isTextBased() || channel.isThread() || channel.isVoiceBased()) {
    return { ok: false, reason: `${channel.toString()} is not a text channel. Pick a text or announcement channel.` };
  }
  const me = guild.members.me;
  const perms = me ? channel.permissionsFor(me) : null;
  const missing = DIGEST_CHANNEL_PERMISSIONS.filter((p) => !perms?.has(p.flag)).map((p) => p.name);
  if (missing.length > 0) {
    return { ok: false, reason: `I am missing ${missing.join(', ')} in ${channel.toString()}. Grant them in the channel's settings (Permissions), then run this again.` };
  }
  return { ok: true };
}
