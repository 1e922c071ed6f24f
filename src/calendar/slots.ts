/**
 * Daily delivery slots: the instants at which a local `HH:MM` falls in an IANA zone, DST included.
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

/**
 * The next daily slot strictly after `after` for a local `HH:MM` in `timeZone`. Throws `RangeError`
 * for a time that is not `HH:MM`.
 */
export function nextSlot(time: string, timeZone: string, after: Date): Date {
  const t = parseClock(time);
  if (!t) throw new RangeError(`Not a 24-hour time: ${time}`);
  const start = parseIsoDate(localDate(after, timeZone))!;
  // The slot of the day before `after`'s local date is always earlier than `after`: start at that date.
  for (let i = 0; i < 4; i++) {
    const d = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
    const slot = daySlot(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), t.hour, t.minute, timeZone);
    if (slot > after.getTime()) return new Date(slot);
  }
  throw new Error('unreachable: a local time recurs within three days');
}

/** The latest slot at or before `at`: the slot a late ticker should deliver, so one catch-up covers the whole gap. */
export function latestSlot(time: string, timeZone: string, at: Date): Date {
  const t = parseClock(time);
  if (!t) throw new RangeError(`Not a 24-hour time: ${time}`);
  const start = parseIsoDate(localDate(at, timeZone))!;
  for (let i = 0; i > -4; i--) {
    const d = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
    const slot = daySlot(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), t.hour, t.minute, timeZone);
    if (slot <= at.getTime()) return new Date(slot);
  }
  throw new Error('unreachable: a local time recurs within three days');
}
