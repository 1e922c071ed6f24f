import type { Db } from './database.ts';

/** A server's daily digest settings. */
export interface Subscription {
  guildId: string;
  channelId: string;
  /** Local time, `HH:MM`. */
  time: string;
  timezone: string;
  /** Only these topics; null for all. */
  topics: string[] | null;
  enabled: boolean;
  lastError: string | null;
  lastErrorAt: Date | null;
  /** Set while Discord refuses the bot in the channel (403); cleared when an admin sets the digest again. */
  blockedReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  guild_id: string;
  channel_id: string;
  time: string;
  timezone: string;
  topics: string | null;
  enabled: number;
  last_error: string | null;
  last_error_at: string | null;
  blocked_reason: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: Row): Subscription => ({
  guildId: r.guild_id,
  channelId: r.channel_id,
  time: r.time,
  timezone: r.timezone,
  topics: r.topics ? (JSON.parse(r.topics) as string[]) : null,
  enabled: r.enabled === 1,
  lastError: r.last_error,
  lastErrorAt: r.last_error_at ? new Date(r.last_error_at) : null,
  blockedReason: r.blocked_reason,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

/** Subscriptions, one per server. */
export type SubscriptionRepo = ReturnType<typeof createSubscriptionRepo>;

/** Reads and writes subscriptions. */
export function createSubscriptionRepo(db: Db) {
  const get = db.prepare<[string], Row>('SELECT * FROM subscriptions WHERE guild_id = ?');
  const list = db.prepare<[], Row>('SELECT * FROM subscriptions WHERE enabled = 1 ORDER BY guild_id');
  const upsert = db.prepare(
    `INSERT INTO subscriptions (guild_id, channel_id, time, timezone, topics, enabled, last_error, last_error_at, blocked_reason, created_at, updated_at)
     VALUES (@guildId, @channelId, @time, @timezone, @topics, 1, NULL, NULL, NULL, @now, @now)
     ON CONFLICT (guild_id) DO UPDATE SET channel_id = @channelId, time = @time, timezone = @timezone, topics = @topics,
       enabled = 1, last_error = NULL, last_error_at = NULL, blocked_reason = NULL, updated_at = @now`,
  );
  const disable = db.prepare('UPDATE subscriptions SET enabled = 0, updated_at = ? WHERE guild_id = ? AND enabled = 1');
  const setError = db.prepare('UPDATE subscriptions SET last_error = ?, last_error_at = ?, blocked_reason = ? WHERE guild_id = ?');
  const clearBlock = db.prepare('UPDATE subscriptions SET blocked_reason = NULL WHERE guild_id = ?');

  return {
    get(guildId: string): Subscription | undefined {
      const r = get.get(guildId);
      return r ? fromRow(r) : undefined;
    },
    /** Every enabled subscription. */
    listEnabled(): Subscription[] {
      return list.all().map(fromRow);
    },
    /** Creates or replaces a server's subscription, enabling it and clearing past errors. */
    upsert(s: { guildId: string; channelId: string; time: string; timezone: string; topics: string[] | null }, now: Date): Subscription {
      upsert.run({ ...s, topics: s.topics && s.topics.length > 0 ? JSON.stringify(s.topics) : null, now: now.toISOString() });
      return this.get(s.guildId)!;
    },
    /** Turns a server's digest off; false if it was not on. */
    disable(guildId: string, now: Date): boolean {
      return disable.run(now.toISOString(), guildId).changes > 0;
    },
    /** Records the last delivery error; `blocked` marks a refusal that retrying will not fix. */
    recordError(guildId: string, error: string, now: Date, blocked: boolean): void {
      setError.run(error, now.toISOString(), blocked ? error : null, guildId);
    },
    clearBlocked(guildId: string): void {
      clearBlock.run(guildId);
    },
  };
}
