import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoWeekday, latestSlot, nextSlot, parseWeekday, wallClock } from '../../src/calendar/slots.ts';

const HOUR = 3_600_000;
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'America/Havana', 'Africa/Casablanca', 'Asia/Tehran', 'Europe/London', 'Pacific/Apia'];

describe('daily slots', () => {
  it('GIVEN 02:30 in Paris on the day DST skips that hour THEN the slot is 03:00 local that day, not the next day', () => {
    expect(nextSlot('02:30', 'Europe/Paris', new Date('2026-03-28T12:00:00Z'))).toEqual(new Date('2026-03-29T01:00:00Z'));
    expect(nextSlot('02:30', 'Europe/Paris', new Date('2026-03-29T01:00:00Z'))).toEqual(new Date('2026-03-30T00:30:00Z'));
  });

  it('GIVEN a time in the hour repeated when DST ends THEN it runs once, at the first occurrence', () => {
    const first = nextSlot('02:30', 'Europe/Paris', new Date('2026-10-24T12:00:00Z'));
    expect(first).toEqual(new Date('2026-10-25T00:30:00Z'));
    expect(nextSlot('02:30', 'Europe/Paris', first)).toEqual(new Date('2026-10-26T01:30:00Z'));
  });

  it('GIVEN the bot was down for days THEN the latest slot is the last one that passed', () => {
    expect(latestSlot('08:00', 'UTC', new Date('2026-11-22T12:00:00Z'))).toEqual(new Date('2026-11-22T08:00:00Z'));
    expect(latestSlot('08:00', 'UTC', new Date('2026-11-22T08:00:00Z'))).toEqual(new Date('2026-11-22T08:00:00Z'));
    expect(() => nextSlot('8am', 'UTC', new Date())).toThrow(RangeError);
  });

  it('GIVEN any zone, date and time THEN the next slot is after, within about a day, on the chosen wall time unless that time is skipped', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1995, 0, 1), max: Date.UTC(2040, 0, 1) }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (zone, afterMs, hour, minute) => {
          const time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
          const after = new Date(afterMs);
          const slot = nextSlot(time, zone, after);
          expect(slot.getTime()).toBeGreaterThan(afterMs);
          expect(slot.getTime() - afterMs).toBeLessThanOrEqual(26 * HOUR);
          const wall = wallClock(slot.getTime(), zone);
          if (wall.hour !== hour || wall.minute !== minute) {
            // Skipped by a DST jump: the slot is the jump itself (the zone's offset changes there), the first valid minute after it.
            const offset = (t: number) => {
              const w = wallClock(t, zone);
              return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - t;
            };
            expect(offset(slot.getTime() - 1000)).toBeLessThan(offset(slot.getTime()));
          }
          // Nothing earlier after `after` shows that wall time: the slot is the next one.
          const previous = latestSlot(time, zone, new Date(slot.getTime() - 1));
          expect(previous.getTime()).toBeLessThanOrEqual(afterMs);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('weekly slots', () => {
  const MONDAY = 1;
  const SUNDAY = 7;

  it('GIVEN Mondays 08:00 in Berlin across the end of DST THEN each slot is 08:00 local, 169 hours apart that week and 168 the next', () => {
    // Monday 19 October 2026 is CEST (UTC+2); DST ends Sunday 25 October; Monday 26 October is CET (UTC+1).
    const first = nextSlot('08:00', 'Europe/Berlin', new Date('2026-10-15T12:00:00Z'), MONDAY);
    expect(first).toEqual(new Date('2026-10-19T06:00:00Z'));
    const second = nextSlot('08:00', 'Europe/Berlin', first, MONDAY);
    expect(second).toEqual(new Date('2026-10-26T07:00:00Z'));
    expect(second.getTime() - first.getTime()).toBe(169 * HOUR);
    expect(nextSlot('08:00', 'Europe/Berlin', second, MONDAY).getTime() - second.getTime()).toBe(168 * HOUR);
    expect(latestSlot('08:00', 'Europe/Berlin', new Date('2026-10-26T06:59:59Z'), MONDAY)).toEqual(first);
  });

  it('GIVEN Sundays 02:30 in New York on the day DST skips that hour THEN the slot is 03:00 local that Sunday, and the next is a week later at 02:30', () => {
    const jump = nextSlot('02:30', 'America/New_York', new Date('2026-03-05T00:00:00Z'), SUNDAY);
    expect(jump).toEqual(new Date('2026-03-08T07:00:00Z'));
    expect(nextSlot('02:30', 'America/New_York', jump, SUNDAY)).toEqual(new Date('2026-03-15T06:30:00Z'));
  });

  it('GIVEN a weekly slot missed by a long downtime THEN the latest slot is the last chosen weekday that passed', () => {
    expect(latestSlot('08:00', 'UTC', new Date('2026-12-10T12:00:00Z'), MONDAY)).toEqual(new Date('2026-12-07T08:00:00Z'));
    expect(latestSlot('08:00', 'UTC', new Date('2026-12-07T08:00:00Z'), MONDAY)).toEqual(new Date('2026-12-07T08:00:00Z'));
    expect(() => nextSlot('08:00', 'UTC', new Date(), 8)).toThrow(RangeError);
  });

  it('reads weekdays by number or name', () => {
    expect([parseWeekday('mon'), parseWeekday('Sunday'), parseWeekday('3'), parseWeekday(5), parseWeekday('x'), parseWeekday('t'), parseWeekday(0)]).toEqual([1, 7, 3, 5, null, null, null]);
  });

  it('GIVEN any zone, date, weekday and time THEN the next weekly slot is after, within about 8 days, on the chosen weekday and wall time unless a DST jump skips it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1995, 0, 1), max: Date.UTC(2040, 0, 1) }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (zone, afterMs, weekday, hour, minute) => {
          const time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
          const slot = nextSlot(time, zone, new Date(afterMs), weekday);
          expect(slot.getTime()).toBeGreaterThan(afterMs);
          expect(slot.getTime() - afterMs).toBeLessThanOrEqual(8 * 24 * HOUR + 2 * HOUR);
          const wall = wallClock(slot.getTime(), zone);
          if (wall.hour !== hour || wall.minute !== minute || isoWeekday(wall.year, wall.month, wall.day) !== weekday) {
            // Skipped by a DST jump (or a skipped date): the slot is the jump itself, where the offset changes.
            const offset = (t: number) => {
              const w = wallClock(t, zone);
              return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - t;
            };
            expect(offset(slot.getTime() - 1000)).toBeLessThan(offset(slot.getTime()));
          }
          expect(latestSlot(time, zone, new Date(slot.getTime() - 1), weekday).getTime()).toBeLessThanOrEqual(afterMs);
          expect(latestSlot(time, zone, slot, weekday)).toEqual(slot);
        },
      ),
      { numRuns: 300 },
    );
  });
});
