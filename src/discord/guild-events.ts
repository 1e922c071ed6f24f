import { Events, type Client, type Guild, type NonThreadGuildBasedChannel, type DMChannel } from 'discord.js';

/** What pauses digests; the delivery engine implements it (no request is sent to Discord). */
export interface DigestPauser {
  pauseGuild(guildId: string, reason: string): unknown;
  pauseChannel(guildId: string, channelId: string, reason: string): unknown;
}

/** The pause reason (`/digest status` shows it) when the bot was removed from the server; seen again if it is invited back. */
export const REMOVED_FROM_SERVER = 'the bot was removed from this server';
/** The pause reason when the digest channel was deleted. */
export const CHANNEL_DELETED = 'the digest channel was deleted';

/**
 * Pauses digests as soon as Discord says they cannot be posted any more: the bot removed from a
 * server (GUILD_DELETE), or a channel deleted (CHANNEL_DELETE). Returns a function that stops listening.
 */
export function pauseOnRemoval(client: Client, pauser: DigestPauser, logger: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void }): () => void {
  const run = (what: object, task: () => unknown) => {
    Promise.resolve()
      .then(task)
      .catch((err: unknown) => logger.error({ err, ...what }, 'could not pause the digest'));
  };
  const onGuildDelete = (guild: Guild) => {
    // discord.js 14 emits guildDelete only for a removal (an outage is guildUnavailable), but a guild
    // still in the cache means the bot is still a member: never pause for an outage.
    if (client.guilds.cache.has(guild.id)) return;
    logger.info({ guildId: guild.id }, 'removed from a server; pausing its digest');
    run({ guildId: guild.id }, () => pauser.pauseGuild(guild.id, REMOVED_FROM_SERVER));
  };
  const onChannelDelete = (channel: DMChannel | NonThreadGuildBasedChannel) => {
    if (!('guildId' in channel) || !channel.guildId) return;
    const guildId = channel.guildId;
    logger.info({ guildId, channelId: channel.id }, 'a channel was deleted; pausing digests posted there');
    run({ guildId, channelId: channel.id }, () => pauser.pauseChannel(guildId, channel.id, CHANNEL_DELETED));
  };
  client.on(Events.GuildDelete, onGuildDelete);
  client.on(Events.ChannelDelete, onChannelDelete);
  return () => {
    client.off(Events.GuildDelete, onGuildDelete);
    client.off(Events.ChannelDelete, onChannelDelete);
  };
}
