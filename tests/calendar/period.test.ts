import { describe, expect, it } from 'vitest';
import { nextRunAt, parseClock, previousRunAt } from '../../src/calendar/clock.ts';
import { calendarDay, calendarDays, formatLongDate, isValidTimeZone, localDate, parseIsoDate } from '../../src/calendar/period.ts';

const hours = (r: { from: Date; to: Date }) => (r.to.getTime() - r.from.getTime()) / 3_600_000;

describe('period', () => {
  it('GIVEN DST days THEN a calendar day is 23 or 25 hours', () => {
    expect(hours(calendarDay('2026-03-29', 'Europe/Paris'))).toBe(23);
    expect(hours(calendarDay('2026-10-25', 'Europe/Paris'))).toBe(25);
    expect(hours(calendarDay('2026-03-08', 'America/New_York'))).toBe(23);
    expect(hours(calendarDay('2026-11-01', 'America/New_York'))).toBe(25);
    expect(calendarDay('2026-11-21', 'Europe/Paris')).toEqual({ from: new Date('2026-11-20T23:00:00Z'), to: new Date('2026-11-21T23:00:00Z') });
  });

  it('GIVEN an instant near midnight THEN its local date depends on the zone', () => {
    const instant = new Date('2026-11-21T16:00:00Z');
    expect(localDate(instant, 'UTC')).toBe('2026-11-21');
    expect(localDate(instant, 'Asia/Tokyo')).toBe('2026-11-22');
    expect(localDate(new Date('2026-11-21T03:00:00Z'), 'America/Los_Angeles')).toBe('2026-11-20');
  });

  it('validates zones, dates and clock times', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(parseIsoDate('2026-02-30')).toBeNull();
    expect(parseIsoDate('2026-2-3')).toBeNull();
    expect(parseIsoDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseClock('08:00')).toEqual({ hour: 8, minute: 0 });
    expect(parseClock('24:00')).toBeNull();
    expect(parseClock('8am')).toBeNull();
  });

  it('GIVEN a DST change THEN the next run keeps the local time', () => {
    // 08:00 in Paris is 07:00 UTC in winter and 06:00 UTC in summer.
    expect(nextRunAt({ hour: 8, minute: 0 }, 'Europe/Paris', new Date('2026-03-28T08:00:00Z'))).toEqual(new Date('2026-03-29T06:00:00Z'));
    expect(nextRunAt({ hour: 8, minute: 0 }, 'Europe/Paris', new Date('2026-10-24T07:00:00Z'))).toEqual(new Date('2026-10-25T07:00:00Z'));
    expect(previousRunAt({ hour: 8, minute: 0 }, 'Europe/Paris', new Date('2026-11-22T06:59:00Z'))).toEqual(new Date('2026-11-21T07:00:00Z'));
  });

  it('formats long dates for headers', () => {
    expect(formatLongDate('2026-11-21')).toBe('Saturday 21 November 2026');
  });
});

describe('calendarDays', () => {
  it('is calendarDay for one day, and 7 local days ending with the date across the October DST change (169 hours)', () => {
    expect(calendarDays('2026-11-21', 'UTC', 1)).toEqual(calendarDay('2026-11-21', 'UTC'));
    const week = calendarDays('2026-10-31', 'Europe/Berlin', 7);
    expect(week.from.toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(week.to.toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect((week.to.getTime() - week.from.getTime()) / 3_600_000).toBe(169);
    expect(() => calendarDays('2026-02-30', 'UTC', 7)).toThrow('Not a calendar date');
    expect(() => calendarDays('2026-11-21', 'UTC', 0)).toThrow('Not a number of days');
  });
});
