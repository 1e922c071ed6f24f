import { rolesOf } from './permissions.ts';
import type { SandboxChannel, SandboxGuild, SandboxUser, StoredMessage } from './types.ts';

/**
 * Builders for the JSON shapes Discord sends (users, channels, guilds, messages). discord.js parses
 * these, so every field it reads must be present with Discord's type (ids as numeric strings,
 * permissions as decimal strings).
 */

/** A user object. */
export const userJson = (u: SandboxUser) => ({ id: u.id, username: u.username, global_name: u.global_name ?? null, discriminator: '0', avatar: null, bot: u.bot ?? false });

/** A guild text channel object (type 0). */
export const channelJson = (c: SandboxChannel) => ({
  id: c.id,
  type: 0,
  name: c.name,
  guild_id: c.guildId,
  position: 0,
  permission_overwrites: c.overwrites,
  parent_id: null,
  nsfw: false,
  topic: null,
  last_message_id: null,
  rate_limit_per_user: 0,
});

/** A public thread channel object (type 11), as THREAD_CREATE and the thread routes carry it. */
export const threadJson = (c: SandboxChannel, messageCount = 0) => ({
  id: c.id,
  type: 11,
  guild_id: c.guildId,
  parent_id: c.thread?.parentId ?? null,
  owner_id: c.thread?.ownerId ?? null,
  name: c.name,
  last_message_id: null,
  rate_limit_per_user: c.thread?.rateLimitPerUser ?? 0,
  message_count: messageCount,
  member_count: 1,
  total_message_sent: messageCount,
  flags: 0,
  thread_metadata: { archived: false, auto_archive_duration: c.thread?.autoArchiveDuration ?? 1440, archive_timestamp: c.thread?.createdAt ?? null, locked: false, create_timestamp: c.thread?.createdAt ?? null },
});

/** A guild member object, without computed permissions. */
export const memberJson = (g: SandboxGuild, u: SandboxUser, joinedAt: string) => ({
  user: userJson(u),
  roles: rolesOf(g, u.id),
  joined_at: joinedAt,
  deaf: false,
  mute: false,
  flags: 0,
  nick: null,
  avatar: null,
});

const roleJson = (id: string, name: string, permissions: bigint, position: number) => ({
  id,
  name,
  permissions: permissions.toString(),
  position,
  color: 0,
  hoist: false,
  managed: false,
  mentionable: false,
  flags: 0,
});

/** The roles of a guild, @everyone (whose id is the guild's) first. */
export const rolesJson = (g: SandboxGuild) => [roleJson(g.id, '@everyone', g.everyonePermissions, 0), ...g.roles.map((r) => roleJson(r.id, r.name, r.permissions, r.position))];

/** One role as GUILD_ROLE_UPDATE carries it. */
export const roleUpdateJson = (g: SandboxGuild, roleId: string) => ({ guild_id: g.id, role: rolesJson(g).find((r) => r.id === roleId) });

/** A full guild as GUILD_CREATE carries it, with the bot as its only cached member. */
export const guildJson = (g: SandboxGuild, bot: SandboxUser, joinedAt: string) => ({
  id: g.id,
  name: g.name,
  icon: null,
  owner_id: g.ownerId,
  unavailable: false,
  member_count: 3,
  large: false,
  joined_at: joinedAt,
  features: [],
  emojis: [],
  stickers: [],
  presences: [],
  voice_states: [],
  threads: [],
  stage_instances: [],
  guild_scheduled_events: [],
  premium_tier: 0,
  preferred_locale: 'en-US',
  system_channel_id: null,
  afk_timeout: 300,
  verification_level: 0,
  default_message_notifications: 0,
  explicit_content_filter: 0,
  mfa_level: 0,
  nsfw_level: 0,
  channels: g.channels.map(channelJson),
  roles: rolesJson(g),
  members: [memberJson(g, bot, joinedAt)],
});

/** A message object; interaction responses come from the application's webhook (type 20). */
export const messageJson = (m: StoredMessage, applicationId: string, thread?: SandboxChannel) => ({
  id: m.id,
  type: m.interaction ? 20 : 0,
  channel_id: m.channel_id,
  ...(m.guild_id ? { guild_id: m.guild_id } : {}),
  author: userJson(m.author),
  content: m.content,
  embeds: m.embeds,
  components: m.components,
  attachments: m.attachments ?? [],
  mentions: [],
  mention_roles: [],
  mention_everyone: false,
  pinned: false,
  tts: false,
  timestamp: m.timestamp,
  edited_timestamp: m.edited_timestamp,
  flags: m.flags,
  ...(m.nonce ? { nonce: m.nonce } : {}),
  ...(thread ? { thread: threadJson(thread) } : {}),
  ...(m.interaction ? { webhook_id: applicationId, application_id: applicationId } : {}),
});
