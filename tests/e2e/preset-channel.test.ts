import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startBotHarness, type BotHarness } from '../support/bot-harness.ts';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a digest channel preset in DIGEST_CHANNEL_ID', () => {
  it('GIVEN the bot cannot post in the preset channel THEN at start it warns, creates the digest paused with the reason, and tells the server once', async () => {
    h = await startBotHarness();
    await h.stopBot();
    const digestId = h.channel('digest').id;
    h.sandbox.setChannelOverwrites(digestId, [{ id: h.guildId, type: 0, deny: PermissionFlagsBits.SendMessages }]);
    const bot = await h.startAnother({ DIGEST_CHANNEL_ID: digestId });
    const warning = h.logs.lines.find((l) => l.msg === 'the digest channel set in DIGEST_CHANNEL_ID cannot be used; the digest is paused until an admin runs /digest set');
    expect(warning).toMatchObject({ level: 40, channelId: digestId, reason: `I am missing Send Messages in <#${digestId}>. Grant them in the channel's settings (Permissions), then run this again.` });
    expect(await bot.engine.subscription(h.guildId)).toMatchObject({ channelId: digestId, pausedReason: `DIGEST_CHANNEL_ID: I am missing Send Messages in <#${digestId}>` });
    const notices = h.sandbox.messages(h.channel('news').id).filter((m) => !m.interaction);
    expect(notices.map((m) => m.content)).toEqual([
      `⚠️ The daily news digest in <#${digestId}> is paused: DIGEST_CHANNEL_ID: I am missing Send Messages in <#${digestId}>. Fix it, then run /digest set to resume it.`,
    ]);
    expect(h.sandbox.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${digestId}/messages`)).toEqual([]);
  });

  it('GIVEN the bot can post in the preset channel THEN the digest is created unpaused, with no warning', async () => {
    h = await startBotHarness();
    await h.stopBot();
    const digestId = h.channel('digest').id;
    const bot = await h.startAnother({ DIGEST_CHANNEL_ID: digestId });
    expect(await bot.engine.subscription(h.guildId)).toMatchObject({ channelId: digestId, pausedReason: null });
    expect(h.logs.lines.filter((l) => String(l.msg).includes('DIGEST_CHANNEL_ID'))).toEqual([]);
  });
});
