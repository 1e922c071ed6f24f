import cron from 'node-cron';
import { parseClock } from '../calendar/clock.ts';
import { cronFromClock, type CronLike } from './scheduler.ts';

/** node-cron behind the scheduler's small interface; it evaluates the expression in the given IANA zone, DST included. */
export const nodeCron: CronLike = {
  schedule(expression, task, options) {
    const job = cron.schedule(expression, task, { timezone: options.timezone, name: options.name, noOverlap: true });
    return { stop: () => void job.stop() };
  },
};

/** True when node-cron accepts the expression. */
export function isValidCronExpression(expression: string): boolean {
  return cron.validate(expression);
}

/**
 * True when `HH:MM` is a time node-cron can fire a daily job at. `src/main.ts` hands this to
 * `parseConfig`, so a bad DIGEST_TIME stops the bot at startup rather than at 08:00, while the
 * configuration module itself never loads the cron library.
 */
export function isSchedulableTime(time: string): boolean {
  return parseClock(time) !== null && isValidCronExpression(cronFromClock(time));
}
