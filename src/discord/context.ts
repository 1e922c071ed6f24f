import type { Logger } from 'pino';
import type { Clock } from '../calendar/clock.ts';
import type { ArticleStore } from '../content/store.ts';
import type { DeliveryRepo } from '../db/deliveries.ts';
import type { SubscriptionRepo } from '../db/subscriptions.ts';
import type { DigestDelivery } from '../scheduler/delivery.ts';
import type { DigestScheduler } from '../scheduler/scheduler.ts';
import type { SearchSessions } from './search-sessions.ts';

/** Everything a command handler may use, passed in by `src/main.ts` so tests can build it from real parts. */
export interface BotContext {
  store: ArticleStore;
  clock: Clock;
  logger: Logger;
  searchSessions: SearchSessions;
  subscriptions: SubscriptionRepo;
  deliveries: DeliveryRepo;
  delivery: DigestDelivery;
  scheduler: DigestScheduler;
  /** Zone used for servers without a subscription. */
  defaultTimezone: string;
  /** Whether the bot can post embeds in a channel (from Discord's cached permissions). */
  checkChannel(guildId: string, channelId: string): { ok: true } | { ok: false; reason: string };
}

/** The server's digest time zone, or the default. */
export function timezoneFor(ctx: BotContext, guildId: string | null): string {
  return (guildId && ctx.subscriptions.get(guildId)?.timezone) || ctx.defaultTimezone;
}

/** The server's digest topic filter, if any. */
export function topicsFor(ctx: BotContext, guildId: string | null): string[] | null {
  return (guildId && ctx.subscriptions.get(guildId)?.topics) || null;
}
