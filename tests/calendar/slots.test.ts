import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { latestSlot, nextSlot, wallClock } from '../../src/calendar/slots.ts';

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
