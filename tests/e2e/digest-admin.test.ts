import { PermissionFlagsBits, type Channel } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandHiddenError } from '../../src/discord-sandbox/server.ts';
import { validateMessage } from '../../src/payload/validate.ts';
import { startBotHarness, type BotHarness } from '../support/bot-harness.ts';
import { nextEvent } from '../support/wait-for.ts';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setDigest(x: BotHarness, options: Record<string, unknown> = {}) {
  return x.sandbox
    .runCommand({ name: 'digest', subcommand: 'set', user: x.sandbox.users.admin, options: { channel: x.channel('digest').id, time: '08:00', timezone: 'Europe/Paris', ...options } })
    .reply();
}

describe('/digest for admins', () => {
  it('GIVEN a member without Manage Server THEN Discord does not offer /digest to them, and the bot has no check of its own to refuse them', async () => {
    h = await startBotHarness();
    const member = h.sandbox.users.member;
    expect(() => h!.sandbox.runCommand({ name: 'digest', subcommand: 'status', user: member })).toThrow(CommandHiddenError);
    expect(h.sandbox.visibleCommands({ user: member }).map((c) => c.name)).toEqual(['news']);
    expect(await h.bot.engine.subscription(h.guildId)).toBeUndefined();
  });

  it('GIVEN a role the server admins allowed in Integrations THEN its members can use every /digest subcommand, though they lack Manage Server', async () => {
    h = await startBotHarness();
    const member = h.sandbox.users.member;
    const editors = h.sandbox.addRole(h.guildId, { name: 'News editors', permissions: 0n });
    h.sandbox.setMemberRoles(h.guildId, member, [editors.id]);
    h.sandbox.setCommandPermissions(h.guildId, 'digest', [{ id: editors.id, type: 1, permission: true }]);
    const set = await h.sandbox.runCommand({ name: 'digest', subcommand: 'set', user: member, options: { channel: h.channel('digest').id, time: '08:00', timezone: 'UTC' } }).reply();
    expect(set.content).toMatch(/^✅ The daily digest will be posted in/);
    const status = await h.sandbox.runCommand({ name: 'digest', subcommand: 'status', user: member }).reply();
    expect((status.embeds[0] as { title: string }).title).toMatch(/^📰 Daily digest/);
    const sent = await h.sandbox.runCommand({ name: 'digest', subcommand: 'send-now', user: member }).reply();
    expect(sent.content).toMatch(/^✅ Posted the digest in/);
    const off = await h.sandbox.runCommand({ name: 'digest', subcommand: 'off', user: member }).reply();
    expect(off.content).toBe('🛑 The daily digest is off. /digest set turns it back on.');
    // And when the admins take the role's access away again, Discord refuses it before the bot sees anything.
    h.sandbox.setCommandPermissions(h.guildId, 'digest', [{ id: editors.id, type: 1, permission: false }]);
    expect(() => h!.sandbox.runCommand({ name: 'digest', subcommand: 'status', user: member })).toThrow(CommandHiddenError);
  });

  it('set → status → send-now → off, with the digest posted in the channel', async () => {
    h = await startBotHarness();
    const set = await setDigest(h);
    expect(set.interaction?.ephemeral).toBe(true);
    expect(set.content).toBe(
      `✅ The daily digest will be posted in <#${h.channel('digest').id}> at **08:00** (Europe/Paris).\nNext: Sun, 22 Nov 2026, 08:00 (Europe/Paris). Use /digest send-now to post one right away.`,
    );
    expect((await h.bot.engine.subscription(h.guildId))?.nextDueAt).toEqual(new Date('2026-11-22T07:00:00Z'));

    const status = await h.sandbox.runCommand({ name: 'digest', subcommand: 'status', user: h.sandbox.users.admin }).reply();
    const fields = Object.fromEntries((status.embeds[0] as { fields: Array<{ name: string; value: string }> }).fields.map((f) => [f.name, f.value]));
    expect(fields).toMatchObject({ Channel: `<#${h.channel('digest').id}>`, Time: '08:00 (Europe/Paris)', 'Next run': 'Sun, 22 Nov 2026, 08:00 (Europe/Paris)', 'Last delivery': 'None yet.', 'Last error': 'None' });

    const sent = h.sandbox.runCommand({ name: 'digest', subcommand: 'send-now', user: h.sandbox.users.admin });
    const confirmation = await sent.reply();
    expect(sent.responses[0]!.type).toBe(5);
    const posted = h.sandbox.messages(h.channel('digest').id);
    expect(confirmation.content).toBe(`✅ Posted the digest in <#${h.channel('digest').id}>: 4 articles in ${posted.length} message${posted.length === 1 ? '' : 's'}.`);
    expect(posted[0]!.content).toMatch(/^📰 \*\*Daily digest — Friday 20 November 2026 – Saturday 21 November 2026\*\* \(Europe\/Paris\)\n\*\*4\*\* articles: 🟢 2 positive · 🔴 1 negative · ⚪ 1 neutral/);
    for (const m of posted) {
      expect(validateMessage(m.body)).toEqual([]);
      expect(m.body.allowed_mentions).toEqual({ parse: [] });
      expect(m.body).toMatchObject({ nonce: expect.stringMatching(/^[0-9a-z]{1,25}$/), enforce_nonce: true });
      expect(m.content).toMatch(/\n-# ref [0-9a-z]{12}$/);
    }
    // The top stories open the digest (tests/e2e/digest-thread.test.ts), then one embed per sentiment.
    const [top, ...embeds] = posted[0]!.embeds as Array<{ title: string; color: number; fields: Array<{ name: string }> }>;
    expect(top!.title).toBe('⭐ Top 4 stories');
    expect(embeds.map((e) => [e.title, e.color])).toEqual([
      ['🟢 Positive · 2', 0x2ecc71],
      ['🔴 Negative · 1', 0xe74c3c],
      ['⚪ Neutral · 1', 0x95a5a6],
    ]);
    // The first digest covers the 24 hours before it: yesterday's 11:00 and 12:00 stories are out.
    expect(embeds[0]!.fields.map((f) => f.name)).toEqual(['Ethereum (1)', 'Payments (1)']);

    const status2 = await h.sandbox.runCommand({ name: 'digest', subcommand: 'status', user: h.sandbox.users.admin }).reply();
    expect(JSON.stringify(status2.embeds)).toContain('**delivered** · manual');

    const off = await h.sandbox.runCommand({ name: 'digest', subcommand: 'off', user: h.sandbox.users.admin }).reply();
    expect(off.content).toBe('🛑 The daily digest is off. /digest set turns it back on.');
    expect((await h.bot.engine.subscription(h.guildId))?.nextDueAt).toBeNull();
    const again = await h.sandbox.runCommand({ name: 'digest', subcommand: 'off', user: h.sandbox.users.admin }).reply();
    expect(again.content).toBe('The digest is already off for this server. /digest set turns it on.');
  });

  it('GIVEN bad values THEN ephemeral explanations that say what to do, and nothing saved', async () => {
    h = await startBotHarness();
    expect((await setDigest(h, { time: '25:99' })).content).toBe('“25:99” is not a time. Use 24-hour HH:MM, for example 08:00 or 18:30.');
    expect((await setDigest(h, { timezone: 'Mars/Olympus' })).content).toBe('“Mars/Olympus” is not a time zone I know. Pick one from the list, for example Europe/Paris or America/New_York.');
    expect((await setDigest(h, { topics: 'AI, Gardening' })).content).toBe('Unknown topic: “Gardening”. Run /news topics to see them, or leave topics empty for all.');
    const status = await h.sandbox.runCommand({ name: 'digest', subcommand: 'status', user: h.sandbox.users.admin }).reply();
    expect(status.content).toMatch(/^No digest is set up for this server yet/);
    const sendNow = await h.sandbox.runCommand({ name: 'digest', subcommand: 'send-now', user: h.sandbox.users.admin }).reply();
    expect(sendNow.content).toMatch(/^No digest is set up for this server/);
    expect(await h.bot.engine.subscription(h.guildId)).toBeUndefined();
  });

  it('GIVEN the bot cannot post embeds in the channel THEN set refuses and names the missing permission', async () => {
    h = await startBotHarness();
    const digestId = h.channel('digest').id;
    // The bot checks permissions against its discord.js cache, so wait until the CHANNEL_UPDATE has reached it.
    const updated = nextEvent<[unknown, Channel]>(h.bot.client, 'channelUpdate', (_old, channel) => channel.id === digestId);
    h.sandbox.setChannelOverwrites(digestId, [{ id: h.guildId, type: 0, deny: PermissionFlagsBits.EmbedLinks }]);
    await updated;
    const r = await setDigest(h);
    expect(r.content).toBe(`I am missing Embed Links in <#${h.channel('digest').id}>. Grant them in the channel's settings (Permissions), then run this again.`);
  });

  it('GIVEN the bot loses a permission in the digest channel THEN the digest pauses without a request, status says why, admins are told once, and set resumes it', async () => {
    h = await startBotHarness();
    await setDigest(h, { timezone: 'UTC' });
    const digestId = h.channel('digest').id;
    const updated = nextEvent<[unknown, Channel]>(h.bot.client, 'channelUpdate', (_old, channel) => channel.id === digestId);
    h.sandbox.setChannelOverwrites(digestId, [{ id: h.guildId, type: 0, deny: PermissionFlagsBits.SendMessages }]);
    await updated;
    h.clock.set('2026-11-22T08:00:00Z');
    expect((await h.tick()).map((o) => o.status)).toEqual(['paused']);
    expect(h.sandbox.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${digestId}/messages`)).toEqual([]);
    // Command replies are stored in #news too; the notice is the bot's only channel post there.
    const notices = h.sandbox.messages(h.channel('news').id).filter((m) => !m.interaction);
    expect(notices.map((m) => m.content)).toEqual([`⚠️ The daily news digest in <#${digestId}> is paused: I am missing Send Messages in <#${digestId}>. Fix it, then run /digest set to resume it.`]);
    expect(notices[0]!.body.allowed_mentions).toEqual({ parse: [] });

    const status = await h.sandbox.runCommand({ name: 'digest', subcommand: 'status', user: h.sandbox.users.admin }).reply();
    const fields = Object.fromEntries((status.embeds[0] as { fields: Array<{ name: string; value: string }> }).fields.map((f) => [f.name, f.value]));
    expect((status.embeds[0] as { title: string }).title).toBe('📰 Daily digest: paused');
    expect(fields['Next run']).toBe(`⏸️ Paused: I am missing Send Messages in <#${digestId}>. Fix it, then run /digest set to resume it.`);
    expect(fields['Last delivery']).toMatch(/^⏸️ \*\*paused\*\* · scheduled/);
    h.clock.set('2026-11-23T08:00:00Z');
    expect(await h.tick()).toEqual([]);
    expect(h.sandbox.messages(h.channel('news').id).filter((m) => !m.interaction)).toHaveLength(1);

    const restored = nextEvent<[unknown, Channel]>(h.bot.client, 'channelUpdate', (_old, channel) => channel.id === digestId);
    h.sandbox.setChannelOverwrites(digestId, []);
    await restored;
    await setDigest(h, { timezone: 'UTC' });
    expect(await h.bot.engine.subscription(h.guildId)).toMatchObject({ pausedReason: null, nextDueAt: new Date('2026-11-24T08:00:00Z') });
    h.clock.set('2026-11-24T08:00:00Z');
    expect((await h.tick()).map((o) => o.status)).toEqual(['delivered']);
    expect(h.sandbox.messages(digestId)).toHaveLength(1);
  });

  it('timezone and topics autocomplete', async () => {
    h = await startBotHarness();
    const tz = await h.sandbox
      .autocomplete({ name: 'digest', subcommand: 'set', focused: 'timezone', user: h.sandbox.users.admin, options: { timezone: 'europe/pa' } })
      .waitFor((x) => x.choices);
    expect(tz).toEqual([{ name: 'Europe/Paris', value: 'Europe/Paris' }]);
    const all = await h.sandbox.autocomplete({ name: 'digest', subcommand: 'set', focused: 'timezone', user: h.sandbox.users.admin, options: { timezone: '' } }).waitFor((x) => x.choices);
    expect(all).toHaveLength(25);
    const topics = await h.sandbox
      .autocomplete({ name: 'digest', subcommand: 'set', focused: 'topics', user: h.sandbox.users.admin, options: { topics: 'AI, bit' } })
      .waitFor((x) => x.choices);
    expect(topics).toEqual([{ name: 'AI, Bitcoin', value: 'AI, Bitcoin' }]);
  });

  it('GIVEN a topics list past 100 characters THEN every autocomplete choice fits and /digest set accepts it as chosen', async () => {
    h = await startBotHarness();
    const typed = `${Array.from({ length: 8 }, () => 'Payments, Legal').join(', ')}, eth`;
    expect(typed.length).toBeGreaterThan(100);
    const choices = await h.sandbox
      .autocomplete({ name: 'digest', subcommand: 'set', focused: 'topics', user: h.sandbox.users.admin, options: { topics: typed } })
      .waitFor((x) => x.choices as Array<{ name: string; value: string }> | null);
    expect(choices.length).toBeGreaterThan(0);
    for (const choice of choices) {
      expect(choice.value.length).toBeLessThanOrEqual(100);
      expect(choice.value).not.toContain('…');
      const r = await setDigest(h, { topics: choice.value });
      expect(r.content).toMatch(/^✅ The daily digest will be posted in .* for Ethereum\./);
    }
  });
});
