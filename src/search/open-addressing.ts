/**
 * What the project's open-addressing hash tables share (the index's words and documents; the store's
 * ids, titles and dedupe keys): FNV-1a and its finishing step, the size that keeps a table at most
 * 80% full, and the test at the heart of backward-shift deletion.
 */

/** FNV-1a's starting value (its offset basis). */
export const FNV_OFFSET = 0x811c_9dc5;
/** FNV-1a's multiplier. */
export const FNV_PRIME = 0x0100_0193;

/** The last step of a string's hash: FNV-1a's low bits, which pick the slot, alone mix poorly. */
export function finishHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  return h ^ (h >>> 13);
}

/** FNV-1a of a string's UTF-16 code units, as a 32-bit integer (signed), unfinished. */
function fnv1a(key: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), FNV_PRIME);
  return h;
}

/** A string's 32-bit hash (FNV-1a, finished): keys such as paths differ mostly in their last characters. */
export function hashString(key: string): number {
  return finishHash(fnv1a(key));
}

/**
 * A string's 31-bit hash (FNV-1a): a small integer, which V8 keeps in an object's field or an array
 * with no number object of its own. For keys of a table that takes any number (`HashKeyMap`).
 */
export function smallHash(key: string): number {
  return fnv1a(key) >>> 1;
}

/** The slots a table needs to hold `entries` at most 80% full: `size` (a power of two), doubled as often as it takes. */
export function slotsFor(entries: number, size: number): number {
  while (entries * 5 > size * 4) size *= 2;
  return size;
}

/**
 * Backward-shift deletion: whether the entry at slot `at`, whose probe run starts at `home`, stays put
 * when slot `hole` (before it in the run) is emptied. It stays when `home` lies cyclically in (hole, at]:
 * moved into the hole, it would sit before its own home and never be found.
 */
export function staysAfterHole(home: number, hole: number, at: number): boolean {
  return hole <= at ? home > hole && home <= at : home > hole || home <= at;
}
