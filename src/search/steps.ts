/**
 * Jobs in steps: a generator that yields between slices of its work (checking a snapshot, joining
 * shares, absorbing an index), so that a caller on the event loop can let commands be answered
 * between slices, and a caller with nothing to answer can run it through at once.
 */

/** Runs `steps` to its end with no pause; returns what it returns. */
export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs `steps` to its end, awaiting `pause` at each of its yields; resolves with what it returns. */
export async function runStepsPausing<T>(steps: Generator<void, T>, pause: () => Promise<void>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}
