import { randomBytes } from 'node:crypto';
import { InteractionHandle } from './interaction-handle.ts';
import { canUseCommand, memberChannelPermissions, type CommandPermission } from './permissions.ts';
import type { Json, SandboxChannel, SandboxUser, StoredMessage } from './types.ts';
import { memberJson } from './wire.ts';
import { SANDBOX_USERS, type World } from './world.ts';

/** A slash command as a user types it. `permissions` grants the user more, as one more role would. */
export interface CommandInput {
  name: string;
  subcommand?: string;
  options?: Record<string, unknown>;
  channelId?: string;
  user?: SandboxUser;
  permissions?: bigint;
}

/** Thrown when Discord would not even show the command to this user, so it cannot be invoked. */
export class CommandHiddenError extends Error {}

/**
 * Acting as users: slash commands, autocomplete and component clicks become INTERACTION_CREATE
 * dispatches with everything Discord computes (member permissions with overwrites, the bot's
 * `app_permissions`, resolved channels), and commands a user may not use are refused before dispatch.
 */
export function interactionDriver(world: World, messageJson: (m: StoredMessage) => Json) {
  const channelOrDefault = (id?: string): SandboxChannel => {
    const c = id ? world.findChannel(id) : world.guilds.find((g) => g.botMember && g.channels.length > 0)?.channels[0];
    if (!c) throw new Error(`unknown channel ${id}`);
    return c;
  };

  function createInteraction(type: 2 | 3 | 4, init: { channel: SandboxChannel; user?: SandboxUser; permissions?: bigint; data: Json; message?: StoredMessage }): InteractionHandle {
    const { channel } = init;
    const guild = world.guildOf(channel);
    if (!guild.botMember) throw new Error(`the bot is not in ${guild.name}: Discord would not send it this interaction`);
    const user = init.user ?? SANDBOX_USERS.member;
    const permissions = memberChannelPermissions(guild, channel, user.id, init.permissions).toString();
    const id = world.snowflake();
    const token = `aW50ZXJhY3Rpb246${id}${randomBytes(8).toString('hex')}`;
    const payload: Json = {
      id,
      application_id: world.application.id,
      type,
      token,
      version: 1,
      guild_id: guild.id,
      channel: { id: channel.id, type: 0, name: channel.name, guild_id: guild.id, permissions },
      channel_id: channel.id,
      member: { ...memberJson(guild, user, world.iso()), permissions },
      app_permissions: world.botPermissions(channel).toString(),
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guild.id },
      context: 0,
      attachment_size_limit: 10_485_760,
      data: init.data,
      ...(init.message ? { message: messageJson(init.message) } : {}),
    };
    const h = new InteractionHandle(id, token, type, payload, world.now(), user);
    world.interactions.set(id, h);
    world.byToken.set(token, h);
    world.events.emit('interaction', { interaction: h });
    h.deliveredTo = world.dispatchForGuild(guild.id, 'INTERACTION_CREATE', payload);
    return h;
  }

  /** Whether Discord would show this registered command to the user in the channel. */
  function canSee(registered: Json, channel: SandboxChannel, user: SandboxUser, extra?: bigint): boolean {
    const guild = world.guildOf(channel);
    // Every sandbox channel is in a server the app is installed to. A global command limited to other
    // contexts (DMs) or to user installs is not offered there; guild commands ignore both fields.
    const global = (world.commands.get('global') ?? []).includes(registered);
    if (global && Array.isArray(registered.contexts) && !registered.contexts.includes(0)) return false;
    if (global && Array.isArray(registered.integration_types) && !registered.integration_types.includes(0)) return false;
    const overrides = world.commandPermissions.get(`${guild.id}:${String(registered.name)}`) ?? [];
    return canUseCommand({ guild, channel, userId: user.id, extra, defaultMemberPermissions: registered.default_member_permissions, overrides });
  }

  /** Refuses a registered command the user could not see: default_member_permissions, guild overrides, Use Application Commands. */
  function assertVisible(input: CommandInput, channel: SandboxChannel) {
    const guild = world.guildOf(channel);
    const registered = world.registeredCommand(guild.id, input.name);
    if (!registered) return;
    const user = input.user ?? SANDBOX_USERS.member;
    const ok = canSee(registered, channel, user, input.permissions);
    if (!ok) throw new CommandHiddenError(`Discord hides /${input.name} from ${user.global_name ?? user.username} in #${channel.name}: default_member_permissions ${String(registered.default_member_permissions)} (or a guild override) not met`);
  }

  /** Option values as a user would type them; types follow the registered command when known. */
  function commandData(input: CommandInput, channel: SandboxChannel, focused?: string): Json {
    const guild = world.guildOf(channel);
    const user = input.user ?? SANDBOX_USERS.member;
    const registered = world.registeredCommand(guild.id, input.name);
    let defs = (registered?.options as Json[] | undefined) ?? [];
    if (input.subcommand) defs = (defs.find((d) => d.name === input.subcommand)?.options as Json[] | undefined) ?? [];
    const options = Object.entries(input.options ?? {}).map(([key, value]) => {
      const def = defs.find((d) => d.name === key);
      const type = (def?.type as number | undefined) ?? (typeof value === 'number' ? 10 : typeof value === 'boolean' ? 5 : 3);
      return { type, name: key, value, ...(focused === key ? { focused: true } : {}) };
    });
    const resolvedChannels: Json = {};
    for (const o of options) {
      const c = o.type === 7 ? world.findChannel(String(o.value)) : undefined;
      // Resolved channels carry the invoking member's permissions there, as Discord computes them.
      if (c) resolvedChannels[c.id] = { id: c.id, name: c.name, type: 0, guild_id: c.guildId, permissions: memberChannelPermissions(world.guildOf(c), c, user.id, input.permissions).toString() };
    }
    return {
      id: (registered?.id as string) ?? world.snowflake(),
      name: input.name,
      type: 1,
      guild_id: guild.id,
      options: input.subcommand ? [{ type: 1, name: input.subcommand, options }] : options,
      ...(Object.keys(resolvedChannels).length ? { resolved: { channels: resolvedChannels } } : {}),
    };
  }

  return {
    /** Runs a slash command as a user would; throws `CommandHiddenError` if Discord would not offer it to them. */
    runCommand(input: CommandInput): InteractionHandle {
      const channel = channelOrDefault(input.channelId);
      assertVisible(input, channel);
      return createInteraction(2, { channel, user: input.user, permissions: input.permissions, data: commandData(input, channel) });
    },
    /** Types into an option with autocomplete; resolve `handle.waitFor(h => h.choices)` for the answer. */
    autocomplete(input: CommandInput & { focused: string }): InteractionHandle {
      const channel = channelOrDefault(input.channelId);
      assertVisible(input, channel);
      return createInteraction(4, { channel, user: input.user, permissions: input.permissions, data: commandData(input, channel, input.focused) });
    },
    /**
     * The commands Discord's picker offers this user in this channel: the guild's and the global ones,
     * minus those hidden by `default_member_permissions`, a guild override or Use Application Commands.
     */
    visibleCommands(input: { channelId?: string; user?: SandboxUser; permissions?: bigint } = {}): Json[] {
      const channel = channelOrDefault(input.channelId);
      const guild = world.guildOf(channel);
      const user = input.user ?? SANDBOX_USERS.member;
      const all = [...(world.commands.get(guild.id) ?? []), ...(world.commands.get('global') ?? [])];
      return all.filter((c) => canSee(c, channel, user, input.permissions));
    },
    /** Clicks a button (or picks select values) on a stored message. */
    clickComponent(input: { messageId: string; channelId: string; customId: string; user?: SandboxUser; values?: string[] }): InteractionHandle {
      const message = world.findMessage(input.channelId, input.messageId);
      if (!message) throw new Error(`unknown message ${input.messageId}`);
      const data: Json = input.values ? { custom_id: input.customId, component_type: 3, values: input.values } : { custom_id: input.customId, component_type: 2 };
      return createInteraction(3, { channel: channelOrDefault(input.channelId), user: input.user, data, message });
    },
    /** A guild admin's override of who may use a command (Server Settings → Integrations); `[]` removes it. */
    setCommandPermissions(guildId: string, commandName: string, permissions: CommandPermission[]) {
      world.commandPermissions.set(`${guildId}:${commandName}`, permissions);
    },
  };
}
