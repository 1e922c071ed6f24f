import cron from 'node-cron';
import type { CronLike } from './scheduler.ts';

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
