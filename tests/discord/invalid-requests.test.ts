import { describe, expect, it } from 'vitest';
import { createInvalidRequestMonitor } from '../../src/discord/invalid-requests.ts';

/** A monitor on a hand-moved clock, with its warnings collected. */
function monitorAt(start = 0) {
  let now = start;
  const warnings: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
  const monitor = createInvalidRequestMonitor({ logger: { warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }) }, now: () => now });
  return { monitor, warnings, advance: (ms: number) => void (now += ms) };
}

describe('invalid-request monitor (401, 403, 429 over a sliding 10 minutes)', () => {
  it('GIVEN 5,000 refusals within 10 minutes THEN one warning at the 5,000th, none for the ones after', () => {
    const { monitor, warnings, advance } = monitorAt();
    for (let i = 0; i < 4999; i++) {
      monitor.record([401, 403, 429][i % 3]!);
      advance(100);
    }
    expect(warnings).toEqual([]);
    monitor.record(403);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ invalidRequests: 5000, limit: 10_000, windowMinutes: 10 });
    for (let i = 0; i < 100; i++) monitor.record(429);
    expect(warnings).toHaveLength(1);
  });

  it('GIVEN other statuses THEN they are not counted', () => {
    const { monitor } = monitorAt();
    for (const s of [200, 204, 400, 404, 500, 502]) monitor.record(s);
    expect(monitor.count()).toBe(0);
  });

  it('GIVEN refusals older than 10 minutes THEN they drop out of the count; a second crossing warns again', () => {
    const { monitor, warnings, advance } = monitorAt(1_000_000);
    for (let i = 0; i < 5000; i++) monitor.record(403);
    expect(warnings).toHaveLength(1);
    advance(10 * 60_000 - 1);
    expect(monitor.count()).toBe(5000);
    advance(1);
    expect(monitor.count()).toBe(0);
    for (let i = 0; i < 4999; i++) monitor.record(401);
    expect(warnings).toHaveLength(1);
    monitor.record(401);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]!.obj).toMatchObject({ byStatus: { 401: 5000, 403: 0, 429: 0 } });
  });
});
