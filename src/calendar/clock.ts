/**
 * Time-of-day maths: a daily `HH:MM` in an IANA zone, and when it next (or last) fell. The current
 * time always comes in through a `Clock`, so code that asks "what time is it?" can be tested at any time.
 */
import { localDate, parseIsoDate, zonedTime } from './period.ts';

/** The current time, passed in so tests control it; `src/main.ts` wires the system clock. */
export interface Clock {
  now(): Date;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A 24-hour `HH:MM` (or `H:MM`), or null. */
export function parseClock(s: string): { hour: number; minute: number } | null {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(s?.trim() ?? '');
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : null;
}

/** `08:05` from `{hour: 8, minute: 5}`. */
export function formatClock(t: { hour: number; minute: number }): string {
  return `${pad(t.hour)}:${pad(t.minute)}`;
}

/** The first instant strictly after `after` at which the local clock shows `time`. */
export function nextRunAt(time: { hour: number; minute: number }, timeZone: string, after: Date): Date {
  const start = parseIsoDate(localDate(after, timeZone))!;
  for (let i = 0; i < 3; i++) {
    const day = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
    const candidate = zonedTime(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), time.hour, time.minute, timeZone);
    if (candidate.getTime() > after.getTime()) return candidate;
  }
  throw new Error('unreachable: a local time recurs within three days');
}

/** The last instant at or before `at` at which the local clock showed `time`. */
export function previousRunAt(time: { hour: number; minute: number }, timeZone: string, at: Date): Date {
  const start = parseIsoDate(localDate(at, timeZone))!;
  for (let i = 0; i < 3; i++) {
    const day = new Date(Date.UTC(start.year, start.month - 1, start.day - i));
    const candidate = zonedTime(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), time.hour, time.minute, timeZone);
    if (candidate.getTime() <= at.getTime()) return candidate;
  }
  throw new Error('unreachable: a local time recurs within three days');
}
