import { describe, expect, it } from 'vitest';
import { firstSeenRun } from '../../src/db/digest-store.ts';

describe('firstSeenRun', () => {
  it('GIVEN ids joined by newlines and instants by commas THEN each id has its instant at its index, negative and fractional ones included', () => {
    const run = firstSeenRun(3, 'a/one\nb/two\nc/three', '1764000000123,-1000,12.5');
    expect(run.count).toBe(3);
    expect(run.ids.split('\n')).toEqual(['a/one', 'b/two', 'c/three']);
    expect([...run.firstSeen]).toEqual([1764000000123, -1000, 12.5]);
    expect(firstSeenRun(0, null, null)).toEqual({ count: 0, ids: '', firstSeen: new Float64Array(0) });
  });

  it('GIVEN ids and instants that do not add up THEN it throws, naming the counts', () => {
    expect(() => firstSeenRun(2, 'a\nb\nc', '1,2')).toThrow('first-seen rows do not add up (2 rows, 3 ids, 2 instants)');
    expect(() => firstSeenRun(2, 'a\nb', '1')).toThrow('(2 rows, 2 ids, 1 instants)');
    expect(() => firstSeenRun(1, 'a', 'soon')).toThrow('do not add up');
    expect(() => firstSeenRun(2, 'a\nb', '1,')).toThrow('do not add up');
  });
});
