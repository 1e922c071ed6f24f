import { Client, DiscordAPIError, GatewayIntentBits, PermissionFlagsBits, Routes, type Channel, type ChatInputCommandInteraction, type Interaction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { startSandboxWithClient } from '../support/discord-harness.ts';
import { nextEvent, waitFor } from '../support/wait-for.ts';

type Harness = Awaited<ReturnType<typeof startSandboxWithClient>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Answers the next interaction with `handler`, capturing what the client saw or threw. */
function onNext<T>(client: Client, handler: (i: Interaction) => Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => client.once('interactionCreate', (i) => handler(i).then(resolve, reject)));
}

const commandJson = { name: 'news', description: 'Read news', options: [{ type: 1, name: 'search', description: 'Search', options: [{ type: 3, name: 'query', description: 'Words', required: true, autocomplete: true }] }] };

describe('loopback Discord with the real discord.js client', () => {
  it('GIVEN the right token THEN login works and the guild and channels are cached', async () => {
    h = await startSandboxWithClient();
    const guild = h.client.guilds.cache.first()!;
    expect(guild.name).toBe('Sandbox');
    expect(guild.channels.cache.map((c) => c.name).sort()).toEqual(['digest', 'news']);
    expect(h.client.application?.id).toBe(h.sandbox.application.id);
  });

  it('GIVEN a wrong token THEN login fails with TokenInvalid', async () => {
    const sandbox = await startDiscordSandbox();
    const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: sandbox.apiUrl } });
    try {
      await expect(client.login('wrong-token-000000000000')).rejects.toMatchObject({ code: 'TokenInvalid' });
    } finally {
      await client.destroy();
      await sandbox.close();
    }
  });

  it('registers commands with a bulk PUT, guild-scoped and global, echoing ids', async () => {
    h = await startSandboxWithClient();
    const guildId = h.sandbox.guilds[0]!.id;
    const saved = (await h.client.rest.put(Routes.applicationGuildCommands(h.sandbox.application.id, guildId), { body: [commandJson] })) as Array<{ id: string; name: string }>;
    expect(saved).toEqual([expect.objectContaining({ name: 'news', id: expect.stringMatching(/^\d+$/) })]);
    expect(h.sandbox.commands(guildId)).toHaveLength(1);
    await h.client.rest.put(Routes.applicationCommands(h.sandbox.application.id), { body: [commandJson] });
    expect(h.sandbox.commands()).toHaveLength(1);
    await expect(h.client.rest.put(Routes.applicationCommands(h.sandbox.application.id), { body: [{ ...commandJson, name: 'Bad Name' }] })).rejects.toMatchObject({ code: 50035 });
  });

  it('delivers a slash command with its options, and records the exact reply', async () => {
    h = await startSandboxWithClient();
    const seen = onNext(h.client, async (i) => {
      const c = i as ChatInputCommandInteraction;
      await c.reply({ content: `searching ${c.options.getString('query')}`, allowedMentions: { parse: [] } });
      return [c.commandName, c.options.getSubcommand()];
    });
    const handle = h.sandbox.runCommand({ name: 'news', subcommand: 'search', options: { query: 'musk' } });
    expect(await seen).toEqual(['news', 'search']);
    const reply = await handle.reply();
    expect(reply.content).toBe('searching musk');
    expect(reply.body.allowed_mentions).toEqual({ parse: [] });
  });

  it('supports deferReply + editReply, followUp, and ephemeral flags', async () => {
    h = await startSandboxWithClient();
    const done = onNext(h.client, async (i) => {
      const c = i as ChatInputCommandInteraction;
      await c.deferReply({ flags: 64 });
      await c.editReply({ content: 'done' });
      await c.followUp({ content: 'more', flags: 64 });
    });
    const handle = h.sandbox.runCommand({ name: 'news', subcommand: 'search', options: { query: 'x' } });
    await done;
    expect(handle.ephemeral).toBe(true);
    expect(handle.original?.content).toBe('done');
    expect(handle.followUps.map((f) => [f.content, f.interaction?.ephemeral])).toEqual([['more', true]]);
  });

  it('GIVEN a second response THEN the client gets 40060 already acknowledged', async () => {
    h = await startSandboxWithClient();
    const err = onNext(h.client, async (i) => {
      const c = i as ChatInputCommandInteraction;
      await c.reply({ content: 'one' });
      // Bypass discord.js's own "already replied" guard to hit the API as a buggy bot would.
      return h!.client.rest.post(Routes.interactionCallback(c.id, c.token), { body: { type: 4, data: { content: 'two' } }, auth: false }).catch((e: unknown) => e);
    });
    h.sandbox.runCommand({ name: 'news', subcommand: 'search', options: { query: 'x' } });
    expect(await err).toMatchObject({ code: 40060, status: 400 });
  });

  it('GIVEN the answer comes after the deadline THEN 10062 unknown interaction', async () => {
    h = await startSandboxWithClient({ interactionDeadlineMs: 100 });
    const err = onNext(h.client, async (i) => {
      // Answer only once the sandbox's own clock puts the interaction past its deadline.
      await waitFor(() => Date.now() - handle.createdAt > 100, { what: 'the interaction deadline to pass' });
      return (i as ChatInputCommandInteraction).reply({ content: 'late' }).catch((e: unknown) => e);
    });
    const handle = h.sandbox.runCommand({ name: 'news', subcommand: 'search', options: { query: 'x' } });
    const e = await err;
    expect(e).toBeInstanceOf(DiscordAPIError);
    expect(e).toMatchObject({ code: 10062 });
  });

  it('GIVEN an embed over Discord limits THEN 50035, the rejection is reported, and nothing is stored', async () => {
    h = await startSandboxWithClient();
    const channel = h.sandbox.channel('news');
    const rejected: number[] = [];
    h.sandbox.events.on('rejected', (e) => rejected.push(e.code));
    const fields = Array.from({ length: 26 }, (_, i) => ({ name: `f${i}`, value: 'v' }));
    await expect(h.client.rest.post(Routes.channelMessages(channel.id), { body: { embeds: [{ fields }] } })).rejects.toMatchObject({ code: 50035, status: 400 });
    const big = Array.from({ length: 7 }, () => ({ name: 'n', value: 'x'.repeat(1000) }));
    await expect(h.client.rest.post(Routes.channelMessages(channel.id), { body: { embeds: [{ fields: big }] } })).rejects.toMatchObject({ code: 50035 });
    await expect(h.client.rest.post(Routes.channelMessages(channel.id), { body: { content: 'x'.repeat(2001) } })).rejects.toMatchObject({ code: 50035 });
    expect(h.sandbox.messages(channel.id)).toEqual([]);
    expect(rejected).toEqual([50035, 50035, 50035]);
  });

  it('GIVEN 26 autocomplete choices THEN 50035; 25 are accepted', async () => {
    h = await startSandboxWithClient();
    const err = onNext(h.client, async (i) => {
      if (!i.isAutocomplete()) throw new Error('expected autocomplete');
      return i.respond(Array.from({ length: 26 }, (_, n) => ({ name: `c${n}`, value: `c${n}` }))).catch((e: unknown) => e);
    });
    h.sandbox.autocomplete({ name: 'news', subcommand: 'search', focused: 'query', options: { query: 'mu' } });
    expect(await err).toMatchObject({ code: 50035 });
    const ok = onNext(h.client, async (i) => (i.isAutocomplete() ? i.respond([{ name: 'Musk', value: 'm' }]) : undefined));
    const handle = h.sandbox.autocomplete({ name: 'news', subcommand: 'search', focused: 'query', options: { query: 'mu' } });
    await ok;
    expect(await handle.waitFor((x) => x.choices)).toEqual([{ name: 'Musk', value: 'm' }]);
  });

  it('GIVEN a button click THEN interaction.update changes the stored message', async () => {
    h = await startSandboxWithClient();
    const channel = h.sandbox.channel('news');
    const sent = (await h.client.rest.post(Routes.channelMessages(channel.id), {
      body: { content: 'page 1', components: [{ type: 1, components: [{ type: 2, style: 2, label: 'Next', custom_id: 'next' }] }] },
    })) as { id: string };
    const clicked = onNext(h.client, async (i) => {
      if (!i.isButton()) throw new Error('expected a button');
      await i.update({ content: 'page 2' });
      return i.customId;
    });
    h.sandbox.clickComponent({ channelId: channel.id, messageId: sent.id, customId: 'next' });
    expect(await clicked).toBe('next');
    expect(h.sandbox.messages(channel.id)[0]!.content).toBe('page 2');
  });

  it('GIVEN nonce with enforce_nonce THEN a repeated post returns the first message, once', async () => {
    h = await startSandboxWithClient();
    const channel = h.sandbox.channel('digest');
    const body = { content: 'digest', nonce: 'dg1m0', enforce_nonce: true, allowed_mentions: { parse: [] } };
    const a = (await h.client.rest.post(Routes.channelMessages(channel.id), { body })) as { id: string };
    const b = (await h.client.rest.post(Routes.channelMessages(channel.id), { body })) as { id: string };
    expect(b.id).toBe(a.id);
    expect(h.sandbox.messages(channel.id)).toHaveLength(1);
    expect(h.sandbox.messages(channel.id)[0]!.body).toEqual(body);
  });

  it('GIVEN a 429 with retry_after THEN discord.js waits and the post succeeds once', async () => {
    h = await startSandboxWithClient();
    const channel = h.sandbox.channel('news');
    h.sandbox.failNext({ method: 'POST', path: /\/messages$/, status: 429, retryAfter: 0.2 });
    const started = Date.now();
    await h.client.rest.post(Routes.channelMessages(channel.id), { body: { content: 'after the wait' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(h.sandbox.messages(channel.id).map((m) => m.content)).toEqual(['after the wait']);
    expect(h.sandbox.requests.filter((r) => r.path.endsWith('/messages')).map((r) => r.status)).toEqual([429, 200]);
  });

  it('GIVEN a 500 THEN it surfaces as an HTTP error (with retries disabled)', async () => {
    h = await startSandboxWithClient({ restRetries: 0 });
    const channel = h.sandbox.channel('news');
    h.sandbox.failNext({ method: 'POST', path: /\/messages$/, status: 500 });
    await expect(h.client.rest.post(Routes.channelMessages(channel.id), { body: { content: 'x' } })).rejects.toMatchObject({ status: 500 });
    expect(h.sandbox.messages(channel.id)).toEqual([]);
  });

  it('GIVEN a channel that denies SendMessages THEN 403 50013, and discord.js sees the permissions', async () => {
    h = await startSandboxWithClient();
    const channel = h.sandbox.channel('digest');
    const guild = h.client.guilds.cache.first()!;
    const updated = nextEvent<[unknown, Channel]>(h.client, 'channelUpdate', (_old, c) => c.id === channel.id);
    h.sandbox.setChannelOverwrites(channel.id, [{ id: guild.id, type: 0, deny: PermissionFlagsBits.SendMessages }]);
    await expect(h.client.rest.post(Routes.channelMessages(channel.id), { body: { content: 'x' } })).rejects.toMatchObject({ status: 403, code: 50013 });
    // The CHANNEL_UPDATE reached the client's cache too.
    await updated;
    const cached = guild.channels.cache.get(channel.id)!;
    expect(cached.permissionsFor(guild.members.me!)!.has(PermissionFlagsBits.SendMessages)).toBe(false);
    h.sandbox.setChannelOverwrites(channel.id, [{ id: guild.id, type: 0, deny: PermissionFlagsBits.ViewChannel }]);
    await expect(h.client.rest.post(Routes.channelMessages(channel.id), { body: { content: 'x' } })).rejects.toMatchObject({ status: 403, code: 50001 });
  });
});
