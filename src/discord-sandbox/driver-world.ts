import type { SandboxGuild, SandboxRole, SandboxUser } from './types.ts';
import { channelJson, guildJson, memberJson, roleUpdateJson } from './wire.ts';
import type { World } from './world.ts';

/** An overwrite as tests write it: bits as BigInt. */
export interface OverwriteInput {
  id: string;
  /** 0 role, 1 member. */
  type: 0 | 1;
  allow?: bigint;
  deny?: bigint;
}

/**
 * Changing the world as a server admin (or Discord) would, each change followed by the gateway
 * event Discord sends: CHANNEL_UPDATE, CHANNEL_DELETE, GUILD_CREATE, GUILD_DELETE, role and member updates.
 */
export function worldDriver(world: World) {
  const channel = (id: string) => {
    const c = world.findChannel(id);
    if (!c) throw new Error(`unknown channel ${id}`);
    return c;
  };
  const guild = (id: string) => {
    const g = world.guild(id);
    if (!g) throw new Error(`unknown guild ${id}`);
    return g;
  };
  const toBot = (g: SandboxGuild, t: string, d: unknown) => {
    // Events of a server the bot has left are not sent to it.
    if (g.botMember) world.dispatchForGuild(g.id, t, d);
  };

  return {
    /** Replaces a channel's permission overwrites and tells connected clients (CHANNEL_UPDATE). */
    setChannelOverwrites(channelId: string, overwrites: OverwriteInput[]) {
      const c = channel(channelId);
      c.overwrites = overwrites.map((o) => ({ id: o.id, type: o.type, allow: (o.allow ?? 0n).toString(), deny: (o.deny ?? 0n).toString() }));
      toBot(world.guildOf(c), 'CHANNEL_UPDATE', channelJson(c));
    },
    /** Deletes a channel and its messages (CHANNEL_DELETE); requests to it then get 404 10003. */
    deleteChannel(channelId: string) {
      const c = channel(channelId);
      world.removeChannel(c);
      toBot(world.guildOf(c), 'CHANNEL_DELETE', channelJson(c));
    },
    /** Removes the bot from a server (GUILD_DELETE without `unavailable`); its routes then answer 403 50001. */
    removeBotFromGuild(guildId: string) {
      const g = guild(guildId);
      if (!g.botMember) return;
      world.dispatchForGuild(g.id, 'GUILD_DELETE', { id: g.id });
      g.botMember = false;
    },
    /** Adds one server with text channels; a connected bot gets its GUILD_CREATE. */
    addGuild(name: string, channels: string[] = ['general']): SandboxGuild {
      const g = world.addGuild({ name, channels: channels.map((c) => ({ name: c })) });
      world.dispatchForGuild(g.id, 'GUILD_CREATE', guildJson(g, world.botUser, world.iso()));
      return g;
    },
    /** Adds `n` servers with one text channel each, fast enough for benchmarks with thousands of them. */
    addGuilds(n: number, options: { namePrefix?: string; channel?: string } = {}): SandboxGuild[] {
      const joinedAt = world.iso();
      const added: SandboxGuild[] = [];
      for (let i = 0; i < n; i++) {
        const g = world.addGuild({ name: `${options.namePrefix ?? 'Server'} ${world.guilds.length + 1}`, channels: [{ name: options.channel ?? 'general' }] });
        world.dispatchForGuild(g.id, 'GUILD_CREATE', guildJson(g, world.botUser, joinedAt));
        added.push(g);
      }
      return added;
    },
    /** Sets the @everyone role's permissions (GUILD_ROLE_UPDATE). */
    setEveryonePermissions(guildId: string, permissions: bigint) {
      const g = guild(guildId);
      g.everyonePermissions = permissions;
      toBot(g, 'GUILD_ROLE_UPDATE', roleUpdateJson(g, g.id));
    },
    /** Adds a role (GUILD_ROLE_CREATE) and returns it; give it to users with `setMemberRoles`. */
    addRole(guildId: string, role: { name: string; permissions: bigint }): SandboxRole {
      const g = guild(guildId);
      const r: SandboxRole = { id: world.snowflake(), name: role.name, permissions: role.permissions, position: g.roles.length + 1 };
      g.roles.push(r);
      toBot(g, 'GUILD_ROLE_CREATE', roleUpdateJson(g, r.id));
      return r;
    },
    /** Replaces a user's roles (GUILD_MEMBER_UPDATE). */
    setMemberRoles(guildId: string, user: SandboxUser, roleIds: string[]) {
      const g = guild(guildId);
      g.memberRoles.set(user.id, [...roleIds]);
      toBot(g, 'GUILD_MEMBER_UPDATE', { guild_id: g.id, ...memberJson(g, user, world.iso()) });
    },
  };
}
