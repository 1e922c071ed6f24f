import type { SandboxChannel, SandboxGuild } from './types.ts';

/** Discord permission bits the loopback server checks, as BigInt (Discord sends them as decimal strings). */
export const PERMISSION = {
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  EmbedLinks: 1n << 14n,
  ReadMessageHistory: 1n << 16n,
  ManageGuild: 1n << 5n,
  ManageChannels: 1n << 4n,
  Administrator: 1n << 3n,
  UseApplicationCommands: 1n << 31n,
  AttachFiles: 1n << 15n,
  CreatePublicThreads: 1n << 35n,
  SendMessagesInThreads: 1n << 38n,
} as const;

/**
 * What Discord's own default @everyone adds beyond {@link DEFAULT_EVERYONE}: attaching files and
 * public threads. The sandbox page grants them (`src/sandbox/mode.ts`); tests grant them when they need them.
 */
export const THREAD_AND_FILE_PERMISSIONS = PERMISSION.AttachFiles | PERMISSION.CreatePublicThreads | PERMISSION.SendMessagesInThreads;

/** Every permission bit Discord defines today; what an administrator or the owner has. */
export const ALL_PERMISSIONS = (1n << 53n) - 1n;

/** What `@everyone` may do in a fresh sandbox server: read and write, like a default Discord server. */
export const DEFAULT_EVERYONE =
  PERMISSION.ViewChannel | PERMISSION.SendMessages | PERMISSION.EmbedLinks | PERMISSION.ReadMessageHistory | PERMISSION.UseApplicationCommands;

/** A channel permission overwrite, as in Discord's API. */
export interface Overwrite {
  id: string;
  /** 0 role, 1 member. */
  type: 0 | 1;
  allow: string;
  deny: string;
}

/**
 * A member's permissions in a channel, computed the way Discord does: base permissions from roles
 * (administrator means everything, and no overwrite applies), then the @everyone overwrite, the
 * member's role overwrites together (deny, then allow), and the member's own overwrite last.
 */
export function channelPermissions(opts: { guildId: string; everyone: bigint; rolePermissions: bigint[]; roleIds: string[]; memberId: string; overwrites: Overwrite[]; isOwner?: boolean }): bigint {
  if (opts.isOwner) return ALL_PERMISSIONS;
  let perms = opts.everyone;
  for (const p of opts.rolePermissions) perms |= p;
  if (perms & PERMISSION.Administrator) return ALL_PERMISSIONS;
  const apply = (o: Overwrite | undefined) => {
    if (!o) return;
    perms &= ~BigInt(o.deny);
    perms |= BigInt(o.allow);
  };
  apply(opts.overwrites.find((o) => o.type === 0 && o.id === opts.guildId));
  let allow = 0n;
  let deny = 0n;
  for (const o of opts.overwrites) {
    if (o.type === 0 && o.id !== opts.guildId && opts.roleIds.includes(o.id)) {
      allow |= BigInt(o.allow);
      deny |= BigInt(o.deny);
    }
  }
  perms = (perms & ~deny) | allow;
  apply(opts.overwrites.find((o) => o.type === 1 && o.id === opts.memberId));
  return perms;
}

/** The role ids a user holds in a guild (besides @everyone). */
export const rolesOf = (guild: SandboxGuild, userId: string): string[] => guild.memberRoles.get(userId) ?? [];

/**
 * A member's guild-wide permissions: @everyone, their roles, and `extra` (permissions a test grants
 * as if through one more role); the owner and administrators have all of them.
 */
export function guildPermissions(guild: SandboxGuild, userId: string, extra = 0n): bigint {
  if (userId === guild.ownerId) return ALL_PERMISSIONS;
  const ids = rolesOf(guild, userId);
  let perms = guild.everyonePermissions | extra;
  for (const r of guild.roles) if (ids.includes(r.id)) perms |= r.permissions;
  return perms & PERMISSION.Administrator ? ALL_PERMISSIONS : perms;
}

/** A member's permissions in one channel of their guild, overwrites applied. */
export function memberChannelPermissions(guild: SandboxGuild, channel: SandboxChannel, userId: string, extra = 0n): bigint {
  const roleIds = rolesOf(guild, userId);
  return channelPermissions({
    guildId: guild.id,
    everyone: guild.everyonePermissions | extra,
    rolePermissions: guild.roles.filter((r) => roleIds.includes(r.id)).map((r) => r.permissions),
    roleIds,
    memberId: userId,
    overwrites: channel.overwrites,
    isOwner: userId === guild.ownerId,
  });
}

/** A guild's override of who may use one command (Discord's application command permissions). */
export interface CommandPermission {
  /** A role id (the guild id is @everyone), or a user id. */
  id: string;
  /** 1 role, 2 user (Discord's numbering). */
  type: 1 | 2;
  permission: boolean;
}

/**
 * Whether Discord would show a command to a member, so that they can invoke it: a guild override for
 * the user decides first, then overrides for their roles (any allow wins), then the @everyone one;
 * without any, `default_member_permissions` must be held in full (null: everyone; "0": administrators).
 * The member also needs Use Application Commands in the channel.
 */
export function canUseCommand(input: {
  guild: SandboxGuild;
  channel: SandboxChannel;
  userId: string;
  extra?: bigint;
  defaultMemberPermissions: unknown;
  overrides: CommandPermission[];
}): boolean {
  const { guild, userId, overrides } = input;
  const channelPerms = memberChannelPermissions(guild, input.channel, userId, input.extra);
  if (!(channelPerms & PERMISSION.UseApplicationCommands)) return false;
  const base = guildPermissions(guild, userId, input.extra);
  if (base & PERMISSION.Administrator) return true;
  const forUser = overrides.find((o) => o.type === 2 && o.id === userId);
  if (forUser) return forUser.permission;
  const roleIds = rolesOf(guild, userId);
  const forRoles = overrides.filter((o) => o.type === 1 && roleIds.includes(o.id));
  if (forRoles.length > 0) return forRoles.some((o) => o.permission);
  const forEveryone = overrides.find((o) => o.type === 1 && o.id === guild.id);
  if (forEveryone) return forEveryone.permission;
  const required = input.defaultMemberPermissions;
  if (required === null || required === undefined) return true;
  const bits = BigInt(String(required));
  // "0" means administrators only, and they returned above.
  return bits !== 0n && (base & bits) === bits;
}
