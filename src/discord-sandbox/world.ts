import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { DISCORD_LIMITS } from '../payload/limits.ts';
import type { InteractionHandle } from './interaction-handle.ts';
import { DEFAULT_EVERYONE, PERMISSION, memberChannelPermissions, type CommandPermission } from './permissions.ts';
import { guildIdFactory, snowflakeFactory } from './snowflake.ts';
import type { Json, RecordedRequest, SandboxChannel, SandboxEvents, SandboxGuild, SandboxOptions, SandboxUser, StoredMessage } from './types.ts';

/** The default users who run commands: an admin (Manage Server, through an "Admin" role) and a plain member. */
export const SANDBOX_USERS = {
  admin: { id: '100000000000000001', username: 'admin', global_name: 'Server Admin' },
  member: { id: '100000000000000002', username: 'member', global_name: 'Regular Member' },
} as const satisfies Record<string, SandboxUser>;

/** Owns every sandbox server; not one of the users tests act as, since an owner bypasses every permission. */
export const SANDBOX_OWNER_ID = '100000000000000000';

/**
 * The state of the loopback Discord (servers, channels, messages, commands, interactions) and the
 * operations every part of the server shares. The gateway fills in `dispatchForGuild`.
 */
export function createWorld(options: SandboxOptions) {
  let offset = 0;
  const clock = options.clock ?? (() => Date.now());
  const now = () => clock() + offset;
  const snowflake = snowflakeFactory(now);
  const guildId = guildIdFactory();
  const application = options.application ?? { id: '200000000000000001', name: 'News Digest' };
  const botUser: SandboxUser = { id: application.id, username: application.name.toLowerCase().replace(/\s+/g, '-'), global_name: application.name, bot: true };
  const guilds: SandboxGuild[] = [];
  const guildById = new Map<string, SandboxGuild>();
  const channelById = new Map<string, SandboxChannel>();
  const messages = new Map<string, StoredMessage[]>();
  /** Uploaded files' bytes by attachment id. */
  const files = new Map<string, { data: Buffer; contentType: string }>();

  const world = {
    // New for every run: a fixed token would let any local process or web page that learns the port
    // act as the bot (the gateway and REST accept whoever presents it).
    token: options.token ?? `sandbox.${randomBytes(32).toString('base64url')}`,
    application,
    botUser,
    deadlineMs: options.interactionDeadlineMs ?? DISCORD_LIMITS.interactionDeadlineMs,
    events: new EventEmitter<SandboxEvents>(),
    snowflake,
    /** The server's clock, in ms. */
    now,
    /** Moves the server's clock forward (nonce windows, rate-limit windows, interaction deadlines). */
    advance(ms: number) {
      offset += ms;
    },
    iso: () => new Date(now()).toISOString(),
    guilds,
    messages,
    files,
    commands: new Map<string, Json[]>(),
    /** Guild overrides of who may use a command, by `${guildId}:${commandName}`. */
    commandPermissions: new Map<string, CommandPermission[]>(),
    interactions: new Map<string, InteractionHandle>(),
    byToken: new Map<string, InteractionHandle>(),
    requests: [] as RecordedRequest[],
    /**
     * Sends a server's dispatch to the gateway connection of the shard that owns the server, as Discord
     * routes events (set by the gateway).
     */
    dispatchForGuild: (_guildId: string, _t: string, _d: unknown): Array<{ sessionId: string; shard: [number, number] }> => [],

    /** Adds a server with text channels; the admin user gets an "Admin" role with Manage Server. */
    addGuild(spec: { id?: string; name: string; channels: Array<{ id?: string; name: string }> }): SandboxGuild {
      const id = spec.id ?? guildId();
      const adminRole = { id: snowflake(), name: 'Admin', permissions: PERMISSION.ManageGuild, position: 1 };
      const guild: SandboxGuild = {
        id,
        name: spec.name,
        everyonePermissions: DEFAULT_EVERYONE,
        channels: [],
        roles: [adminRole],
        memberRoles: new Map([[SANDBOX_USERS.admin.id, [adminRole.id]]]),
        ownerId: SANDBOX_OWNER_ID,
        botMember: true,
      };
      guilds.push(guild);
      guildById.set(id, guild);
      for (const c of spec.channels) world.addChannel(guild, c.name, c.id);
      return guild;
    },
    addChannel(guild: SandboxGuild, name: string, id = snowflake()): SandboxChannel {
      const channel: SandboxChannel = { id, name, guildId: guild.id, overwrites: [] };
      guild.channels.push(channel);
      channelById.set(id, channel);
      return channel;
    },
    removeChannel(channel: SandboxChannel) {
      const guild = guildById.get(channel.guildId);
      if (guild) guild.channels = guild.channels.filter((c) => c !== channel);
      channelById.delete(channel.id);
      messages.delete(channel.id);
    },
    guild: (id: string) => guildById.get(id),
    findChannel: (id: string) => channelById.get(id),
    guildOf: (c: SandboxChannel) => guildById.get(c.guildId)!,
    /** The bot's permissions in a channel (it holds only @everyone); a thread's are its parent's. */
    botPermissions: (c: SandboxChannel) => memberChannelPermissions(guildById.get(c.guildId)!, (c.thread && channelById.get(c.thread.parentId)) || c, botUser.id),
    /** Starts a public thread from a message: the thread takes the message's id, as in Discord. */
    addThread(parent: SandboxChannel, message: StoredMessage, spec: { name: string; autoArchiveDuration: number; rateLimitPerUser: number }): SandboxChannel {
      const thread: SandboxChannel = {
        id: message.id,
        name: spec.name,
        guildId: parent.guildId,
        overwrites: [],
        thread: { parentId: parent.id, ownerId: botUser.id, autoArchiveDuration: spec.autoArchiveDuration, createdAt: world.iso(), rateLimitPerUser: spec.rateLimitPerUser },
      };
      channelById.set(thread.id, thread);
      message.thread = thread.id;
      // Discord's HAS_THREAD message flag.
      message.flags |= 1 << 5;
      world.events.emit('thread', { thread, message });
      world.events.emit('message', { kind: 'update', message });
      return thread;
    },
    /** A registered command by name: the guild's first, then the global ones. */
    registeredCommand: (guildId: string, name: string) => [...(world.commands.get(guildId) ?? []), ...(world.commands.get('global') ?? [])].find((c) => c.name === name),

    newMessage(channelId: string, body: Json, extra: Partial<StoredMessage> = {}): StoredMessage {
      const channel = channelById.get(channelId);
      return {
        id: snowflake(),
        channel_id: channelId,
        ...(channel ? { guild_id: channel.guildId } : {}),
        author: botUser,
        content: typeof body.content === 'string' ? body.content : '',
        embeds: Array.isArray(body.embeds) ? (body.embeds as Json[]) : [],
        components: Array.isArray(body.components) ? (body.components as Json[]) : [],
        flags: typeof body.flags === 'number' ? body.flags : 0,
        timestamp: world.iso(),
        edited_timestamp: null,
        body,
        ...extra,
      };
    },
    store(m: StoredMessage) {
      const list = messages.get(m.channel_id) ?? [];
      list.push(m);
      messages.set(m.channel_id, list);
      world.events.emit('message', { kind: 'create', message: m });
    },
    edit(m: StoredMessage, body: Json) {
      if ('content' in body) m.content = typeof body.content === 'string' ? body.content : '';
      if ('embeds' in body) m.embeds = Array.isArray(body.embeds) ? (body.embeds as Json[]) : [];
      if ('components' in body) m.components = Array.isArray(body.components) ? (body.components as Json[]) : [];
      m.body = { ...m.body, ...body };
      m.edited_timestamp = world.iso();
      world.events.emit('message', { kind: 'update', message: m });
    },
    removeMessage(m: StoredMessage) {
      messages.set(m.channel_id, (messages.get(m.channel_id) ?? []).filter((x) => x !== m));
      world.events.emit('message', { kind: 'delete', message: m });
    },
    findMessage: (channelId: string, id: string) => (messages.get(channelId) ?? []).find((x) => x.id === id),
  };

  (options.guilds ?? [{ name: 'Sandbox', channels: ['news', 'digest'] }]).forEach((g, gi) =>
    world.addGuild({ id: g.id ?? `30000000000000000${gi}`, name: g.name, channels: g.channels.map((name, ci) => ({ id: `4000000000000000${gi}${ci}`, name })) }),
  );
  return world;
}

/** The shared state of one running sandbox. */
export type World = ReturnType<typeof createWorld>;
