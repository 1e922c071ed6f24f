/**
 * Strict article dates. A date decides where an article sits in every listing and digest, so it must
 * be one real instant, the same on every server: a real calendar date, written as ISO 8601, in a
 * documented range. Anything else is refused with a reason rather than shifted or guessed.
 */

/** The earliest accepted publication date. */
export const EARLIEST_DATE = new Date('1990-01-01T00:00:00Z');

/** How far after `now` a date may be: a day covers every time zone and a feed that runs slightly ahead. */
export const MAX_AHEAD_MS = 24 * 60 * 60 * 1000;

/** What a date is checked against: the current time (passed in, never read here) and the zone of zoneless times. */
export interface DateRules {
  now: Date;
  /** IANA zone for a timestamp written without one (default UTC). */
  timeZone?: string;
}

/** A date, or the reason it is refused. */
export type DateResult = { ok: true; date: Date } | { ok: false; reason: string };

/**
 * `YYYY-MM-DD`, optionally followed by `T` or spaces and `HH:MM[:SS[.fraction]]`, optionally followed
 * by `Z` or an offset (`+02:00`, `+0200`, `-5`). The YAML timestamp forms are all covered.
 */
const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:[ \t]*(Z|z|[+-]\d{1,2}(?::?\d{2})?))?)?$/;

const HINT = 'use an ISO 8601 timestamp such as 2026-01-21T11:59:59Z';

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** The offset of `zone` from UTC at `instant`, in milliseconds. */
function zoneOffset(zone: string, instant: number): number {
  let format = zoneFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    zoneFormats.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return local - (instant - (instant % 1000));
}

/** The instant at which the wall clock in `zone` reads `wall` (a UTC-based millisecond count); a skipped DST hour moves forward. */
function fromWallTime(wall: number, zone: string): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return wall;
  const first = wall - zoneOffset(zone, wall);
  const second = wall - zoneOffset(zone, first);
  return first === second ? first : Math.max(first, second);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/**
 * Parses one front-matter date strictly. Only text is accepted: a number or a boolean is a mistake,
 * not an epoch (`0` would be 1970). A time without a zone is wall time in `rules.timeZone` (UTC by
 * default). The result must lie between 1990-01-01 and one day after `rules.now`.
 */
export function parseArticleDate(value: unknown, rules: DateRules): DateResult {
  if (typeof value === 'boolean') return { ok: false, reason: `${value} is not a date: ${HINT}` };
  if (typeof value === 'number') return { ok: false, reason: `a number is not a date (${describe(value)}): ${HINT}` };
  let instant: number;
  if (value instanceof Date) {
    instant = value.getTime();
    if (Number.isNaN(instant)) return { ok: false, reason: `Not a date: ${HINT}` };
  } else if (typeof value === 'string') {
    const m = ISO.exec(value.trim());
    if (!m) return { ok: false, reason: `Not a date: ${describe(value)}; ${HINT}` };
    const [, y, mo, d, h, mi, s, fraction, zone] = m;
    const year = Number(y);
    const month = Number(mo);
    const day = Number(d);
    // Checked first: Date.UTC reads years 0–99 as 1900–1999.
    if (year < 1989) return { ok: false, reason: `${describe(value)} is before 1990-01-01, the earliest accepted date` };
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return { ok: false, reason: `${describe(value)} is not a real calendar date` };
    const hour = Number(h ?? 0);
    const minute = Number(mi ?? 0);
    const second = Number(s ?? 0);
    if (hour > 23 || minute > 59 || second > 59) return { ok: false, reason: `${describe(value)} is not a real time of day` };
    const ms = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0;
    const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    if (zone === undefined) instant = fromWallTime(wall, rules.timeZone ?? 'UTC');
    else if (zone === 'Z' || zone === 'z') instant = wall;
    else {
      const sign = zone.startsWith('-') ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      const offsetHours = Number(digits.length <= 2 ? digits : digits.slice(0, -2));
      const offsetMinutes = digits.length <= 2 ? 0 : Number(digits.slice(-2));
      if (offsetHours > 18 || offsetMinutes > 59) return { ok: false, reason: `${describe(value)} has an impossible UTC offset` };
      instant = wall - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
    }
  } else {
    return { ok: false, reason: `Not a date (${Array.isArray(value) ? 'a list' : typeof value}): ${HINT}` };
  }
  if (instant < EARLIEST_DATE.getTime()) return { ok: false, reason: `${new Date(instant).toISOString()} is before 1990-01-01, the earliest accepted date` };
  if (instant > rules.now.getTime() + MAX_AHEAD_MS) return { ok: false, reason: `${new Date(instant).toISOString()} is more than a day after now (${rules.now.toISOString()})` };
  return { ok: true, date: new Date(instant) };
}
