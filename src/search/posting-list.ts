/**
 * Posting lists as bytes. A list holds the documents that contain one word, in increasing order, each
 * with the word's boosted frequency there (its weight). Each posting is two LEB128 varints (7 bits a
 * byte, low bits first, the high bit set on every byte but the last): the gap from the previous
 * document (the first gap counts from -1, so every gap is at least 1), then the weight.
 *
 * Why bytes: as an Int32Array of documents and a Uint16Array of weights a posting took 6 bytes, and
 * the index was most of the bot's memory past the heap (36 MB of postings at 100,000 articles, about
 * 580 MB at a million). Gaps between documents that share a word are small: at 100,000 generated
 * articles they took 1.18 bytes on average and weights 1 byte, so a posting takes about 2.2 bytes.
 * Every reader walks a list from its start (scoring, compaction, snapshots), so nothing needs to seek.
 */

/** An empty list's bytes, shared. */
const NO_BYTES = new Uint8Array(0);

/** Past this many bytes a list grows by half, not double: after a bulk load one new article must not double the common words' lists. */
const LARGE_LIST_BYTES = 32_768;

/** How many bytes `value` (an integer from 0 to 2^32 - 1) takes as a varint. */
export function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x20_0000 ? 3 : value < 0x1000_0000 ? 4 : 5;
}

/** Writes `value` (an integer from 0 to 2^32 - 1) as a varint at `at`; returns where the next byte goes. */
export function putVarint(bytes: Uint8Array, at: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    bytes[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  bytes[at++] = v;
  return at;
}

/**
 * Walks a list's bytes one posting at a time: after `next()`, `doc` and `weight` hold the posting and
 * `at` is where the next one starts. `next()` is false past the last byte, and throws
 * {@link PostingBytesError} on a varint that runs off the end or a gap of 0 (bytes not written here).
 */
export class PostingReader {
  doc = -1;
  weight = 0;
  at: number;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.at = start;
  }

  next(): boolean {
    if (this.at >= this.end) return false;
    const gap = this.varint();
    if (gap === 0) throw new PostingBytesError('a document gap of 0');
    this.doc += gap;
    this.weight = this.varint();
    return true;
  }

  /** At most 5 bytes, all inside the list. Most numbers take one byte: those skip the loop. */
  private varint(): number {
    const { bytes, end } = this;
    if (this.at >= end) throw new PostingBytesError('a number that runs past its list');
    let b = bytes[this.at++]!;
    if (b < 0x80) return b;
    let value = b & 0x7f;
    for (let shift = 7; ; shift += 7) {
      if (this.at >= end || shift > 28) throw new PostingBytesError('a number that runs past its list');
      b = bytes[this.at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  }
}

/** Bytes that do not read as a posting list. */
export class PostingBytesError extends Error {
  override name = 'PostingBytesError';
}

/**
 * A growable posting list. Its bytes may be a view into a snapshot's buffer (see `absorb`): a view is
 * exactly as long as the bytes in use, so the first append copies the list out.
 */
export class PostingList {
  bytes: Uint8Array<ArrayBufferLike> = NO_BYTES;
  /** Bytes in use. */
  used = 0;
  /** Postings held. */
  length = 0;
  /** The last document held; -1 when none. */
  last = -1;

  /** Appends postings of documents numbered after every one the list holds, in increasing order. */
  appendRun(docs: Int32Array, weights: Uint16Array): void {
    let size = 0;
    let prev = this.last;
    for (let i = 0; i < docs.length; i++) {
      size += varintSize(docs[i]! - prev) + varintSize(weights[i]!);
      prev = docs[i]!;
    }
    this.reserve(size);
    let at = this.used;
    prev = this.last;
    const bytes = this.bytes;
    for (let i = 0; i < docs.length; i++) {
      at = putVarint(bytes, at, docs[i]! - prev);
      at = putVarint(bytes, at, weights[i]!);
      prev = docs[i]!;
    }
    this.used = at;
    this.length += docs.length;
    this.last = prev;
  }

  /**
   * Appends another list's bytes (a snapshot's) whose documents, shifted by `offset`, all come after
   * this list's: only the first gap is written again, the rest is copied as it is.
   */
  appendList(bytes: Uint8Array, count: number, last: number, offset: number): void {
    if (count === 0) return;
    const first = firstGap(bytes);
    const gap = first.doc + offset - this.last;
    const rest = bytes.length - first.length;
    this.reserve(varintSize(gap) + rest);
    const at = putVarint(this.bytes, this.used, gap);
    this.bytes.set(bytes.subarray(bytes.length - rest), at);
    this.used = at + rest;
    this.length += count;
    this.last = last + offset;
  }

  /**
   * Keeps only the postings whose document `remap` maps to a number (not -1), renumbered; `remap` keeps
   * the documents' order. Rewritten in place: the renumbered gaps are never longer than the old ones
   * they replace (one gap spans at most the old gaps it sums, and a varint of a sum is no longer than
   * the varints of its parts), so each posting is written no further on than it was read from.
   */
  renumber(remap: Int32Array): void {
    const reader = new PostingReader(this.bytes, 0, this.used);
    let at = 0;
    let prev = -1;
    let kept = 0;
    while (reader.next()) {
      const to = remap[reader.doc]!;
      if (to < 0) continue;
      at = putVarint(this.bytes, at, to - prev);
      at = putVarint(this.bytes, at, reader.weight);
      prev = to;
      kept++;
    }
    this.used = at;
    this.length = kept;
    this.last = prev;
  }

  /** Gives back spare capacity once a bulk load is over. */
  trim(): void {
    if (this.bytes.length - this.used > 8) this.resize(this.used);
  }

  /** Makes room for `extra` more bytes. */
  private reserve(extra: number): void {
    const needed = this.used + extra;
    const capacity = this.bytes.length;
    if (needed <= capacity) return;
    this.resize(Math.max(needed, 8, capacity < LARGE_LIST_BYTES ? capacity * 2 : capacity + (capacity >> 1)));
  }

  private resize(size: number): void {
    const bytes = new Uint8Array(size);
    bytes.set(this.bytes.subarray(0, this.used));
    this.bytes = bytes;
  }
}

/**
 * The first document of a (non-empty) list and how many bytes its gap takes: joining lists rewrites
 * only that gap and copies the rest as it is.
 */
export function firstGap(bytes: Uint8Array): { doc: number; length: number } {
  const reader = new PostingReader(bytes);
  reader.next();
  let length = 1;
  while (bytes[length - 1]! >= 0x80) length++;
  return { doc: reader.doc, length };
}
