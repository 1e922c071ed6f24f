import { afterEach, describe, expect, it } from 'vitest';
import { checkDigestChannel, INVITE_PERMISSIONS, inviteUrl } from '../../src/discord/client.ts';
import { PERMISSION } from '../../src/discord-sandbox/permissions.ts';
import { startSandboxWithClient } from '../support/discord-harness.ts';
import { waitFor } from '../support/wait-for.ts';

let h: Awaited<ReturnType<typeof startSandboxWithClient>> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the digest channel check of /digest set', () => {
  it('GIVEN the bot cannot read the channel history THEN the check names Read Message History', async () => {
    h = await startSandboxWithClient();
    const digest = h.sandbox.channel('digest');
    expect(checkDigestChannel(h.client, digest.guildId, digest.id)).toEqual({ ok: true });
    h.sandbox.setChannelOverwrites(digest.id, [{ id: digest.guildId, type: 0, deny: PERMISSION.ReadMessageHistory }]);
    const check = await waitFor(() => {
      const c = checkDigestChannel(h!.client, digest.guildId, digest.id);
      return c.ok ? null : c;
    });
    expect(check.reason).toBe(`I am missing Read Message History in <#${digest.id}>. Grant them in the channel's settings (Permissions), then run this again.`);
  });

  it('the invite asks for exactly View Channel, Send Messages, Embed Links and Read Message History', () => {
    expect(INVITE_PERMISSIONS).toBe(PERMISSION.ViewChannel | PERMISSION.SendMessages | PERMISSION.EmbedLinks | PERMISSION.ReadMessageHistory);
    expect(inviteUrl('123')).toBe('https://discord.com/oauth2/authorize?client_id=123&scope=bot+applications.commands&permissions=84992');
  });
});
