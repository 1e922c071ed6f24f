/**
 * The bot process's health figures, logged at a fixed interval as one JSON record each
 * (`{"msg":"health","eventLoopDelayMaxMs":…,"rssMb":…}`), so an operator or the burst benchmark can
 * see from the log alone whether the event loop was ever blocked and how much memory the process holds.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** How often the event-loop monitor's timer fires; every delay figure is measured against it. */
export const EVENT_LOOP_RESOLUTION_MS = 10;

/** One interval's figures. */
export interface HealthSample {
  /** The longest the event loop was late to run a timer during the interval, in ms. */
  eventLoopDelayMaxMs: number;
  /** The 99th percentile of the same delays, in ms. */
  eventLoopDelayP99Ms: number;
  /** Resident memory at the end of the interval, in MB. */
  rssMb: number;
  /** JavaScript heap in use at the end of the interval, in MB. */
  heapUsedMb: number;
  /** How long the interval was, in ms (a late timer makes it longer than asked). */
  intervalMs: number;
}

/** The logging the monitor needs (a pino logger fits). */
export interface HealthLogger {
  info(obj: object, msg?: string): void;
}

/** A running monitor. */
export interface HealthMonitor {
  /** Takes the figures since the last sample (or the start) and starts a new interval. */
  sample(): HealthSample;
  /** Stops the timer and the event-loop monitor. */
  stop(): void;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Starts measuring the event-loop delay (`monitorEventLoopDelay`) and, every `intervalMs`, logs
 * `health` with that interval's longest delay and the process's memory, then resets the histogram so
 * each record speaks for its own interval. The timer is unref'd: it never keeps the process alive.
 */
export function startHealthMonitor(options: { logger: HealthLogger; intervalMs: number }): HealthMonitor {
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  histogram.enable();
  let since = performance.now();
  // The histogram records the whole time between two firings of its timer, resolution included:
  // what the loop owed is the excess over the resolution.
  const delayMs = (ns: number) => (Number.isFinite(ns) && ns > 0 ? round1(Math.max(0, ns / 1e6 - EVENT_LOOP_RESOLUTION_MS)) : 0);

  const sample = (): HealthSample => {
    const now = performance.now();
    const memory = process.memoryUsage();
    const out: HealthSample = {
      eventLoopDelayMaxMs: delayMs(histogram.max),
      eventLoopDelayP99Ms: delayMs(histogram.percentile(99)),
      rssMb: mb(memory.rss),
      heapUsedMb: mb(memory.heapUsed),
      intervalMs: Math.round(now - since),
    };
    histogram.reset();
    since = now;
    return out;
  };
  const timer = setInterval(() => options.logger.info(sample(), 'health'), options.intervalMs);
  timer.unref();
  return {
    sample,
    stop() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}
