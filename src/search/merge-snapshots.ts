import { firstGap, putVarint, varintSize } from './posting-list.ts';
import { allocateSnapshot, decodeSnapshotSteps, SnapshotError, type DecodedSnapshot, type SnapshotBytes } from './search-index.ts';
import { runSteps } from './steps.ts';

/**
 * Joins index snapshots of disjoint documents (the shares a first load parsed on worker threads) into
 * one, documents in the order given. An index absorbs a single snapshot into its empty self in place,
 * its posting lists views into the snapshot's bytes; absorbing two would copy every list the second
 * touches into arrays of their own, with room to grow, and keep the first snapshot's bytes alive
 * under the lists it did not touch: at 100,000 articles, tens of MB for nothing.
 *
 * The joined snapshot (of two shares or more) is a `SplitSnapshot`: its lists in memory of their own, so
 * the index that takes them keeps nothing else of it once the cache is written (at a million articles,
 * about 60 MB of paths, dates and words).
 */
export function mergeSnapshots(snapshots: readonly Uint8Array[], intact = false): SnapshotBytes {
  return runSteps(mergeSnapshotsSteps(snapshots, intact));
}

/**
 * `mergeSnapshots`, pausing (`yield`) while each share is checked and after each share is copied: the
 * shares of a million-article load took about 4 s to join in one go, with no command answered meanwhile.
 */
export function* mergeSnapshotsSteps(snapshots: readonly Uint8Array[], intact = false): Generator<void, SnapshotBytes> {
  if (snapshots.length === 1) return snapshots[0]!;
  const parts: DecodedSnapshot[] = [];
  for (const bytes of snapshots) {
    // Intact bytes (see `AbsorbOptions`) have their sections checked, not their lists read through. The
    // keys are copied as bytes, never decoded: a million strings, garbage as soon as they were joined.
    parts.push(yield* decodeSnapshotSteps(bytes, { intact, withoutKeys: true }));
    yield;
  }
  const fieldMask = parts[0]?.fieldMask ?? 0;
  if (parts.some((p) => p.fieldMask !== fieldMask)) throw new SnapshotError('The snapshots index other fields');
  let docs = 0;
  const offsets = parts.map((p) => {
    const at = docs;
    docs += p.docs;
    return at;
  });
  // The union of the words, each with how many postings and bytes it has in all. A share's list is
  // copied as it is but for its first gap, which counts from the last document of the shares before.
  const termIds = new Map<string, number>();
  const terms: string[] = [];
  const counts: number[] = [];
  const sizes: number[] = [];
  const lasts: number[] = [];
  /** Per share and word: the first document of its list, and how many bytes its first gap takes. */
  const firsts = parts.map((p) => new Float64Array(p.terms.length));
  const gapBytes = parts.map((p) => new Uint8Array(p.terms.length));
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k]!;
    let at = 0;
    for (let i = 0; i < p.terms.length; i++) {
      const term = p.terms[i]!;
      let id = termIds.get(term);
      if (id === undefined) {
        id = terms.push(term) - 1;
        termIds.set(term, id);
        counts.push(0);
        sizes.push(0);
        lasts.push(-1);
      }
      const size = p.sizes[i]!;
      if (p.counts[i]! > 0) {
        const first = firstGap(p.lists.subarray(at, at + size));
        firsts[k]![i] = first.doc + offsets[k]!;
        gapBytes[k]![i] = first.length;
        sizes[id]! += varintSize(firsts[k]![i]! - lasts[id]!) + size - gapBytes[k]![i]!;
        lasts[id] = p.lasts[i]! + offsets[k]!;
        counts[id]! += p.counts[i]!;
      }
      at += size;
    }
  }
  let total = 0;
  let totalBytes = 0;
  const starts = new Float64Array(terms.length);
  for (let t = 0; t < terms.length; t++) {
    starts[t] = totalBytes;
    totalBytes += sizes[t]!;
    total += counts[t]!;
  }
  // Written in place: the joined lists go straight into the snapshot's own bytes, never into lists of
  // their own first (at 100,000 articles that copy was 50 MB, and a view object per list 40 MB more).
  const out = allocateSnapshot({ fieldMask, keys: { section: joinKeySections(parts), count: docs }, terms, postings: total, postingBytes: totalBytes, apart: true });
  out.counts.set(counts);
  out.sizes.set(sizes);
  out.lasts.set(lasts);
  const written = new Float64Array(terms.length);
  const lastWritten = new Float64Array(terms.length).fill(-1);
  for (let k = 0; k < parts.length; k++) {
    yield;
    const p = parts[k]!;
    let at = 0;
    for (let i = 0; i < p.terms.length; i++) {
      const size = p.sizes[i]!;
      if (p.counts[i]! > 0) {
        const t = termIds.get(p.terms[i]!)!;
        // Documents in order within each list: the earlier share's numbers are the smaller.
        let to = putVarint(out.lists, starts[t]! + written[t]!, firsts[k]![i]! - lastWritten[t]!);
        out.lists.set(p.lists.subarray(at + gapBytes[k]![i]!, at + size), to);
        to += size - gapBytes[k]![i]!;
        written[t] = to - starts[t]!;
        lastWritten[t] = p.lasts[i]! + offsets[k]!;
      }
      at += size;
    }
    out.times.set(p.times, offsets[k]);
    out.alive.set(p.alive, offsets[k]);
  }
  return out.snapshot;
}

/** The shares' key sections as one (UTF-8, NUL between keys), as the joined keys would encode. */
function joinKeySections(parts: readonly DecodedSnapshot[]): Uint8Array {
  // A share with no documents adds no key, and no NUL; one whose only key is empty adds a NUL before the next.
  const filled = parts.filter((p) => p.docs > 0);
  const out = new Uint8Array(filled.reduce((n, p) => n + p.keySection.length, 0) + Math.max(0, filled.length - 1));
  let at = 0;
  filled.forEach((p, k) => {
    if (k > 0) at++;
    out.set(p.keySection, at);
    at += p.keySection.length;
  });
  return out;
}
