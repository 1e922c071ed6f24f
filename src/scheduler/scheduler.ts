import type { Clock } from '../calendar/clock.ts';
import type { DeliveryRepo } from '../db/deliveries.ts';
import type { Subscription, SubscriptionRepo } from '../db/subscriptions.ts';
import { nextRunAt, parseClock, previousRunAt } from '../calendar/clock.ts';
import type { DeliveryLogger, DeliveryOutcome, DigestDelivery } from './delivery.ts';

/** What the scheduler needs from a cron library; node-cron in production, a hand-fired fake in tests. */
export interface CronLike {
  schedule(expression: string, task: () => void, options: { timezone: string; name?: string }): { stop(): void };
}

/** `08:05` → `5 8 * * *`. */
export function cronFromClock(time: string): string {
  const t = parseClock(time);
  if (!t) throw new RangeError(`Not a 24-hour time: ${time}`);
  return `${t.minute} ${t.hour} * * *`;
}

/**
 * Fires each server's digest once a day at its local time (the cron library handles the time zone
 * and DST), and on start-up finishes unfinished deliveries and sends one catch-up digest to servers
 * whose time passed while the bot was down.
 */
export function createDigestScheduler(deps: {
  subscriptions: SubscriptionRepo;
  deliveries: DeliveryRepo;
  delivery: DigestDelivery;
  clock: Clock;
  cron: CronLike;
  logger: DeliveryLogger;
}) {
  const tasks = new Map<string, { stop(): void }>();
  const { logger } = deps;

  const fire = (guildId: string) => {
    deps.delivery.deliver(guildId, 'scheduled').catch((err: unknown) => logger.error({ err, guildId }, 'scheduled digest crashed'));
  };

  const schedule = (sub: Subscription) => {
    tasks.get(sub.guildId)?.stop();
    tasks.delete(sub.guildId);
    if (!sub.enabled) return;
    tasks.set(sub.guildId, deps.cron.schedule(cronFromClock(sub.time), () => fire(sub.guildId), { timezone: sub.timezone, name: `digest-${sub.guildId}` }));
  };

  /** True when the server's time passed after its last delivered period ended: a run was missed. */
  const missedRun = (sub: Subscription, now: Date): boolean => {
    const time = parseClock(sub.time)!;
    const previous = previousRunAt(time, sub.timezone, now);
    const last = deps.deliveries.lastDelivered(sub.guildId, sub.channelId);
    const since = last ? last.periodTo : sub.updatedAt;
    return previous.getTime() > since.getTime();
  };

  return {
    /** Schedules every enabled subscription, then catches up. */
    async start(): Promise<DeliveryOutcome[]> {
      for (const sub of deps.subscriptions.listEnabled()) schedule(sub);
      return this.catchUp();
    },
    /**
     * For each server: finish an unfinished delivery, then, if a scheduled time passed while the bot
     * was down, send ONE catch-up digest covering the whole gap (at most 7 days), not one per day.
     */
    async catchUp(): Promise<DeliveryOutcome[]> {
      const results: DeliveryOutcome[] = [];
      for (const sub of deps.subscriptions.listEnabled()) {
        try {
          const resumed = await deps.delivery.resume(sub.guildId);
          if (resumed.status !== 'skipped') results.push(resumed);
          if (resumed.status === 'failed') continue;
          if (missedRun(sub, deps.clock.now())) {
            logger.info({ guildId: sub.guildId }, 'a scheduled digest was missed while the bot was down; sending one catch-up digest');
            results.push(await deps.delivery.deliver(sub.guildId, 'catch-up'));
          }
        } catch (err) {
          logger.error({ err, guildId: sub.guildId }, 'catch-up failed');
        }
      }
      return results;
    },
    /** Re-reads a server's subscription (after /digest set or off) and (re)schedules or cancels it. */
    reschedule(guildId: string): void {
      const sub = deps.subscriptions.get(guildId);
      if (sub) schedule(sub);
      else {
        tasks.get(guildId)?.stop();
        tasks.delete(guildId);
      }
    },
    /** When the server's next digest will fire, or null if it has none. */
    nextRun(guildId: string): Date | null {
      const sub = deps.subscriptions.get(guildId);
      const time = sub?.enabled ? parseClock(sub.time) : null;
      return sub && time ? nextRunAt(time, sub.timezone, deps.clock.now()) : null;
    },
    /** How many servers have a scheduled digest. */
    get scheduled(): number {
      return tasks.size;
    },
    stop(): void {
      for (const t of tasks.values()) t.stop();
      tasks.clear();
    },
  };
}

/** The scheduler. */
export type DigestScheduler = ReturnType<typeof createDigestScheduler>;
