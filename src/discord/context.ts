import type { Logger } from 'pino';
import type { Clock } from '../calendar/clock.ts';
import type { ArticleStore } from '../content/store.ts';
import type { LoadProgress } from '../render/loading.ts';
import type { DeliveryEngine } from '../scheduler/engine.ts';
import type { SearchSessions } from './search-sessions.ts';

/** Everything a command handler may use, passed in by `src/main.ts` so tests can build it from real parts. */
export interface BotContext {
  store: ArticleStore;
  clock: Clock;
  logger: Logger;
  searchSessions: SearchSessions;
  /** The delivery engine: subscriptions, send-now, pauses, and what `/digest status` shows. */
  digests: DeliveryEngine;
  /** Zone used for servers without a subscription. */
  defaultTimezone: string;
  /** Whether the bot can post embeds in a channel (from Discord's cached permissions). */
  checkChannel(guildId: string, channelId: string): { ok: true } | { ok: false; reason: string };
  /**
   * The archive's load after a start: `loading()` is its progress while it loads and null once it is
   * loaded. Absent means loaded. Until then the router answers every command with the progress, so no
   * command ever answers from a half-loaded store.
   */
  archive?: { loading(): LoadProgress | null };
}

/** The server's digest time zone, or the default. */
export async function timezoneFor(ctx: BotContext, guildId: string | null): Promise<string> {
  return (guildId && (await ctx.digests.subscription(guildId))?.timezone) || ctx.defaultTimezone;
}

/** The server's digest topic filter, if any. */
export async function topicsFor(ctx: BotContext, guildId: string | null): Promise<string[] | null> {
  return (guildId && (await ctx.digests.subscription(guildId))?.topics) || null;
}
