import { describe, expect, it } from 'vitest';
import { EPHEMERAL_FLAG } from '../../src/payload/types.ts';
import { validateMessage } from '../../src/payload/validate.ts';
import { loadPercent, renderLoading } from '../../src/render/loading.ts';

describe('renderLoading', () => {
  it('GIVEN 43 of 100 files read THEN an ephemeral "Loading the archive: 43%…" that mentions nobody and passes the limits', () => {
    const p = renderLoading({ done: 43, total: 100 });
    expect(p.content).toMatch(/^Loading the archive: 43%… /);
    expect(p.flags).toBe(EPHEMERAL_FLAG);
    expect(p.allowed_mentions).toEqual({ parse: [] });
    expect(validateMessage(p)).toEqual([]);
  });

  it('GIVEN the folder still being listed, or every file read but the index not built THEN 0% and 99%, never 100%', () => {
    expect(loadPercent({ done: 0, total: 0 })).toBe(0);
    expect(loadPercent({ done: 5, total: 0 })).toBe(0);
    expect(loadPercent({ done: 1, total: 3 })).toBe(33);
    expect(loadPercent({ done: 100_000, total: 100_000 })).toBe(99);
  });
});
