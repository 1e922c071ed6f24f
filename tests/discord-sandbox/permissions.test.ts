import { PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_PERMISSIONS, DEFAULT_EVERYONE, channelPermissions } from '../../src/discord-sandbox/permissions.ts';
import { CommandHiddenError, type DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { startSandboxWithClient } from '../support/discord-harness.ts';
import { call, startForHttp } from './sandbox-http.ts';

let sandbox: DiscordSandbox | undefined;
let closeClient: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeClient?.();
  await sandbox?.close();
  sandbox = undefined;
  closeClient = undefined;
});

const P = PermissionFlagsBits;
const adminOnly = { name: 'digest', description: 'Digest settings', default_member_permissions: String(P.ManageGuild), options: [{ type: 1, name: 'status', description: 'Status' }] };
const register = async (s: DiscordSandbox, commands: unknown[]) => {
  const r = await call(s, 'PUT', `/applications/${s.application.id}/guilds/${s.guilds[0]!.id}/commands`, commands);
  expect(r.status).toBe(200);
};
const perms = (value: unknown) => BigInt(String(value));

describe('permission maths, as Discord computes it', () => {
  it('applies @everyone, then role overwrites together, then the member overwrite; administrators and the owner skip overwrites', () => {
    const base = { guildId: 'g', everyone: DEFAULT_EVERYONE, rolePermissions: [], roleIds: ['r'], memberId: 'u' };
    const denyEveryone = { id: 'g', type: 0 as const, allow: '0', deny: String(P.SendMessages) };
    const allowRole = { id: 'r', type: 0 as const, allow: String(P.SendMessages), deny: '0' };
    const denyMember = { id: 'u', type: 1 as const, allow: '0', deny: String(P.SendMessages) };
    expect(channelPermissions({ ...base, overwrites: [denyEveryone] }) & P.SendMessages).toBe(0n);
    expect(channelPermissions({ ...base, overwrites: [denyEveryone, allowRole] }) & P.SendMessages).toBe(P.SendMessages);
    expect(channelPermissions({ ...base, overwrites: [denyEveryone, allowRole, denyMember] }) & P.SendMessages).toBe(0n);
    expect(channelPermissions({ ...base, rolePermissions: [P.Administrator], overwrites: [denyMember] })).toBe(ALL_PERMISSIONS);
    expect(channelPermissions({ ...base, isOwner: true, overwrites: [denyMember] })).toBe(ALL_PERMISSIONS);
  });
});

describe('default_member_permissions: Discord hides a command from members without them', () => {
  it('GIVEN /digest needs Manage Server THEN a plain member cannot invoke it, the admin (through a role) can', async () => {
    sandbox = await startForHttp();
    await register(sandbox, [adminOnly]);
    expect(() => sandbox!.runCommand({ name: 'digest', subcommand: 'status', user: sandbox!.users.member })).toThrow(CommandHiddenError);
    expect(() => sandbox!.autocomplete({ name: 'digest', subcommand: 'status', focused: 'x', user: sandbox!.users.member })).toThrow(CommandHiddenError);
    const handle = sandbox.runCommand({ name: 'digest', subcommand: 'status', user: sandbox.users.admin });
    expect(perms((handle.payload.member as { permissions: string }).permissions) & P.ManageGuild).toBe(P.ManageGuild);
  });

  it('GIVEN the member is given a role with Manage Server, or an admin opens the command to @everyone THEN it is offered', async () => {
    sandbox = await startForHttp();
    await register(sandbox, [adminOnly]);
    const guildId = sandbox.guilds[0]!.id;
    sandbox.setCommandPermissions(guildId, 'digest', [{ id: guildId, type: 1, permission: true }]);
    expect(sandbox.runCommand({ name: 'digest', subcommand: 'status', user: sandbox.users.member }).id).toMatch(/^\d+$/);
    sandbox.setCommandPermissions(guildId, 'digest', [{ id: sandbox.users.member.id, type: 2, permission: false }, { id: guildId, type: 1, permission: true }]);
    expect(() => sandbox!.runCommand({ name: 'digest', subcommand: 'status', user: sandbox!.users.member })).toThrow(CommandHiddenError);
    sandbox.setCommandPermissions(guildId, 'digest', []);
    const mods = sandbox.addRole(guildId, { name: 'Mods', permissions: P.ManageGuild });
    sandbox.setMemberRoles(guildId, sandbox.users.member, [mods.id]);
    const handle = sandbox.runCommand({ name: 'digest', subcommand: 'status', user: sandbox.users.member });
    expect((handle.payload.member as { roles: string[] }).roles).toEqual([mods.id]);
  });

  it('GIVEN "0" THEN only administrators; GIVEN no Use Application Commands in the channel THEN nobody but them', async () => {
    sandbox = await startForHttp();
    await register(sandbox, [{ ...adminOnly, default_member_permissions: '0' }, { name: 'news', description: 'News' }]);
    const guildId = sandbox.guilds[0]!.id;
    expect(() => sandbox!.runCommand({ name: 'digest', user: sandbox!.users.admin })).toThrow(CommandHiddenError);
    expect(sandbox.runCommand({ name: 'digest', user: sandbox.users.admin, permissions: P.Administrator }).id).toMatch(/^\d+$/);
    sandbox.setChannelOverwrites(sandbox.channel('news').id, [{ id: guildId, type: 0, deny: P.UseApplicationCommands }]);
    expect(() => sandbox!.runCommand({ name: 'news', user: sandbox!.users.member })).toThrow(CommandHiddenError);
    expect(sandbox.runCommand({ name: 'news', user: sandbox.users.member, channelId: sandbox.channel('digest').id }).id).toMatch(/^\d+$/);
  });
});

