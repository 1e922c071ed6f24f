const DISCORD_EPOCH = 1420070400000n;

/** Creates Discord-style snowflakes (numeric strings discord.js can parse with BigInt), strictly increasing. */
export function snowflakeFactory(now: () => number = () => Date.now()) {
  let last = 0n;
  return (): string => {
    let id = (BigInt(now()) - DISCORD_EPOCH) << 22n;
    if (id <= last) id = last + 1n;
    last = id;
    return id.toString();
  };
}

/** 2020-01-01T00:00:00Z: sandbox servers are dated from here on, long before any other sandbox id. */
const GUILD_IDS_FROM = 1577836800000n;

/**
 * Ids for new servers, one millisecond of creation time apart. Snowflakes made in one burst share
 * their timestamp and differ only in the low bits, so `(id >> 22) % n` would put a thousand servers
 * added in a loop on one shard; real servers are created at different times and spread evenly.
 */
export function guildIdFactory() {
  let next = GUILD_IDS_FROM - DISCORD_EPOCH;
  return (): string => ((next++) << 22n).toString();
}

/** The shard a server's events go to: Discord's `(guild_id >> 22) % num_shards`. */
export function shardOfGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}
