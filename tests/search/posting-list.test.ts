import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstGap, PostingBytesError, PostingList, PostingReader, putVarint, varintSize } from '../../src/search/posting-list.ts';

/** Every posting of a list, read back. */
function read(list: PostingList): Array<[doc: number, weight: number]> {
  const out: Array<[number, number]> = [];
  const r = new PostingReader(list.bytes, 0, list.used);
  while (r.next()) out.push([r.doc, r.weight]);
  return out;
}

/** Increasing documents (gaps of 1 to 4 varint bytes, all below 2^31) with weights up to 16 bits. */
const postings = fc
  .array(fc.tuple(fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 10_000_000 })), fc.integer({ min: 0, max: 65_535 })), { maxLength: 200 })
  .map((gaps) => {
    let doc = -1;
    return gaps.map(([gap, weight]): [number, number] => [(doc += gap), weight]);
  });

/** Appends `list` to `p` in runs cut at `cuts`. */
function appendInRuns(p: PostingList, list: Array<[number, number]>, cuts: number[]) {
  const bounds = [...new Set([0, ...cuts.map((c) => c % (list.length + 1)), list.length])].sort((a, b) => a - b);
  for (let k = 0; k + 1 < bounds.length; k++) {
    const run = list.slice(bounds[k], bounds[k + 1]);
    p.appendRun(Int32Array.from(run, ([d]) => d), Uint16Array.from(run, ([, w]) => w));
  }
}

describe('varints', () => {
  it('GIVEN any 32-bit number THEN it is written in varintSize bytes and read back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.tuple(fc.nat({ max: 1 }), fc.nat()).map(([high, low]) => high * 2 ** 31 + low), (gap, weight) => {
        const bytes = new Uint8Array(10);
        const end = putVarint(bytes, putVarint(bytes, 0, gap), weight);
        expect(end).toBe(varintSize(gap) + varintSize(weight));
        expect(firstGap(bytes.subarray(0, end))).toEqual({ doc: gap - 1, length: varintSize(gap) });
        const r = new PostingReader(bytes, 0, end);
        expect(r.next()).toBe(true);
        expect([r.doc, r.weight, r.at]).toEqual([gap - 1, weight, end]);
        expect(r.next()).toBe(false);
      }),
    );
  });

  it('GIVEN bytes cut inside a number, or a gap of 0 THEN reading them fails with PostingBytesError', () => {
    expect(() => new PostingReader(Uint8Array.of(0x80)).next()).toThrow(PostingBytesError);
    expect(() => new PostingReader(Uint8Array.of(0x05, 0xff, 0xff)).next()).toThrow(/runs past its list/);
    expect(() => new PostingReader(Uint8Array.of(0x00, 0x01)).next()).toThrow(/gap of 0/);
    expect(() => new PostingReader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01)).next()).toThrow(PostingBytesError);
  });
});

describe('posting lists', () => {
  it('GIVEN postings appended in any runs THEN they read back in order, with their count and last document', () => {
    fc.assert(
      fc.property(postings, fc.array(fc.nat(), { maxLength: 6 }), (list, cuts) => {
        const p = new PostingList();
        appendInRuns(p, list, cuts);
        expect(read(p)).toEqual(list);
        expect(p.length).toBe(list.length);
        expect(p.last).toBe(list.at(-1)?.[0] ?? -1);
        expect(p.used).toBe(list.reduce((n, [d], i) => n + varintSize(d - (i === 0 ? -1 : list[i - 1]![0])) + varintSize(list[i]![1]), 0));
        p.trim();
        expect(read(p)).toEqual(list);
      }),
    );
  });

  it('GIVEN a list and another one (a snapshot’s) shifted past it THEN appending gives both, the second renumbered', () => {
    fc.assert(
      fc.property(postings, postings, fc.nat({ max: 1000 }), (head, tail, spare) => {
        const p = new PostingList();
        appendInRuns(p, head, []);
        const other = new PostingList();
        appendInRuns(other, tail, []);
        const offset = (head.at(-1)?.[0] ?? -1) + 1 + spare;
        p.appendList(other.bytes.subarray(0, other.used), other.length, other.last, offset);
        const expected = [...head, ...tail.map(([d, w]): [number, number] => [d + offset, w])];
        expect(read(p)).toEqual(expected);
        expect(p.length).toBe(expected.length);
        expect(p.last).toBe(expected.at(-1)?.[0] ?? -1);
      }),
    );
  });

  it('GIVEN documents removed and the rest renumbered in order THEN the list keeps exactly the survivors, renumbered, in place', () => {
    fc.assert(
      fc.property(postings, fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }), (list, keepPattern) => {
        const p = new PostingList();
        appendInRuns(p, list, []);
        const docs = (list.at(-1)?.[0] ?? -1) + 1;
        // Survivors follow a repeating pattern; a removed document maps to -1, the others to their rank.
        const keep = (d: number) => keepPattern[d % keepPattern.length]!;
        const remap = new Int32Array(Math.min(docs, 1 << 16));
        let next = 0;
        for (let d = 0; d < remap.length; d++) remap[d] = keep(d) ? next++ : -1;
        const small = list.filter(([d]) => d < remap.length);
        const q = new PostingList();
        appendInRuns(q, small, []);
        const buffer = q.bytes;
        q.renumber(remap);
        expect(q.bytes).toBe(buffer);
        const expected = small.filter(([d]) => keep(d)).map(([d, w]): [number, number] => [remap[d]!, w]);
        expect(read(q)).toEqual(expected);
        expect(q.length).toBe(expected.length);
        expect(q.last).toBe(expected.at(-1)?.[0] ?? -1);
      }),
    );
  });
});