describe('INTERACTION_CREATE carries the permissions Discord computes', () => {
  it('member.permissions and channel.permissions include overwrites; app_permissions are the bot\'s in that channel', async () => {
    sandbox = await startForHttp();
    const guildId = sandbox.guilds[0]!.id;
    const adminRole = sandbox.guilds[0]!.roles[0]!.id;
    const news = sandbox.channel('news').id;
    sandbox.setChannelOverwrites(news, [
      { id: guildId, type: 0, deny: P.EmbedLinks },
      { id: adminRole, type: 0, deny: P.SendMessages },
    ]);
    const handle = sandbox.runCommand({ name: 'news', user: sandbox.users.admin, channelId: news, options: { channel: sandbox.channel('digest').id } });
    const p = handle.payload as { member: { permissions: string; roles: string[] }; channel: { permissions: string }; app_permissions: string };
    expect(p.member.roles).toEqual([adminRole]);
    expect(perms(p.member.permissions) & P.SendMessages).toBe(0n);
    expect(perms(p.member.permissions) & P.ManageGuild).toBe(P.ManageGuild);
    expect(p.channel.permissions).toBe(p.member.permissions);
    expect(perms(p.app_permissions) & P.EmbedLinks).toBe(0n);
    expect(perms(p.app_permissions) & P.SendMessages).toBe(P.SendMessages);
  });

  it('discord.js reads them: memberPermissions, appPermissions, and a resolved channel option with the member\'s permissions there', async () => {
    const h = await startSandboxWithClient();
    sandbox = h.sandbox;
    closeClient = () => h.client.destroy();
    const guildId = h.sandbox.guilds[0]!.id;
    const digest = h.sandbox.channel('digest').id;
    h.sandbox.setChannelOverwrites(digest, [{ id: guildId, type: 0, deny: P.SendMessages }]);
    const seen = new Promise<ChatInputCommandInteraction>((resolve) => h.client.once('interactionCreate', (i) => resolve(i as ChatInputCommandInteraction)));
    await h.client.rest.put(`/applications/${h.sandbox.application.id}/guilds/${guildId}/commands`, { body: [{ name: 'pick', description: 'Pick a channel', options: [{ type: 7, name: 'channel', description: 'Where' }] }] });
    h.sandbox.runCommand({ name: 'pick', options: { channel: digest }, user: h.sandbox.users.member });
    const i = await seen;
    expect(i.memberPermissions?.has(P.SendMessages)).toBe(true);
    expect(i.memberPermissions?.has(P.ManageGuild)).toBe(false);
    expect(i.appPermissions.has(P.EmbedLinks)).toBe(true);
    const picked = i.options.get('channel')?.channel as { permissions?: { has(p: bigint): boolean } } | undefined;
    expect(picked?.permissions?.has(P.SendMessages)).toBe(false);
    expect(picked?.permissions?.has(P.ViewChannel)).toBe(true);
  });
});
