import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashKeyMap } from '../../src/content/dedupe.ts';

/** Keys as `smallHash` makes them (0 to 2^31 - 1), and small keys, which crowd a small table's slots. */
const key = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  fc.integer({ min: 0, max: 127 }).map((high) => high * 2 ** 24 + 7),
  fc.integer({ min: 0, max: 40 }),
);
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, value: fc.string({ maxLength: 3 }) }),
  fc.record({ kind: fc.constant('delete' as const), key }),
  fc.record({ kind: fc.constant('reserve' as const), key: fc.constant(0), size: fc.integer({ min: 0, max: 2000 }) }),
);

function expectSame(map: HashKeyMap<string>, model: Map<number, string>, probes: readonly number[]) {
  expect(map.size).toBe(model.size);
  for (const k of [...model.keys(), ...probes]) expect(map.get(k)).toBe(model.get(k));
}

describe('HashKeyMap — hashes to values in flat arrays', () => {
  it('GIVEN any sequence of sets, deletes and room reserved, keys crowding one slot included THEN it answers as a Map does', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const map = new HashKeyMap<string>();
        const model = new Map<number, string>();
        const seen: number[] = [];
        for (const o of ops) {
          if (o.kind === 'reserve') {
            map.reserve(o.size);
            continue;
          }
          seen.push(o.key);
          if (o.kind === 'set') {
            map.set(o.key, o.value);
            model.set(o.key, o.value);
          } else expect(map.delete(o.key)).toBe(model.delete(o.key));
        }
        expectSame(map, model, seen);
      }),
      { numRuns: 300 },
    );
  });

  it('GIVEN 50,000 keys, a third of them deleted, then some set again THEN every key answers as a Map does', () => {
    const map = new HashKeyMap<string>();
    const model = new Map<number, string>();
    const keys = Array.from({ length: 50_000 }, (_, i) => (i % 5 === 0 ? i : Math.floor((i * (2 ** 31 - 1)) / 50_000)));
    keys.forEach((k, i) => {
      map.set(k, `v${i}`);
      model.set(k, `v${i}`);
    });
    keys.forEach((k, i) => {
      if (i % 3 === 0) expect(map.delete(k)).toBe(model.delete(k));
    });
    keys.forEach((k, i) => {
      if (i % 9 === 0) {
        map.set(k, `again${i}`);
        model.set(k, `again${i}`);
      }
    });
    expectSame(map, model, keys);
    expect(map.delete(123)).toBe(false);
  });

  it('GIVEN a key that is no 31-bit hash THEN setting it is refused, and looking it up finds nothing', () => {
    const map = new HashKeyMap<string>();
    map.set(2 ** 31 - 1, 'top');
    for (const bad of [-1, 2 ** 31, 2 ** 40, 1.5, Number.NaN]) {
      expect(() => map.set(bad, 'x')).toThrow(RangeError);
      expect(map.get(bad)).toBeUndefined();
    }
    expect(map.get(2 ** 31 - 1)).toBe('top');
    expect(map.size).toBe(1);
  });
});
