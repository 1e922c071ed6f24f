/**
 * Delivery slots, daily or weekly: the instants at which a local `HH:MM` falls in an IANA zone (on one
 * weekday for a weekly schedule), DST included.
 * Pure: the caller passes the instant to count from, so a late ticker and a restarted process compute
 * the same slots as a punctual one.
 */
import { localDate, parseIsoDate } from './period.ts';
import { parseClock } from './clock.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local wall clock of `instant` in `timeZone`. */
export function wallClock(instant: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour! % 24, minute: out.minute!, second: out.second! };
}

/** Milliseconds the zone is ahead of UTC at `instant`. */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant / 1000) * 1000;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The slot of one local day: the first instant that day whose wall clock shows `hour:minute` (the
 * first of two in a repeated fall-back hour); in a DST gap, the first valid instant after the gap,
 * which is the moment of the jump (02:30 in Paris on 29 March 2026 → 03:00 local).
 */
function daySlot(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // The offsets a day either side of the wall time cover any single transition near it; on the
  // (usual) day without one they agree and the answer needs no further reading.
  const before = wall - offsetAt(wall - DAY, timeZone);
  const after = wall - offsetAt(wall + DAY, timeZone);
  if (before === after) return before;
  const matches = [before, after, wall - offsetAt(wall, timeZone)].filter((t) => {
    const w = wallClock(t, timeZone);
    return w.year === year && w.month === month && w.day === day && w.hour === hour && w.minute === minute;
  });
  if (matches.length > 0) return Math.min(...matches);
  // A gap: the wall time never shows. The jump lies between the two readings; find it by bisection.
  let lo = Math.min(before, after);
  let hi = Math.max(before, after);
  const offsetLo = offsetAt(lo, timeZone);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (mid <= lo) break;
    if (offsetAt(mid, timeZone) === offsetLo) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** ISO weekday of a calendar date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(year: number, month: number, day: number): number {
  const w = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return w === 0 ? 7 : w;
}

/** Weekday names as `/digest` shows and accepts them, indexed by ISO weekday (1 = Monday). */
export const WEEKDAYS = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** A weekday from `1`–`7` or a name (`mon`, `Monday`), or null. */
export function parseWeekday(s: string | number | null | undefined): number | null {
  if (typeof s === 'number') return Number.isInteger(s) && s >= 1 && s <= 7 ? s : null;
  const t = (s ?? '').trim().toLowerCase();
  if (/^[1-7]$/.test(t)) return Number(t);
  if (t.length < 2) return null;
  const i = WEEKDAYS.findIndex((w, n) => n > 0 && w.toLowerCase().startsWith(t));
  return i > 0 ? i : null;
}

const checkWeekday = (weekday: number | null | undefined) => {
  if (weekday !== null && weekday !== undefined && parseWeekday(weekday) === null) throw new RangeError(`Not an ISO weekday (1-7): ${weekday}`);
  return weekday ?? null;
};

/**
 * The slots of the local dates from `at`'s local date, `step` days at a time (1 forward, -1 back),
 * keeping only `weekday` when one is given.
 */
function* slotsFrom(time: string, timeZone: string, at: Date, step: 1 | -1, weekday: number | null): Generator<number> {
  const t = parseClock(time);
  if (!t) throw new RangeError(`Not a 24-hour time: ${time}`);
  const start = parseIsoDate(localDate(at, timeZone))!;
  // Daily: the slot recurs within three dates. Weekly: within eight (the chosen day of this week may
  // have passed), plus one for a date a zone skipped (Samoa's 30 December 2011).
  const days = weekday === null ? 4 : 10;
  for (let i = 0; i < days; i++) {
    const d = new Date(Date.UTC(start.year, start.month - 1, start.day + i * step));
    const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    if (weekday !== null && isoWeekday(y, m, day) !== weekday) continue;
    yield daySlot(y, m, day, t.hour, t.minute, timeZone);
  }
}

/**
 * The next slot strictly after `after` for a local `HH:MM` in `timeZone`: every day, or only on
 * `weekday` (ISO, 1 = Monday) for a weekly schedule. Throws `RangeError` for a time that is not
 * `HH:MM` or a weekday outside 1–7.
 */
export function nextSlot(time: string, timeZone: string, after: Date, weekday?: number | null): Date {
  // The slot of the day before `after`'s local date is always earlier than `after`: start at that date.
  for (const slot of slotsFrom(time, timeZone, after, 1, checkWeekday(weekday))) if (slot > after.getTime()) return new Date(slot);
  throw new Error('unreachable: a local time recurs within a week and two days');
}

/**
 * The latest slot at or before `at` (daily, or on `weekday`): the slot a late ticker should deliver,
 * so one catch-up covers the whole gap.
 */
export function latestSlot(time: string, timeZone: string, at: Date, weekday?: number | null): Date {
  for (const slot of slotsFrom(time, timeZone, at, -1, checkWeekday(weekday))) if (slot <= at.getTime()) return new Date(slot);
  throw new Error('unreachable: a local time recurs within a week and two days');
}
