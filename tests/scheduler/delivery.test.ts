import { describe, expect, it } from 'vitest';
import { classifySendError, deliveryNonce } from '../../src/scheduler/delivery.ts';
import { cronFromClock } from '../../src/scheduler/scheduler.ts';

describe('delivery rules', () => {
  it('classifies Discord failures: 403/50001/50013 wait for an admin, 5xx/429/network are retried, the rest are fatal', () => {
    expect(classifySendError({ status: 403, code: 50013 })).toBe('forbidden');
    expect(classifySendError({ status: 404, code: 50001 })).toBe('forbidden');
    expect(classifySendError({ status: 500 })).toBe('transient');
    expect(classifySendError({ status: 429 })).toBe('transient');
    expect(classifySendError(new Error('socket hang up'))).toBe('transient');
    expect(classifySendError({ status: 400, code: 50035 })).toBe('fatal');
  });

  it('derives the same nonce for the same message on every try, within Discord’s 25 characters', () => {
    expect(deliveryNonce(12, 3)).toBe('dg12m3');
    expect(deliveryNonce(Number.MAX_SAFE_INTEGER, 9).length).toBeLessThanOrEqual(25);
  });

  it('turns a local time into a daily cron expression', () => {
    expect(cronFromClock('08:05')).toBe('5 8 * * *');
    expect(() => cronFromClock('8am')).toThrow(RangeError);
  });
});
