import { afterEach, describe, expect, it } from 'vitest';
import { startHealthMonitor, type HealthMonitor, type HealthSample } from '../src/health.ts';
import { waitFor } from './support/wait-for.ts';

/** Holds the event loop for `ms`, as a synchronous composition or a long SQLite write would. */
const blockLoop = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Busy on purpose: nothing else may run.
  }
};

const monitors: HealthMonitor[] = [];
afterEach(() => {
  while (monitors.length) monitors.pop()!.stop();
});

function start(intervalMs: number) {
  const records: Array<{ obj: HealthSample; msg?: string }> = [];
  const monitor = startHealthMonitor({ logger: { info: (obj, msg) => records.push({ obj: obj as HealthSample, msg }) }, intervalMs });
  monitors.push(monitor);
  return { monitor, records };
}

describe('health monitor', () => {
  it('GIVEN the event loop blocked for 150 ms THEN that interval reports a delay of at least 100 ms, and the next interval starts afresh', async () => {
    const { monitor } = start(60_000);
    // The monitor measures between two firings of its 10 ms timer: let it fire once before the block.
    await new Promise<void>((r) => setTimeout(r, 25));
    blockLoop(150);
    // The monitor's timer (every 10 ms) runs before this later one, so the block is recorded by then.
    await new Promise<void>((r) => setTimeout(r, 30));
    const blocked = monitor.sample();
    expect(blocked.eventLoopDelayMaxMs).toBeGreaterThanOrEqual(100);
    expect(blocked.rssMb).toBeGreaterThan(0);

    await new Promise<void>((r) => setTimeout(r, 60));
    const calm = monitor.sample();
    expect(calm.eventLoopDelayMaxMs).toBeLessThan(blocked.eventLoopDelayMaxMs);
  });

  it('GIVEN an interval THEN it logs one "health" record per interval with the delay and memory figures', async () => {
    const { records } = start(40);
    await waitFor(() => records.length >= 2, { what: 'two health records', timeout: 5000 });
    expect(records[0]!.msg).toBe('health');
    expect(Object.keys(records[0]!.obj).sort()).toEqual(['eventLoopDelayMaxMs', 'eventLoopDelayP99Ms', 'heapUsedMb', 'intervalMs', 'rssMb']);
    expect(records[0]!.obj.rssMb).toBeGreaterThan(0);
    expect(records[0]!.obj.intervalMs).toBeGreaterThanOrEqual(35);
  });

  it('GIVEN it is stopped THEN it logs nothing more', async () => {
    const { monitor, records } = start(20);
    await waitFor(() => records.length >= 1, { what: 'a health record' });
    monitor.stop();
    const count = records.length;
    // A later timer of the test itself proves time passed; the stopped monitor must not have logged.
    await new Promise<void>((r) => setTimeout(r, 80));
    expect(records.length).toBe(count);
  });
});
