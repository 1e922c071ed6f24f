/**
 * Paces requests so that at most `perWindow` go out in any rolling window of `windowMs`, counted by
 * the instant each is actually released, not when it was queued. A counter that resets once a second
 * (what @discordjs/rest keeps) lets a full second's worth through at the end of one window and again
 * at the start of the next; and when the event loop stalls, requests queued meanwhile leave together.
 * Either way Discord, whose window starts at its own instant, can count more than 50 in one second and
 * answer a global 429. Here releases are spread evenly (one every `windowMs / perWindow`) and a log of
 * the last `perWindow` release instants makes sure no window ever holds more, whatever the timers did.
 */
import { performance } from 'node:perf_hooks';

/** A pacer: `acquire` resolves when one more request may go out now. */
export interface RequestPacer {
  /**
   * Waits for a turn and resolves with the instant (on the pacer's clock) it was given; rejects (with
   * the signal's reason, an `AbortError`) if `signal` aborts first.
   */
  acquire(signal?: AbortSignal): Promise<number>;
  /** Requests waiting for a turn. */
  readonly waiting: number;
}

interface Waiter {
  resolve(at: number): void;
  reject(err: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * Creates a pacer. `now` (ms, monotonic) is for tests. After a stall the pacer catches up, but never
 * faster than one release every half spacing, and never beyond `perWindow` in any window.
 */
export function createRequestPacer(options: { perWindow: number; windowMs?: number; now?: () => number }): RequestPacer {
  const windowMs = options.windowMs ?? 1000;
  const perWindow = Math.max(1, Math.floor(options.perWindow));
  const now = options.now ?? (() => performance.now());
  const spacing = windowMs / perWindow;
  /** Release instants, oldest first; only the last `perWindow` matter. */
  const log: number[] = [];
  const queue: Waiter[] = [];
  /** The evenly spaced instant the last release was due at (its actual instant may be a little later). */
  let target = -Infinity;
  let timer: NodeJS.Timeout | null = null;

  /** The earliest instant the next release may happen. */
  const dueAt = (t: number): number => (t - (target + spacing) > windowMs ? t : target + spacing);
  const nextAt = (t: number): number => {
    // A late timer is made up for (the cadence does not drift), but a long pause earns no credit.
    const due = dueAt(t);
    const last = log.length > 0 ? log[log.length - 1]! + spacing / 2 : -Infinity;
    const window = log.length >= perWindow ? log[log.length - perWindow]! + windowMs : -Infinity;
    return Math.max(due, last, window);
  };

  const pump = () => {
    timer = null;
    while (queue.length > 0) {
      const t = now();
      const at = nextAt(t);
      if (at > t) {
        // Timers may fire a little early or late; the next pump checks the real clock again.
        timer = setTimeout(pump, Math.max(1, Math.ceil(at - t)));
        return;
      }
      const w = queue.shift()!;
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      target = dueAt(t);
      log.push(t);
      if (log.length > perWindow) log.shift();
      w.resolve(t);
    }
  };

  return {
    acquire(signal?: AbortSignal): Promise<number> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<number>((resolve, reject) => {
        const w: Waiter = { resolve, reject, signal };
        if (signal) {
          w.onAbort = () => {
            const i = queue.indexOf(w);
            if (i >= 0) queue.splice(i, 1);
            reject(signal.reason);
          };
          signal.addEventListener('abort', w.onAbort, { once: true });
        }
        queue.push(w);
        if (!timer) pump();
      });
    },
    get waiting() {
      return queue.length;
    },
  };
}
