/** Discord permission bits the loopback server checks, as BigInt (Discord sends them as decimal strings). */
export const PERMISSION = {
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  EmbedLinks: 1n << 14n,
  ReadMessageHistory: 1n << 16n,
  ManageGuild: 1n << 5n,
  Administrator: 1n << 3n,
  UseApplicationCommands: 1n << 31n,
} as const;

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
 * A member's permissions in a channel, computed the way Discord does: base permissions from roles,
 * then @everyone overwrites, role overwrites, and member overwrites, in that order.
 */
export function channelPermissions(opts: { guildId: string; everyone: bigint; rolePermissions: bigint[]; roleIds: string[]; memberId: string; overwrites: Overwrite[] }): bigint {
  let perms = opts.everyone;
  for (const p of opts.rolePermissions) perms |= p;
  if (perms & PERMISSION.Administrator) return ~0n & ((1n << 53n) - 1n);
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
