import { describe, expect, it } from 'vitest';
import { runSteps, runStepsPausing } from '../../src/search/steps.ts';

function* threeSlices(log: string[]): Generator<void, string> {
  for (const slice of ['a', 'b', 'c']) {
    log.push(slice);
    if (slice !== 'c') yield;
  }
  return 'done';
}

describe('jobs in steps', () => {
  it('GIVEN a job of three slices THEN running it through does every slice and returns its value', () => {
    const log: string[] = [];
    expect(runSteps(threeSlices(log))).toBe('done');
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('GIVEN a job of three slices THEN running it with pauses awaits one pause between each two slices', async () => {
    const log: string[] = [];
    const value = await runStepsPausing(threeSlices(log), async () => void log.push('pause'));
    expect(value).toBe('done');
    expect(log).toEqual(['a', 'pause', 'b', 'pause', 'c']);
  });
});
