import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createRequestPacer } from '../../src/discord/request-pacer.ts';

/** The most release instants found in any window of `windowMs` (half-open, starting at each release). */
function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j]! <= times[i]! - windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** Holds the event loop, as a long synchronous step would. */
const block = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('request pacer', () => {
  it('GIVEN 60 requests at once THEN no rolling window holds more than the limit, releases are evenly spaced, and all go out at about the limit rate', async () => {
    const pacer = createRequestPacer({ perWindow: 10, windowMs: 200 });
    const times: number[] = [];
    const start = performance.now();
    // Release instants on the pacer's own clock: a test callback may run late on a busy machine, a release may not.
    await Promise.all(Array.from({ length: 60 }, () => pacer.acquire().then((at) => void times.push(at))));
    times.sort((a, b) => a - b);
    expect(busiestWindow(times, 200)).toBeLessThanOrEqual(10);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(10 - 0.5);
    // 59 gaps of 20 ms: about 1.2 s; slower only if the machine is.
    expect(times.at(-1)! - start).toBeGreaterThanOrEqual(59 * 20 - 60);
    expect(pacer.waiting).toBe(0);
  });

  it('GIVEN the event loop blocked while requests wait THEN they do not leave together afterwards: still no window over the limit', async () => {
    const pacer = createRequestPacer({ perWindow: 10, windowMs: 200 });
    const times: number[] = [];
    const all = Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        pacer.acquire().then((at) => {
          times.push(at);
          // Two long stalls in the middle of the run.
          if (i === 5 || i === 20) block(150);
        }),
      ),
    );
    await all;
    times.sort((a, b) => a - b);
    expect(busiestWindow(times, 200)).toBeLessThanOrEqual(10);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(10 - 0.5);
  });

  it('GIVEN a waiting request whose signal aborts THEN it is rejected with the reason and leaves the queue; the others still go', async () => {
    const pacer = createRequestPacer({ perWindow: 2, windowMs: 1000 });
    await pacer.acquire();
    const controller = new AbortController();
    const aborted = pacer.acquire(controller.signal);
    const next = pacer.acquire();
    expect(pacer.waiting).toBe(2);
    controller.abort(new Error('timed out'));
    await expect(aborted).rejects.toThrow('timed out');
    expect(pacer.waiting).toBe(1);
    await next;
    expect(pacer.waiting).toBe(0);
  });
});
