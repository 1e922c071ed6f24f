/**
 * Calendar arithmetic in IANA time zones, with `Intl` only. A digest "day" is local midnight to
 * local midnight, which is 23 or 25 hours long on DST changes, never a fixed 24 h window.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a time zone `Intl` knows (`Europe/Paris`, `UTC`); false for `Mars/Base` or `+02:00`. */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone || typeof timeZone !== 'string') return false;
  try {
    partsFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallTime(instant: Date, timeZone: string): Wall {
  const out: Record<string, number> = {};
  for (const p of partsFormatter(timeZone).formatToParts(instant)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour! % 24, minute: out.minute!, second: out.second! };
}

/** Milliseconds the zone is ahead of UTC at `instant`. */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallTime(new Date(instant), timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which the local clock in `timeZone` shows the given wall time. A wall time that does
 * not exist (skipped by a DST jump) is shifted forward by the jump (02:30 becomes 03:30), as clocks do.
 */
export function zonedTime(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const first = guess - offsetAt(guess, timeZone);
  const second = guess - offsetAt(first, timeZone);
  if (first === second) return new Date(first);
  // The two guesses straddle a DST change: prefer the one whose wall time matches, else the later one.
  const w = wallTime(new Date(second), timeZone);
  return w.hour === hour && w.minute === minute ? new Date(second) : new Date(Math.max(first, second));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The local calendar date (`YYYY-MM-DD`) of `instant` in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  const w = wallTime(instant, timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/** A strict `YYYY-MM-DD` that exists on the calendar (`2026-02-30` does not), or null. */
export function parseIsoDate(s: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s?.trim() ?? '');
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return { year, month, day };
}

/** Local midnight to the next local midnight of `date` in `timeZone`. Throws on an invalid date. */
export function calendarDay(date: string, timeZone: string): { from: Date; to: Date } {
  const d = parseIsoDate(date);
  if (!d) throw new RangeError(`Not a calendar date: ${date}`);
  const next = new Date(Date.UTC(d.year, d.month - 1, d.day + 1));
  return {
    from: zonedTime(d.year, d.month, d.day, 0, 0, timeZone),
    to: zonedTime(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, timeZone),
  };
}

/**
 * The `days` local calendar days ending with `date` (inclusive) in `timeZone`: from the first day's local midnight to
 * the midnight after `date`. `days` 1 is `calendarDay`; 7 is the week a weekly digest read on that day covers.
 */
export function calendarDays(date: string, timeZone: string, days: number): { from: Date; to: Date } {
  const d = parseIsoDate(date);
  if (!d) throw new RangeError(`Not a calendar date: ${date}`);
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`Not a number of days: ${days}`);
  const first = new Date(Date.UTC(d.year, d.month - 1, d.day - (days - 1)));
  return {
    from: calendarDay(first.toISOString().slice(0, 10), timeZone).from,
    to: calendarDay(date, timeZone).to,
  };
}

/** A readable local date and time, e.g. `Sun 22 Nov 2026, 08:00 (Europe/Paris)`. */
export function formatInZone(instant: Date, timeZone: string, options: { time?: boolean } = {}): string {
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    ...(options.time === false ? {} : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' as const }),
  }).format(instant);
  return `${text} (${timeZone})`;
}

/** A long date for headers, e.g. `Saturday 21 November 2026`. */
export function formatLongDate(date: string): string {
  const d = parseIsoDate(date);
  if (!d) return date;
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(Date.UTC(d.year, d.month - 1, d.day))).replace(',', '');
}
