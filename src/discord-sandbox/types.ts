import type { LimitViolation } from '../payload/validate.ts';
import type { InteractionHandle } from './interaction-handle.ts';
import type { Overwrite } from './permissions.ts';
import type { RateLimitOptions } from './rate-limits.ts';

/** A JSON object as it travels over the wire. */
export type Json = Record<string, unknown>;

/** A user as Discord describes one. */
export interface SandboxUser {
  id: string;
  username: string;
  global_name?: string;
  bot?: boolean;
}

/** A text channel of a sandbox server. */
export interface SandboxChannel {
  id: string;
  name: string;
  guildId: string;
  overwrites: Overwrite[];
  /** Set for a public thread (type 11): the channel it lives in and how it was started. */
  thread?: { parentId: string; ownerId: string; autoArchiveDuration: number; createdAt: string; rateLimitPerUser: number };
}

/** A file stored with a message; its bytes are served at `url` by the sandbox (as Discord's CDN would). */
export interface StoredAttachment {
  id: string;
  filename: string;
  description?: string;
  content_type: string;
  size: number;
  url: string;
  proxy_url: string;
  width?: number;
  height?: number;
}

/** A guild role other than @everyone. */
export interface SandboxRole {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
}

/** A sandbox server. */
export interface SandboxGuild {
  id: string;
  name: string;
  /** The @everyone role's permissions (its id is the guild's id, as in Discord). */
  everyonePermissions: bigint;
  channels: SandboxChannel[];
  /** Roles besides @everyone. */
  roles: SandboxRole[];
  /** Role ids per user id; a user not listed has only @everyone. */
  memberRoles: Map<string, string[]>;
  /** The owner has every permission, as in Discord. */
  ownerId: string;
  /** False once the bot was removed from the server (GUILD_DELETE). */
  botMember: boolean;
}

/** A message as stored, with the exact body the bot sent. */
export interface StoredMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: SandboxUser;
  content: string;
  embeds: Json[];
  components: Json[];
  flags: number;
  timestamp: string;
  edited_timestamp: string | null;
  nonce?: string;
  /** The body exactly as received (last create or edit). */
  body: Json;
  /** Files uploaded with it. */
  attachments?: StoredAttachment[];
  /** The id of the thread started from it (Discord gives the thread the message's id). */
  thread?: string;
  /** Set for interaction responses: who triggered them, and whether only that user can see them. */
  interaction?: { id: string; userId: string; ephemeral: boolean; commandName?: string };
}

/** One response the bot gave to an interaction. */
export interface InteractionResponse {
  kind: 'callback' | 'edit-original' | 'followup' | 'edit-followup';
  type?: number;
  body: Json;
  message?: StoredMessage;
}

/** A request that reached the server, for assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  code?: number;
}

/** Which requests a fault applies to. */
export interface RequestMatch {
  method?: string;
  /** A substring of, or a pattern for, the route (the path after `/api/v10`). */
  path?: RegExp | string;
  /** How many matching requests it applies to (default 1; `Infinity` until cleared). */
  times?: number;
}

/** A scripted failure for the next matching request(s). */
export interface Fault extends RequestMatch {
  status: number;
  code?: number;
  message?: string;
  /** Seconds, for 429. */
  retryAfter?: number;
  /** Carry the request out, then answer with the failure: Discord accepted it but the answer was lost. */
  afterApplying?: boolean;
}

/** Events the browser sandbox and tests can follow. */
export interface SandboxEvents {
  message: [{ kind: 'create' | 'update' | 'delete'; message: StoredMessage }];
  interaction: [{ interaction: InteractionHandle }];
  response: [{ interaction: InteractionHandle; response: InteractionResponse }];
  rejected: [{ method: string; path: string; body: unknown; status: number; code: number; message: string; violations: LimitViolation[] }];
  commands: [{ guildId: string | null; commands: Json[] }];
  /** A connection identified: its session, its shard `[id, count]` and how many servers it was given. */
  ready: [{ sessionId: string; shard: [number, number]; guilds: number }];
  /** A thread was started from a message. */
  thread: [{ thread: SandboxChannel; message: StoredMessage }];
  /** A gateway dispatch was sent to a connected client (name, sequence number, and which session and shard got it). */
  dispatch: [{ t: string; s: number; sessionId: string; shard: [number, number]; guildId?: string }];
  /** The gateway refused an IDENTIFY: closed with a code (4010, 4011) or answered op 9 (`code: 9`, identified too soon). */
  refused: [{ code: number; reason: string; shard: [number, number] | null }];
}

/** Options of `startDiscordSandbox`. */
export interface SandboxOptions {
  port?: number;
  host?: string;
  token?: string;
  application?: { id: string; name: string };
  guilds?: Array<{ id?: string; name: string; channels: string[] }>;
  interactionDeadlineMs?: number;
  /** The server's clock in ms (default `Date.now`); `advanceClock` moves it further. */
  clock?: () => number;
  /** How long a nonce sent with `enforce_nonce` is remembered (Discord: "the past few minutes"; default 5 min). */
  nonceWindowMs?: number;
  /** Rate limits; on by default with Discord's numbers. `false` turns them off. */
  rateLimits?: Partial<RateLimitOptions> | false;
  /** Sharding and session-start rules of the gateway; Discord's numbers by default. */
  gateway?: Partial<GatewayOptions>;
}

/** How the gateway shards and paces session starts (`startDiscordSandbox({ gateway })`). */
export interface GatewayOptions {
  /** IDENTIFYs allowed per `identifyIntervalMs`, one per bucket `shard_id % maxConcurrency` (Discord: 1 for most bots). */
  maxConcurrency: number;
  /** The identify window, in real ms (Discord: 5 s). An IDENTIFY in a bucket used within it gets op 9. */
  identifyIntervalMs: number;
  /** Most servers one session may hold before it is closed with 4011 "Sharding required" (Discord: 2,500). */
  maxGuildsPerShard: number;
  /** Servers per shard that `GET /gateway/bot` recommends (Discord: about 1,000). */
  guildsPerRecommendedShard: number;
  /** Session starts allowed per day (`session_start_limit.total`, Discord: 1,000). */
  sessionStartLimit: number;
}
