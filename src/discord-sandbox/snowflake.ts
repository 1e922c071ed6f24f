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
