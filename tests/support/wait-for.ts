import type { EventEmitter } from 'node:events';

/** How long a wait may take; generous because the test machine is shared and timings are noisy. */
export interface WaitOptions {
  /** Give up after this many milliseconds (default 5000). */
  timeout?: number;
  /** Check again after this many milliseconds (default 10). */
  interval?: number;
  /** Said in the error when the wait gives up, so a failure names what never happened. */
  what?: string;
}

/**
 * Polls `predicate` until it returns a truthy value and resolves with that value; rejects after
 * `timeout`. A poll, not a fixed sleep: it returns as soon as the condition holds.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const { timeout = 5000, interval = 10, what = 'condition' } = options;
  const end = Date.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= end) throw new Error(`${what} not met within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Anything with `on`/`off`, typed loosely so discord.js clients and Node emitters both fit. */
type Listenable = Pick<EventEmitter, 'on' | 'off'>;

/**
 * Resolves with the arguments of the next `event` on `emitter` for which `filter` holds; rejects
 * after `timeout`. Call it before the action that causes the event, then await it after, so the
 * event cannot slip past before the listener is attached.
 */
export function nextEvent<A extends unknown[] = unknown[]>(
  emitter: Listenable,
  event: string,
  filter: (...args: A) => boolean = () => true,
  options: Pick<WaitOptions, 'timeout'> = {},
): Promise<A> {
  const { timeout = 5000 } = options;
  return new Promise<A>((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      if (!filter(...(args as A))) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as A);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no ${event} event within ${timeout} ms`));
    }, timeout);
    emitter.on(event, listener);
  });
}
