import { Client, GatewayIntentBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createChannelSender, createDigestRest, holdsShardOf } from '../../src/discord/digest-sender.ts';
import { createLogger } from '../../src/logger.ts';
import { captureLogs } from '../support/bot-harness.ts';

/** A server id whose shard, of `count`, is `shard`: `(id >> 22) % count`. */
const guildOnShard = (shard: number, count: number) => ((1_000_000_000n * BigInt(count) + BigInt(shard)) << 22n).toString();

let client: Client | undefined;
afterEach(async () => {
  await client?.destroy();
  client = undefined;
});

describe('digests are a work queue across processes: a server whose shard another process holds', () => {
  it('GIVEN a process holding shard 0 of 2 THEN a server of shard 1, absent from its cache, is not judged (the send will tell); a server of its own shard absent from its cache lacks everything', () => {
    // Not logged in: a cluster's client as configured, with an empty cache.
    client = new Client({ intents: [GatewayIntentBits.Guilds], shards: [0], shardCount: 2 });
    const logs = captureLogs();
    const sender = createChannelSender({ rest: createDigestRest({ token: 'x'.repeat(30) }), client, logger: createLogger({ level: 'debug', destination: logs.destination }) });
    const foreign = guildOnShard(1, 2);
    const own = guildOnShard(0, 2);
    expect(holdsShardOf(client, foreign)).toBe(false);
    expect(holdsShardOf(client, own)).toBe(true);
    expect(sender.checkPermissions(foreign, '1')).toEqual({ ok: true });
    expect(sender.checkPermissions(own, '1')).toEqual({ ok: false, missing: ['View Channel', 'Send Messages', 'Embed Links', 'Read Message History'] });
  });

  it('GIVEN one process holding every shard (npm start) THEN every server is its own', () => {
    client = new Client({ intents: [GatewayIntentBits.Guilds], shards: [0, 1, 2], shardCount: 3 });
    for (let s = 0; s < 3; s++) expect(holdsShardOf(client, guildOnShard(s, 3))).toBe(true);
  });
});
