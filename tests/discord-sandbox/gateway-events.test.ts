import { once } from 'node:events';
import { Client, GatewayIntentBits, Routes, type Channel, type Guild } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscordSandbox, type DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { startSandboxWithClient } from '../support/discord-harness.ts';
import { nextEvent } from '../support/wait-for.ts';
import { text } from './sandbox-http.ts';

let sandbox: DiscordSandbox | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.destroy();
  await sandbox?.close();
  sandbox = undefined;
  client = undefined;
});

async function connect(options: Parameters<typeof startSandboxWithClient>[0] = {}) {
  const h = await startSandboxWithClient(options);
  sandbox = h.sandbox;
  client = h.client;
  return h;
}

describe('gateway events the bot relies on', () => {
  it('GIVEN a channel is deleted THEN the client gets channelDelete, and posting there answers 404 10003', async () => {
    const h = await connect();
    const digest = h.sandbox.channel('digest').id;
    const deleted = nextEvent<[Channel]>(h.client, 'channelDelete', (c) => c.id === digest);
    h.sandbox.deleteChannel(digest);
    await deleted;
    expect(h.client.channels.cache.has(digest)).toBe(false);
    await expect(h.client.rest.post(Routes.channelMessages(digest), { body: text('x') })).rejects.toMatchObject({ status: 404, code: 10003 });
  });

  it('GIVEN the bot is removed from a server THEN guildDelete, and its routes answer 403 50001', async () => {
    const h = await connect();
    const guildId = h.sandbox.guilds[0]!.id;
    const news = h.sandbox.channel('news').id;
    const removed = nextEvent<[Guild]>(h.client, 'guildDelete', (g) => g.id === guildId);
    h.sandbox.removeBotFromGuild(guildId);
    await removed;
    expect(h.client.guilds.cache.has(guildId)).toBe(false);
    await expect(h.client.rest.get(Routes.guild(guildId))).rejects.toMatchObject({ status: 403, code: 50001 });
    await expect(h.client.rest.post(Routes.channelMessages(news), { body: text('x') })).rejects.toMatchObject({ status: 403, code: 50001 });
  });

  it('GIVEN a server is added while connected THEN guildCreate with its text channel', async () => {
    const h = await connect();
    const joined = nextEvent<[Guild]>(h.client, 'guildCreate');
    const [added] = h.sandbox.addGuilds(1, { namePrefix: 'Late' });
    const [guild] = await joined;
    expect(guild.id).toBe(added!.id);
    expect(guild.channels.cache.map((c) => c.name)).toEqual(['general']);
  });

  it("GIVEN 10,000 servers THEN shards: 'auto' follows /gateway/bot (11 shards), and READY and one GUILD_CREATE each bring discord.js to ready with all of them", async () => {
    // max_concurrency 16, as Discord gives large bots, so the 11 shards identify at once.
    sandbox = await startDiscordSandbox({ gateway: { maxConcurrency: 16 } });
    const started = Date.now();
    const added = sandbox.addGuilds(10_000);
    expect(added).toHaveLength(10_000);
    expect(new Set(added.map((g) => g.channels[0]!.id)).size).toBe(10_000);
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: sandbox.apiUrl }, shards: 'auto' });
    const ready = once(client, 'clientReady');
    await client.login(sandbox.token);
    await ready;
    expect(client.ws.shards.size).toBe(11);
    expect(new Set(sandbox.gatewaySessions().map((x) => x.shard.join('/')))).toEqual(new Set(Array.from({ length: 11 }, (_, i) => `${i}/11`)));
    expect(client.guilds.cache.size).toBe(10_001);
    expect(client.channels.cache.size).toBe(10_002);
    // Seconds, not the 15 s discord.js would wait for a missing guild.
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);
});
