import type { ParsedArticle } from '../content/article.ts';
import { foldText } from './query.ts';
import { createTypoLookup, isTypoWord, typoBudget, type TypoLookup } from './typos.ts';
import { finishHash, FNV_PRIME, hashString, staysAfterHole } from './open-addressing.ts';
import { PostingBytesError, PostingList, PostingReader } from './posting-list.ts';
import { runSteps, runStepsPausing } from './steps.ts';

/** A ranked match. */
export interface SearchHit {
  id: string;
  score: number;
}

/** One page of matches and how many there are in all. */
export interface SearchResults {
  total: number;
  hits: SearchHit[];
  /** Query words that also matched close spellings (`etherium` → `ethereum`): absent from the archive, or far rarer there. */
  corrections?: TypoCorrection[];
}

/** A query word matched through typo tolerance, and the archive words it matched. */
export interface TypoCorrection {
  word: string;
  matches: string[];
}

/** Options for one search. */
export interface SearchOptions {
  /** Keep only ids that pass (topic and sentiment filters). */
  filter?: (id: string) => boolean;
  limit?: number;
  offset?: number;
  /** `relevance` (the default): best first, equal scores newest first. `newest`: every match, newest first. */
  sort?: 'relevance' | 'newest';
}

/** The full-text index the store keeps in step with its articles. */
export interface SearchIndex {
  /** Indexes `article` under `key` (its id by default), replacing what that key held. */
  add(article: IndexedArticle, key?: string): void;
  remove(key: string): void;
  /** Matches best first, equal scores newest first. Every word must match; if none does, any word may. */
  search(text: string, options?: SearchOptions): SearchResults;
  readonly size: number;
}

/** Which article text is indexed, and how much a match in it counts. Titles say what a story is about. */
export const FIELD_BOOST = { title: 3, topics: 2, source: 1.5, summary: 1, impact: 0.7 } as const;
export type IndexedField = keyof typeof FIELD_BOOST;
const ALL_FIELDS = Object.keys(FIELD_BOOST) as IndexedField[];

/** What the index reads of an article: the parsed article's text fields and its date. */
export type IndexedArticle = Pick<ParsedArticle, 'id' | 'publishedAt' | IndexedField>;

const fieldText: Record<IndexedField, (a: IndexedArticle) => string> = {
  title: (a) => a.title,
  topics: (a) => a.topics.join(' '),
  source: (a) => a.source ?? '',
  summary: (a) => a.summary,
  impact: (a) => a.impact.join(' '),
};

/**
 * What one article may add to the index. Without a bound, 20 files of random words (38 MB) took the
 * index to 3 GB: each distinct word costs a vocabulary entry and a posting list. A real article has
 * a few hundred distinct words; past the bound, the rest of the article is simply not searchable.
 */
export const MAX_TERMS_PER_ARTICLE = 2000;
/** The start of each field that is indexed; the rest of a longer field is not searchable. */
export const MAX_INDEXED_CHARS_PER_FIELD = 20_000;

/** The part of a field that is indexed. */
function indexedText(article: IndexedArticle, field: IndexedField): string {
  const text = fieldText[field](article);
  return text.length > MAX_INDEXED_CHARS_PER_FIELD ? text.slice(0, MAX_INDEXED_CHARS_PER_FIELD) : text;
}

/**
 * What the index leaves out of `article`, in words an operator can act on, or null when it is indexed
 * whole. Cheap for ordinary articles: fields short enough cannot hold too many distinct words.
 */
export function indexLimitNotice(article: IndexedArticle, fields: readonly IndexedField[] = ALL_FIELDS): string | null {
  const cuts: string[] = [];
  const long = fields.filter((f) => fieldText[f](article).length > MAX_INDEXED_CHARS_PER_FIELD);
  if (long.length > 0) cuts.push(`only the first ${MAX_INDEXED_CHARS_PER_FIELD.toLocaleString('en')} characters of its ${long.join(' and ')}`);
  // Distinct words are separated by at least one character, so short fields cannot exceed the bound.
  let chars = 0;
  for (const f of fields) chars += Math.min(fieldText[f](article).length, MAX_INDEXED_CHARS_PER_FIELD) + 1;
  if (chars / 2 > MAX_TERMS_PER_ARTICLE) {
    const seen = new Set<string>();
    outer: for (const f of fields) {
      for (const token of tokenize(indexedText(article, f))) {
        if (seen.add(token).size > MAX_TERMS_PER_ARTICLE) {
          cuts.push(`only the first ${MAX_TERMS_PER_ARTICLE.toLocaleString('en')} distinct words`);
          break outer;
        }
      }
    }
  }
  return cuts.length > 0 ? `${cuts.join(' and ')} are searchable` : null;
}

/** Words of a text, case and diacritics folded. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const n = scanTokens(text, text.length, out);
  return n >= 0 ? out : foldedTokens(text);
}

/** The definition of a word: runs of letters and digits of the folded text. `scanTokens` must agree with it. */
function foldedTokens(text: string): string[] {
  // eslint-disable-next-line no-control-regex
  const folded = /[^\u0000-\u007f]/.test(text) ? foldText(text) : text.toLowerCase();
  return folded.split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0);
}

/** ASCII code units: 0 a separator, 1 a lower-case letter or a digit, 2 an upper-case letter. */
const ASCII_CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) ASCII_CLASS[c] = 1;
for (let c = 97; c <= 122; c++) ASCII_CLASS[c] = 1;
for (let c = 65; c <= 90; c++) ASCII_CLASS[c] = 2;

/**
 * Non-ASCII code units, by what folding and splitting make of them: 1 a plain separator (’ “ — € …),
 * 2 anything else (a letter, a digit, a mark, a surrogate, a character folding changes), 0 not yet
 * looked at. Filled as characters are met: 64 KB, and a few regex tests per distinct character.
 */
const NON_ASCII_CLASS = new Uint8Array(65_536);

/**
 * True when `c` splits words and folding leaves it, and its neighbours, as they are: it is no letter,
 * digit or mark (marks are dropped or reordered by folding), a surrogate, nor changed by NFD or lower-casing.
 */
function plainSeparator(c: number): boolean {
  let k = NON_ASCII_CLASS[c]!;
  if (k === 0) {
    const ch = String.fromCharCode(c);
    const plain = (c < 0xd800 || c > 0xdfff) && !/[\p{L}\p{N}\p{M}]/u.test(ch) && ch.normalize('NFD') === ch && ch.toLowerCase() === ch;
    NON_ASCII_CLASS[c] = k = plain ? 1 : 2;
  }
  return k === 1;
}

/**
 * The words of `text.slice(0, end)` into `out` (from index 0; entries past the count are stale), in
 * one pass with no copy of the text: what {@link foldedTokens} gives, for text whose only non-ASCII
 * characters are plain separators (almost every article: curly quotes and dashes). Returns the count,
 * or -1 for other text, which must go through `foldedTokens`.
 */
function scanTokens(text: string, end: number, out: string[]): number {
  let n = 0;
  let start = -1;
  let upper = false;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      const k = ASCII_CLASS[c]!;
      if (k !== 0) {
        if (start < 0) {
          start = i;
          upper = false;
        }
        if (k === 2) upper = true;
        continue;
      }
    } else if (!plainSeparator(c)) return -1;
    if (start >= 0) {
      const word = text.slice(start, i);
      out[n++] = upper ? word.toLowerCase() : word;
      start = -1;
    }
  }
  if (start >= 0) {
    const word = text.slice(start, end);
    out[n++] = upper ? word.toLowerCase() : word;
  }
  return n;
}

/** Saturation constant: the third occurrence of a word adds far less than the first. */
const K1 = 1.2;
/** A prefix expansion (`mus` → `musk`) counts for this much of an exact word match. */
const PREFIX_WEIGHT = 0.6;
/** The most frequent completions of a prefix that are searched; rarer ones add cost, not relevance. */
const MAX_EXPANSIONS = 48;
const MAX_QUERY_TERMS = 12;
/** A close spelling (`etherium` → `ethereum`) counts for less than a prefix: 1 edit, 2 edits. */
const TYPO_WEIGHT = [1, 0.45, 0.3] as const;
/** The closest spellings of a word that are searched, fewest edits then most common first. */
const MAX_TYPO_EXPANSIONS = 8;
/**
 * A word the archive holds is taken as typed unless a close spelling is this many times more common:
 * one article that writes `etherium` must not hide every Ethereum story, but `mask` never finds `musk`.
 */
const RARE_RATIO = 50;

/** Boosts are stored as integers (tenths): a posting's weight is a whole number (see `posting-list.ts`). */
const WEIGHT_SCALE = 10;

/** Postings queued by `add` before they are moved to their lists: at first, and at most (10 bytes each). */
const PENDING_START = 4096;
const MAX_PENDING = 1 << 20;

/**
 * The index's words and their ids (ids in order of first use, never reused), in an open-addressing
 * hash table. Unlike a `Map`, it is looked up straight from a stretch of an article's text, lowered
 * on the fly: a word the index already holds costs no string. The hash is seeded per index, so no
 * fixed set of words collides in every index.
 */
class Vocabulary {
  /** Words by id: append-only (the typo lookup reads this very array). */
  readonly words: string[] = [];
  private hashes = new Int32Array(1024);
  /** Word ids by slot, -1 for an empty slot; at most half full. */
  private slots = new Int32Array(2048).fill(-1);
  private mask = 2047;
  readonly seed = (Math.random() * 0x1_0000_0000) | 0;

  /** The hash of a word, as {@link Vocabulary.findText} computes it for text. */
  hash(word: string): number {
    let h = this.seed;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
    return finishHash(h);
  }

  /** The id of `word`, -1 when it is not held. */
  get(word: string, hash = this.hash(word)): number {
    for (let s = hash & this.mask; ; s = (s + 1) & this.mask) {
      const id = this.slots[s]!;
      if (id < 0 || (this.hashes[id] === hash && this.words[id] === word)) return id;
    }
  }

  /**
   * The id of the word `text.slice(start, start + length)` lower-cased, -1 when it is not held. The
   * stretch is ASCII letters and digits; `hash` is that of the lower-cased word.
   */
  findText(text: string, start: number, length: number, hash: number): number {
    for (let s = hash & this.mask; ; s = (s + 1) & this.mask) {
      const id = this.slots[s]!;
      if (id < 0) return -1;
      if (this.hashes[id] !== hash) continue;
      const word = this.words[id]!;
      if (word.length !== length) continue;
      let k = 0;
      for (; k < length; k++) {
        const c = text.charCodeAt(start + k);
        if ((c >= 65 && c <= 90 ? c + 32 : c) !== word.charCodeAt(k)) break;
      }
      if (k === length) return id;
    }
  }

  /** Adds a word that is not held; returns its id. */
  add(word: string, hash: number): number {
    const id = this.words.length;
    this.words.push(word);
    if (id === this.hashes.length) {
      const h = new Int32Array(id * 2);
      h.set(this.hashes);
      this.hashes = h;
    }
    this.hashes[id] = hash;
    if (this.words.length * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(id);
    return id;
  }

  private place(id: number) {
    let s = this.hashes[id]! & this.mask;
    while (this.slots[s]! >= 0) s = (s + 1) & this.mask;
    this.slots[s] = id;
  }

  private rehash(size: number) {
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let id = 0; id < this.words.length; id++) this.place(id);
  }
}

/**
 * Document numbers by key, in an open-addressing table of numbers whose keys are the index's own
 * `docIds` (read through `ids`, as compaction replaces that array). A `Map` of 100,000 keys costs
 * 3.7 MB, and the store keeps two indexes of the same files; this costs 2 MB each (at most half full).
 *
 * Each slot keeps its key's hash beside the document number, and a probe compares the hashes first:
 * comparing keys meant reading a document's key (a string elsewhere in memory) at every step of a
 * probe run, and at a million documents those reads were most of a restart's lookups.
 */
class DocNumbers {
  /** Document numbers by slot, -1 for an empty slot; at most half full. */
  private slots = new Int32Array(64).fill(-1);
  /** The hash of each slot's key (see `hashString`). */
  private hashes = new Int32Array(64);
  private mask = 63;
  private count = 0;

  constructor(private readonly ids: () => readonly (string | null)[]) {}

  get size(): number {
    return this.count;
  }

  /** The slot holding `key` (whose hash is `h`), or the empty slot where it would go. */
  private find(key: string, h: number): number {
    const { slots, hashes, mask } = this;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const d = slots[s]!;
      if (d < 0 || (hashes[s] === h && this.ids()[d] === key)) return s;
    }
  }

  /** Makes room for `keys` keys in all, so a snapshot's million keys do not grow the table twenty times. */
  reserve(keys: number): void {
    let size = this.slots.length;
    while (keys * 2 > size) size *= 2;
    if (size > this.slots.length) this.rebuild(size);
  }

  get(key: string): number | undefined {
    const d = this.slots[this.find(key, hashString(key))]!;
    return d < 0 ? undefined : d;
  }

  has(key: string): boolean {
    return this.slots[this.find(key, hashString(key))]! >= 0;
  }

  /** Files `doc` under its key, which `ids()[doc]` already holds; a key held before moves to `doc`. */
  set(key: string, doc: number): void {
    const h = hashString(key);
    const s = this.find(key, h);
    if (this.slots[s]! < 0) {
      this.count++;
      this.hashes[s] = h;
      if (this.count * 2 > this.slots.length) {
        this.slots[s] = doc;
        this.rebuild(this.slots.length * 2);
        return;
      }
    }
    this.slots[s] = doc;
  }

  delete(key: string): void {
    let s = this.find(key, hashString(key));
    if (this.slots[s]! < 0) return;
    this.count--;
    // Backward-shift deletion: later entries of the probe run move up, so no tombstone is left behind.
    const { slots, hashes, mask } = this;
    for (let j = (s + 1) & mask; slots[j]! >= 0; j = (j + 1) & mask) {
      if (staysAfterHole(hashes[j]! & mask, s, j)) continue;
      slots[s] = slots[j]!;
      hashes[s] = hashes[j]!;
      s = j;
    }
    slots[s] = -1;
  }

  /**
   * Files every live document again, under its number in `ids()` (after compaction renumbered them),
   * in `size` slots. Growing reuses the hashes held; after compaction every key is hashed again.
   */
  rebuild(size = this.slots.length): void {
    const ids = this.ids();
    const grown = size !== this.slots.length;
    const oldSlots = this.slots;
    const oldHashes = this.hashes;
    const slots = (this.slots = new Int32Array(size).fill(-1));
    const hashes = (this.hashes = new Int32Array(size));
    const mask = (this.mask = size - 1);
    this.count = 0;
    const place = (d: number, h: number) => {
      let s = h & mask;
      while (slots[s]! >= 0) s = (s + 1) & mask;
      slots[s] = d;
      hashes[s] = h;
      this.count++;
    };
    if (grown) {
      for (let s = 0; s < oldSlots.length; s++) if (oldSlots[s]! >= 0) place(oldSlots[s]!, oldHashes[s]!);
      return;
    }
    for (let d = 0; d < ids.length; d++) {
      const key = ids[d];
      if (key !== null && key !== undefined) place(d, hashString(key));
    }
  }
}

/** The index, plus what the store and the archive cache need: hidden documents and snapshots. */
export interface SnapshotIndex extends SearchIndex {
  /** Distinct words known to the index, removed articles' words included. */
  readonly terms: number;
  /**
   * The archive words closest in spelling to `word` (one edit more than a search allows, see
   * `typoBudget`), fewest edits first, then the most common; only words some shown article holds.
   * None when the archive shows `word` itself.
   */
  closestWords(word: string, limit?: number): string[];
  has(key: string): boolean;
  /** The index's own copy of `key` (equal, maybe not the same string), so callers can share it; undefined when not indexed. */
  keyOf(key: string): string | undefined;
  /** Every key indexed. */
  keys(): IterableIterator<string>;
  /** Every key indexed, in the order of `keys`, as a new array (no iteration step per key). */
  keyList(): string[];
  /** Hides a document from searches (or shows it again) without forgetting its words. */
  setHidden(key: string, hidden: boolean): void;
  /**
   * The document number of `key` (-1 when not indexed), for `keyAt` and `setHiddenAt`: a caller that
   * looks a key up and then changes it finds it once (a restart does both for each of a million paths).
   * Valid until the index next changes its documents (an add, a removal, an absorb).
   */
  docOf(key: string): number;
  /** The key of document `doc` (see `docOf`), or undefined. */
  keyAt(doc: number): string | undefined;
  /** `setHidden` of document `doc` (see `docOf`). */
  setHiddenAt(doc: number, hidden: boolean): void;
  /** The whole index as bytes: its arrays and posting lists laid end to end, read back by {@link SnapshotIndex.absorb}. */
  serialize(): Uint8Array;
  /**
   * Adds every document of a snapshot (from `serialize`, here or in a worker thread) to this index;
   * a key already here is replaced. Throws {@link SnapshotError} when the bytes are not a snapshot.
   * `options` may give its keys as strings the caller already holds (one copy in memory), and say the
   * bytes are intact (see {@link AbsorbOptions}).
   */
  absorb(snapshot: SnapshotBytes, options?: AbsorbOptions): void;
  /** `absorb`, awaiting `pause` every few thousand documents and words, so a large snapshot does not hold the event loop. */
  absorbInSlices(snapshot: SnapshotBytes, pause: () => Promise<void>, options?: AbsorbOptions): Promise<void>;
}

/** Bytes that are not a snapshot of an index with these fields. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

const SNAPSHOT_MAGIC = 0x33584953; // "SIX3": posting lists as varint bytes, each list's last document stored
const HEADER_WORDS = 8;
const pad8 = (n: number) => (n + 7) & ~7;

/** Bytes at the start of a snapshot that tell where its posting lists are (see {@link snapshotListsRange}). */
export const SNAPSHOT_HEADER_BYTES = HEADER_WORDS * 4;

/**
 * A snapshot read in two parts: its bytes with the posting lists section left out (`head`: the sections
 * after it move up by its padded length), and the lists (`lists`) in memory of their own. An empty index
 * absorbs such lists as they are, with no copy and nothing else of the snapshot kept (see `AbsorbOptions.inPlace`).
 */
export interface SplitSnapshot {
  readonly head: Uint8Array;
  readonly lists: Uint8Array;
}

/** A snapshot as `serialize` wrote it, or read in two parts. */
export type SnapshotBytes = Uint8Array | SplitSnapshot;

/**
 * Where a snapshot's posting lists are, from its first {@link SNAPSHOT_HEADER_BYTES} bytes: they start at
 * `start` and take `length` bytes, then zeros up to `start + padded`; the snapshot ends at `end`. Null
 * for bytes that do not start a snapshot. For a reader that takes the lists apart (see {@link SplitSnapshot}).
 */
export function snapshotListsRange(header: Uint8Array): { start: number; length: number; padded: number; end: number } | null {
  if (header.byteLength < SNAPSHOT_HEADER_BYTES) return null;
  const view = new DataView(header.buffer, header.byteOffset, SNAPSHOT_HEADER_BYTES);
  const word = (i: number) => view.getUint32(i * 4, true);
  if (word(0) !== SNAPSHOT_MAGIC) return null;
  const { offsets, end } = sectionOffsets(word(2), word(3), word(7), word(5), word(6));
  return { start: offsets[6]!, length: word(7), padded: pad8(word(7)), end };
}
/**
 * Where an absorbed snapshot's keys may come from instead of new strings of their own: `sameAs`, the
 * keys of another snapshot, decoded already, used when the two snapshots' key bytes are equal (a
 * restart's title index names the same files as its main index); else `share`, which maps each key
 * decoded to an equal string the caller holds.
 */
export interface AbsorbKeys {
  share?: (key: string) => string;
  sameAs?: { snapshot: SnapshotBytes; keys: readonly string[] };
  /**
   * Strings the caller holds for keys the snapshot likely has, sorted as JavaScript compares strings (a
   * restart's listing of the folder): walked beside the snapshot's keys, a key equal to one of them is
   * taken as that string, not decoded. A key out of that order, or not among them, is decoded on its own.
   */
  listed?: readonly string[];
}

/**
 * How a snapshot is absorbed: where its keys come from (see {@link AbsorbKeys}), and whether its bytes
 * are `intact`: known to be as they were written (a cache file whose checksum matched, or a snapshot
 * this process's own workers made). Intact bytes have their sections checked against each other (sizes,
 * counts, last documents) but their posting lists are not read through: at a million articles that
 * reading took about a second of every restart, to find damage the checksum had already ruled out.
 */
export interface AbsorbOptions extends AbsorbKeys {
  intact?: boolean;
  /**
   * Into an empty index, use the snapshot's posting lists where they are, in its bytes, instead of a copy of
   * the lists alone: for bytes the caller keeps anyway (a first load writes them as the cache), where a copy
   * would only add to the load's peak. In place, the lists keep the whole snapshot in memory. (A
   * {@link SplitSnapshot}'s lists are always used in place: they are in memory of their own.)
   */
  inPlace?: boolean;
}

/** How {@link decodeSnapshotSteps} reads a snapshot: where its keys come from, whether its bytes are `intact` (see {@link AbsorbOptions}). */
export interface DecodeOptions extends AbsorbKeys {
  intact?: boolean;
  /**
   * Leave the keys undecoded (`keys` empty; `docs` and `keySection` say what they are): for a reader that
   * copies the key section as it is (see `mergeSnapshots`), where a million strings would be garbage.
   */
  withoutKeys?: boolean;
}

/** Documents or words absorbed between two pauses of `absorbInSlices`. */
const STEP = 20_000;

/** An index's parts, as a snapshot lays them out. */
export interface SnapshotParts {
  fieldMask: number;
  keys: readonly string[];
  times: Float64Array;
  alive: Uint8Array;
  terms: readonly string[];
  postings: readonly { bytes: Uint8Array<ArrayBufferLike>; used: number; length: number; last: number }[];
}

/**
 * Layout, every section starting on an 8-byte boundary: a header of eight u32 (magic, field mask,
 * documents, terms, postings, key bytes, term bytes, posting bytes), then times (f64 per document),
 * hidden flags (u8), posting counts (u32 per term), posting bytes per term (u32 per term), the last
 * document of each list (i32 per term, -1 for an empty list: what the next posting's gap counts from),
 * the posting lists (see `posting-list.ts`) end to end, keys (UTF-8, NUL between) and terms (UTF-8,
 * newline between: a term is letters and digits only).
 */
export function encodeSnapshot(s: SnapshotParts): Uint8Array {
  let total = 0;
  let bytes = 0;
  for (const p of s.postings) {
    total += p.length;
    bytes += p.used;
  }
  const out = allocateSnapshot({ fieldMask: s.fieldMask, keys: s.keys, terms: s.terms, postings: total, postingBytes: bytes });
  out.times.set(s.times);
  out.alive.set(s.alive);
  let at = 0;
  s.postings.forEach((p, i) => {
    out.counts[i] = p.length;
    out.sizes[i] = p.used;
    out.lasts[i] = p.last;
    out.lists.set(p.bytes.subarray(0, p.used), at);
    at += p.used;
  });
  return out.snapshot as Uint8Array;
}

/**
 * Where each section of a snapshot starts (see {@link encodeSnapshot}: header, times, hidden flags, counts,
 * byte sizes, last documents, lists, keys, terms), each on an 8-byte boundary, and where the last ends.
 */
function sectionOffsets(docs: number, terms: number, postingBytes: number, keyBytes: number, termBytes: number): { offsets: number[]; end: number } {
  const sizes = [HEADER_WORDS * 4, docs * 8, docs, terms * 4, terms * 4, terms * 4, postingBytes, keyBytes, termBytes];
  const offsets: number[] = [];
  const end = sizes.reduce((at, n) => (offsets.push(at), at + pad8(n)), 0);
  return { offsets, end };
}

/**
 * A snapshot's bytes with its header, keys and terms written, and views of the sections the caller
 * fills (times, hidden flags, posting counts, byte sizes and last documents per term, and the lists), so a snapshot
 * can be written in place without the lists first existing apart (see `mergeSnapshots`).
 */
export function allocateSnapshot(s: {
  fieldMask: number;
  /** The documents' keys, or their key section as it is (UTF-8, NUL between) and how many keys it holds. */
  keys: readonly string[] | { section: Uint8Array; count: number };
  terms: readonly string[];
  postings: number;
  postingBytes: number;
  /** The lists in memory of their own: `snapshot` is then a {@link SplitSnapshot}. */
  apart?: boolean;
}) {
  const encoder = new TextEncoder();
  const given = s.keys;
  const keys = 'section' in given ? given.section : encoder.encode(given.join('\0'));
  const docs = 'section' in given ? given.count : given.length;
  const terms = encoder.encode(s.terms.join('\n'));
  // Apart, the head is laid out as a split snapshot's is: with no bytes where the lists go.
  const { offsets, end } = sectionOffsets(docs, s.terms.length, s.apart ? 0 : s.postingBytes, keys.length, terms.length);
  const bytes = new Uint8Array(end);
  const buffer = bytes.buffer;
  new Uint32Array(buffer, 0, HEADER_WORDS).set([SNAPSHOT_MAGIC, s.fieldMask, docs, s.terms.length, s.postings, keys.length, terms.length, s.postingBytes]);
  bytes.set(keys, offsets[7]);
  bytes.set(terms, offsets[8]);
  const lists = s.apart ? new Uint8Array(s.postingBytes) : bytes.subarray(offsets[6], offsets[6]! + s.postingBytes);
  return {
    snapshot: (s.apart ? { head: bytes, lists } : bytes) as SnapshotBytes,
    times: new Float64Array(buffer, offsets[1], docs),
    alive: bytes.subarray(offsets[2], offsets[2]! + docs),
    counts: new Uint32Array(buffer, offsets[3], s.terms.length),
    sizes: new Uint32Array(buffer, offsets[4], s.terms.length),
    lasts: new Int32Array(buffer, offsets[5], s.terms.length),
    lists,
  };
}

/**
 * A snapshot's bytes in the order `serialize` writes them, as views (a {@link SplitSnapshot}'s head is
 * cut where its lists go, and the lists' padding added): for a writer that does not join them first.
 */
export function snapshotChunks(snapshot: SnapshotBytes): Uint8Array[] {
  if (snapshot instanceof Uint8Array) return [snapshot];
  const range = snapshotListsRange(snapshot.head);
  if (!range || range.length !== snapshot.lists.byteLength) throw new SnapshotError('Not an index snapshot');
  const { head, lists } = snapshot;
  return [head.subarray(0, range.start), lists, new Uint8Array(range.padded - range.length), head.subarray(range.start)];
}

/** A snapshot's parts, as {@link decodeSnapshot} reads them. `lasts` is each list's last document (-1 for an empty one). */
export type DecodedSnapshot = ReturnType<typeof snapshotSections>;

/**
 * Reads a snapshot's parts (views into its bytes) and checks they add up, every posting list read
 * through (see {@link decodeSnapshotSteps}); throws {@link SnapshotError}.
 */
export function decodeSnapshot(bytes: SnapshotBytes): DecodedSnapshot {
  return runSteps(decodeSnapshotSteps(bytes));
}

/** Posting bytes read through between two pauses of {@link decodeSnapshotSteps}; for intact bytes, words checked. */
const CHECK_STEP_BYTES = 4 << 20;
const CHECK_STEP_TERMS = 200_000;

/**
 * `decodeSnapshot`, pausing (`yield`) every few MB of posting lists: at a million articles the lists
 * take a few hundred MB, and checking them in one go held the event loop for over a second.
 */
export function* decodeSnapshotSteps(bytes: SnapshotBytes, options: DecodeOptions = {}): Generator<void, DecodedSnapshot> {
  const intact = options.intact ?? false;
  const snap = snapshotSections(bytes, options);
  const { counts, sizes, lasts, lists, docs } = snap;
  // Counts, sizes and last documents must agree, before anything is absorbed; each list is read through
  // too (its postings counted, its last document found) unless the bytes are known to be as written.
  let at = 0;
  let sum = 0;
  let sinceYield = 0;
  for (let t = 0; t < counts.length; t++) {
    const stop = at + sizes[t]!;
    if (stop > lists.length) throw new SnapshotError('The snapshot does not add up');
    const last = lasts[t]!;
    if (last >= docs) throw new SnapshotError('The snapshot points at a missing document');
    // An empty list is the only one with no bytes and no last document.
    if ((counts[t] === 0) !== (stop === at) || (counts[t] === 0) !== (last === -1) || last < -1) throw new SnapshotError('The snapshot does not add up');
    if (!intact && checkList(lists, at, stop, counts[t]!) !== last) throw new SnapshotError('The snapshot does not add up');
    sum += counts[t]!;
    sinceYield += intact ? 1 : stop - at;
    at = stop;
    if (sinceYield >= (intact ? CHECK_STEP_TERMS : CHECK_STEP_BYTES)) {
      sinceYield = 0;
      yield;
    }
  }
  if (sum !== snap.total || at !== lists.length) throw new SnapshotError('The snapshot does not add up');
  return snap;
}

/**
 * Reads the posting list in `bytes[at, stop)` through and returns its last document (-1 when empty).
 * Throws {@link SnapshotError} unless it holds exactly `count` postings, each a gap of at least 1 and a
 * weight, every varint inside the list and at most 5 bytes (as `posting-list.ts` writes them).
 */
function checkList(bytes: Uint8Array, at: number, stop: number, count: number): number {
  const reader = new PostingReader(bytes, at, stop);
  let n = 0;
  try {
    while (reader.next()) n++;
  } catch (err) {
    if (err instanceof PostingBytesError) throw new SnapshotError(`The snapshot has a damaged posting list (${err.message})`);
    throw err;
  }
  if (n !== count) throw new SnapshotError('The snapshot does not add up');
  return reader.doc;
}

/**
 * The `docs` keys of a key section (UTF-8, NUL between), each taken from `listed` where it is there (see
 * `AbsorbKeys.listed`), else decoded on its own. At a million articles, decoding them all made a million
 * strings cut out of one of 27 MB, all kept (about 60 MB), beside the listing's million equal paths, all
 * garbage once the load was over.
 */
function keysFromListing(section: Uint8Array, docs: number, listed: readonly string[], decoder: { decode(bytes: Uint8Array): string }): string[] {
  const keys = new Array<string>(docs);
  let j = 0;
  let start = 0;
  for (let d = 0; d < docs; d++) {
    const nul = section.indexOf(0, start);
    const end = nul === -1 ? section.length : nul;
    if ((nul === -1) !== (d === docs - 1)) throw new SnapshotError('The snapshot does not add up');
    let key: string | undefined;
    let decoded: string | undefined;
    while (key === undefined) {
      const candidate = listed[j];
      if (candidate === undefined) break;
      const order = compareUtf8(section, start, end, candidate, () => (decoded ??= decoder.decode(section.subarray(start, end))));
      if (order === 0) key = candidate;
      // A path listed but not in the snapshot (a file new since it was written): skipped.
      else if (order > 0) j++;
      else break;
    }
    if (key !== undefined) j++;
    keys[d] = key ?? decoded ?? decoder.decode(section.subarray(start, end));
    start = end + 1;
  }
  return keys;
}

/**
 * How the UTF-8 key `bytes[start, end)` compares with `text` as JavaScript compares strings (UTF-16 code
 * units): -1, 0 or 1. ASCII bytes are their code units, compared as they are; a key with any other byte
 * is decoded (`decode`) and compared as a string.
 */
function compareUtf8(bytes: Uint8Array, start: number, end: number, text: string, decode: () => string): number {
  const n = Math.min(end - start, text.length);
  for (let i = 0; i < n; i++) {
    const b = bytes[start + i]!;
    if (b > 0x7f) {
      const key = decode();
      return key < text ? -1 : key > text ? 1 : 0;
    }
    const c = text.charCodeAt(i);
    if (b !== c) return b < c ? -1 : 1;
  }
  for (let i = start + n; i < end; i++) {
    if (bytes[i]! > 0x7f) {
      const key = decode();
      return key < text ? -1 : key > text ? 1 : 0;
    }
  }
  return end - start === text.length ? 0 : end - start < text.length ? -1 : 1;
}

/**
 * A snapshot's header, the offsets of its sections (of `head` for a {@link SplitSnapshot}, whose lists
 * section has no bytes there) and its lists, checked against its length.
 */
function snapshotLayout(bytes: SnapshotBytes) {
  const split = bytes instanceof Uint8Array ? null : bytes;
  const whole = split ? split.head : (bytes as Uint8Array);
  // Typed-array views need aligned offsets: a snapshot cut out of a larger buffer is copied once.
  const own = whole.byteOffset % 8 === 0 ? whole : whole.slice();
  if (own.byteLength < HEADER_WORDS * 4) throw new SnapshotError('The snapshot is truncated');
  const [magic, fieldMask, docs, termCount, total, keyBytes, termBytes, postingBytes] = new Uint32Array(own.buffer, own.byteOffset, HEADER_WORDS);
  if (magic !== SNAPSHOT_MAGIC) throw new SnapshotError('Not an index snapshot');
  const { offsets, end } = sectionOffsets(docs!, termCount!, split ? 0 : postingBytes!, keyBytes!, termBytes!);
  if (end > own.byteLength || (split && split.lists.byteLength !== postingBytes)) throw new SnapshotError('The snapshot is truncated');
  const lists = split ? split.lists : own.subarray(offsets[6], offsets[6]! + postingBytes!);
  return { own, fieldMask: fieldMask!, docs: docs!, termCount: termCount!, total: total!, termBytes: termBytes!, lists, listsApart: split !== null, offsets, keySection: own.subarray(offsets[7], offsets[7]! + keyBytes!) };
}

/** How many zero bytes `bytes` holds. */
function countNuls(bytes: Uint8Array): number {
  let n = 0;
  for (let at = bytes.indexOf(0); at !== -1; at = bytes.indexOf(0, at + 1)) n++;
  return n;
}

/** True when two byte ranges hold the same bytes. */
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);

/** A snapshot's header and sections, checked for size but with its posting lists not yet read. */
function snapshotSections(bytes: SnapshotBytes, options: DecodeOptions = {}) {
  const { sameAs, listed, withoutKeys = false } = options;
  const { own, fieldMask, docs, termCount, total, termBytes, lists, listsApart, offsets, keySection } = snapshotLayout(bytes);
  const base = own.byteOffset;
  const decoder = new TextDecoder();
  // The keys of an equal key section are these very strings: no decoding, and no second copy of a million paths.
  const shared = !withoutKeys && sameAs !== undefined && sameAs.keys.length === docs && sameBytes(keySection, snapshotLayout(sameAs.snapshot).keySection);
  const keys =
    shared ? sameAs.keys
    : docs === 0 || withoutKeys ? []
    : listed ? keysFromListing(keySection, docs, listed, decoder)
    : decoder.decode(keySection).split('\0');
  const terms = termCount === 0 ? [] : decoder.decode(own.subarray(offsets[8], offsets[8]! + termBytes!)).split('\n');
  if ((!withoutKeys && keys.length !== docs) || terms.length !== termCount) throw new SnapshotError('The snapshot does not add up');
  // Undecoded, the section must still hold `docs` keys: as many NULs as keys but one.
  if (withoutKeys && docs > 0 && countNuls(keySection) !== docs - 1) throw new SnapshotError('The snapshot does not add up');
  return {
    fieldMask,
    docs,
    total,
    keys,
    keySection,
    keysShared: shared,
    times: new Float64Array(own.buffer, base + offsets[1]!, docs),
    alive: own.subarray(offsets[2], offsets[2]! + docs!),
    terms,
    counts: new Uint32Array(own.buffer, base + offsets[3]!, termCount),
    sizes: new Uint32Array(own.buffer, base + offsets[4]!, termCount),
    lasts: new Int32Array(own.buffer, base + offsets[5]!, termCount),
    lists,
    /** The lists are in memory of their own (a {@link SplitSnapshot}): views of them keep nothing else alive. */
    listsApart,
  };
}

/**
 * Creates a compact inverted index: one posting list per word (varint bytes, see `posting-list.ts`)
 * and a sorted vocabulary for prefix lookups. Ranking is BM25-style (rare words weigh more, repeats saturate) with field
 * boosts; only the requested page is sorted (a bounded heap), so cost stays linear in matches.
 *
 * It replaced MiniSearch after `npm run bench` showed that library over the 5 ms p99 and 512 MB
 * targets at 100k articles (the benchmark keeps measuring both side by side).
 */
export function createSearchIndex(options: { fields?: readonly IndexedField[]; snapshot?: SnapshotBytes; typos?: boolean } = {}): SnapshotIndex {
  const fields = options.fields ?? ALL_FIELDS;
  const fieldMask = fields.reduce((m, f) => m | (1 << ALL_FIELDS.indexOf(f)), 0);
  const vocabulary = new Vocabulary();
  const terms = vocabulary.words;
  const postings: PostingList[] = [];
  /** Close spellings of words not in the archive (`src/search/typos.ts`); built on the first need. */
  const typos: TypoLookup | null = options.typos === false ? null : createTypoLookup(terms);
  /** The first `sortedTerms.length` words, sorted, for prefix lookups; brought up to date by `sortedVocabulary`. */
  let sortedTerms: string[] = [];
  /**
   * Every word, sorted. Words added since the last call are sorted alone and merged in: a live bot
   * adds a few words with each new article, and sorting the whole vocabulary again took tens of
   * milliseconds at the first search after it.
   */
  const sortedVocabulary = (): string[] => {
    const before = sortedTerms;
    if (before.length === terms.length) return before;
    const added = terms.slice(before.length).sort();
    if (before.length === 0) return (sortedTerms = added);
    const merged = new Array<string>(terms.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < before.length && j < added.length) merged[k++] = before[i]! < added[j]! ? before[i++]! : added[j++]!;
    while (i < before.length) merged[k++] = before[i++]!;
    while (j < added.length) merged[k++] = added[j++]!;
    return (sortedTerms = merged);
  };
  /** Adds since the last search: the first search after a bulk load trims every posting list. */
  let pendingAdds = 0;
  let docIds: (string | null)[] = [];
  const docNumber = new DocNumbers(() => docIds);
  let docTime = new Float64Array(1024);
  let dead = 0;
  /** Live documents that searches skip (duplicates the store hides); they stay indexed so showing one needs no text. */
  let hidden = 0;
  // Per-query scratch space, reused so a search allocates almost nothing.
  let score = new Float64Array(1024);
  let seen = new Uint8Array(1024);
  let matched = new Uint8Array(1024);
  let touchedBuf = new Int32Array(1024);
  /** 1 for live documents: a typed array is read far faster in the scoring loop than `docIds`. */
  let alive = new Uint8Array(1024);

  const grow = (n: number) => {
    if (n <= docTime.length) return;
    const size = Math.max(n, docTime.length * 2);
    const t = new Float64Array(size);
    t.set(docTime);
    docTime = t;
    score = new Float64Array(size);
    seen = new Uint8Array(size);
    matched = new Uint8Array(size);
    touchedBuf = new Int32Array(size);
    const a = new Uint8Array(size);
    a.set(alive);
    alive = a;
  };

  // Scratch space for `add`, reused so an article allocates nothing but its new words: which article
  // last held each word (a generation number, so nothing is cleared between articles), the word's
  // boosted count in it, and the article's distinct words in order.
  let seenIn = new Int32Array(1024);
  let termWeight = new Float64Array(1024);
  let generation = 0;
  const articleTerms = new Int32Array(MAX_TERMS_PER_ARTICLE);
  /** Distinct words of the article being added, in `articleTerms`. */
  let distinct = 0;

  /** A word the index does not hold yet: an id, a posting list, and room in the scratch arrays. */
  const newTerm = (term: string, hash: number): number => {
    const id = vocabulary.add(term, hash);
    postings.push(new PostingList());
    if (id === seenIn.length) {
      const s = new Int32Array(id * 2);
      s.set(seenIn);
      seenIn = s;
      const w = new Float64Array(id * 2);
      w.set(termWeight);
      termWeight = w;
    }
    return id;
  };

  const termId = (term: string): number => {
    const hash = vocabulary.hash(term);
    const id = vocabulary.get(term, hash);
    return id >= 0 ? id : newTerm(term, hash);
  };

  /**
   * Counts word `id` (-1: not held yet, `term` makes it) once more in the article being added, with
   * `boost`. A word the article has not used yet is left out once it holds {@link MAX_TERMS_PER_ARTICLE}.
   */
  const countTerm = (id: number, boost: number, text: string, start: number, end: number, upper: boolean, hash: number) => {
    if (id < 0 || seenIn[id] !== generation) {
      if (distinct >= MAX_TERMS_PER_ARTICLE) return;
      if (id < 0) {
        const word = text.slice(start, end);
        id = newTerm(upper ? word.toLowerCase() : word, hash);
      }
      seenIn[id] = generation;
      termWeight[id] = 0;
      articleTerms[distinct++] = id;
    }
    termWeight[id]! += boost;
  };

  /**
   * Counts the words of the indexed part of a field (as `tokenize` gives them) in the article being
   * added. Text whose only non-ASCII characters are plain separators (almost every article: curly
   * quotes, dashes) is read in one pass, each word looked up where it stands; other text is folded first.
   */
  const countField = (text: string, boost: number) => {
    const end = Math.min(text.length, MAX_INDEXED_CHARS_PER_FIELD);
    for (let i = 0; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128 && !plainSeparator(c)) {
        for (const word of foldedTokens(end < text.length ? text.slice(0, end) : text)) {
          const hash = vocabulary.hash(word);
          countTerm(vocabulary.get(word, hash), boost, word, 0, word.length, false, hash);
        }
        return;
      }
    }
    const seed = vocabulary.seed;
    let start = -1;
    let upper = false;
    let h = 0;
    for (let i = 0; i <= end; i++) {
      // One step past the end closes the last word.
      const c = i < end ? text.charCodeAt(i) : 32;
      const k = c < 128 ? ASCII_CLASS[c]! : 0;
      if (k !== 0) {
        if (start < 0) {
          start = i;
          upper = false;
          h = seed;
        }
        if (k === 2) upper = true;
        h = Math.imul(h ^ (k === 2 ? c + 32 : c), FNV_PRIME);
      } else if (start >= 0) {
        const hash = finishHash(h);
        countTerm(vocabulary.findText(text, start, i - start, hash), boost, text, start, i, upper, hash);
        start = -1;
      }
    }
  };

  // Postings of added articles not yet in their lists (term, document, weight), in the order added.
  // Appending each to its own list as it came made adding an article a few dozen scattered writes
  // and, as lists filled, reallocations: a quarter of the cost of indexing an archive. They are
  // moved in bulk, sorted by word, before anything reads the lists (`settle`).
  let pendingTerm = new Int32Array(PENDING_START);
  let pendingDoc = new Int32Array(PENDING_START);
  let pendingWeight = new Uint16Array(PENDING_START);
  let pendingCount = 0;
  /** Per word, while settling: its count, then where its run starts in the sorted arrays. */
  let settleAt = new Int32Array(1024);

  /** Moves the pending postings into their lists. Every reader of `postings` calls it first. */
  const settle = () => {
    const n = pendingCount;
    if (n === 0) return;
    if (settleAt.length < terms.length) settleAt = new Int32Array(Math.max(terms.length, settleAt.length * 2));
    for (let i = 0; i < n; i++) settleAt[pendingTerm[i]!]!++;
    // Runs in order of each word's first pending posting; `order` lists the words, `starts` their runs.
    const order: number[] = [];
    const starts: number[] = [];
    let at = 0;
    for (let i = 0; i < n; i++) {
      const t = pendingTerm[i]!;
      const count = settleAt[t]!;
      if (count <= 0) continue;
      order.push(t);
      starts.push(at);
      // Negative from here on: marks the word as placed, and (negated) is its next write position.
      settleAt[t] = -at - 1;
      at += count;
    }
    const docs = new Int32Array(n);
    const weights = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const t = pendingTerm[i]!;
      const to = -settleAt[t]! - 1;
      settleAt[t] = -(to + 1) - 1;
      docs[to] = pendingDoc[i]!;
      weights[to] = pendingWeight[i]!;
    }
    starts.push(n);
    for (let k = 0; k < order.length; k++) {
      const t = order[k]!;
      settleAt[t] = 0;
      postings[t]!.appendRun(docs.subarray(starts[k], starts[k + 1]), weights.subarray(starts[k], starts[k + 1]));
    }
    pendingCount = 0;
    if (pendingTerm.length > PENDING_START) {
      // A bulk load is over: give the space back.
      pendingTerm = new Int32Array(PENDING_START);
      pendingDoc = new Int32Array(PENDING_START);
      pendingWeight = new Uint16Array(PENDING_START);
    }
  };

  /** Queues a posting of word `term` in document `doc`; past {@link MAX_PENDING}, settles first. */
  const queuePosting = (term: number, doc: number, weight: number) => {
    if (pendingCount === pendingTerm.length) {
      if (pendingCount >= MAX_PENDING) settle();
      else {
        const size = pendingCount * 2;
        const t = new Int32Array(size);
        t.set(pendingTerm);
        pendingTerm = t;
        const d = new Int32Array(size);
        d.set(pendingDoc);
        pendingDoc = d;
        const w = new Uint16Array(size);
        w.set(pendingWeight);
        pendingWeight = w;
      }
    }
    pendingTerm[pendingCount] = term;
    pendingDoc[pendingCount] = doc;
    pendingWeight[pendingCount++] = Math.min(65_535, Math.round(weight * WEIGHT_SCALE));
  };

  /** Drops removed documents from every posting list once they make up a quarter of the index. */
  const compact = () => {
    settle();
    const remap = new Int32Array(docIds.length).fill(-1);
    const ids: (string | null)[] = [];
    for (let d = 0; d < docIds.length; d++) {
      const id = docIds[d];
      if (id === null || id === undefined) continue;
      remap[d] = ids.length;
      docTime[ids.length] = docTime[d]!;
      alive[ids.length] = alive[d]!;
      ids.push(id);
    }
    for (const p of postings) p.renumber(remap);
    alive.fill(0, ids.length);
    docIds = ids;
    docNumber.rebuild();
    dead = 0;
  };

  /** True when some shown document holds the word: a removed article's words stay in the dictionary. */
  const shownIn = (tid: number) => {
    const p = postings[tid]!;
    const reader = new PostingReader(p.bytes, 0, p.used);
    while (reader.next()) if (alive[reader.doc] === 1) return true;
    return false;
  };

  /**
   * Close spellings of a word, each with its weight (fewest edits, most common first): any that occur
   * when the archive does not hold the word (`held` 0), else only those far more common than it.
   */
  const typoExpansions = (token: string, corrections: TypoCorrection[], held: number): Array<[number, number]> => {
    // A word common enough that no word could be 50 times more so needs no lookup (most words people search).
    if (!typos || !isTypoWord(token) || held * RARE_RATIO >= docIds.length) return [];
    const found = typos.candidates(token, typoBudget(token.length)).filter((c) => postings[c.term]!.length > held * RARE_RATIO);
    found.sort((a, b) => a.edits - b.edits || postings[b.term]!.length - postings[a.term]!.length);
    found.length = Math.min(found.length, MAX_TYPO_EXPANSIONS);
    if (found.length > 0) corrections.push({ word: token, matches: found.map((c) => terms[c.term]!) });
    return found.map((c) => [c.term, TYPO_WEIGHT[c.edits as 1 | 2]]);
  };

  const expansions = (token: string, prefix: boolean, corrections?: TypoCorrection[]): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    const found = vocabulary.get(token);
    const exact = found >= 0 ? found : undefined;
    if (exact !== undefined) out.push([exact, 1]);
    // Close spellings rank below the word itself, and only a rare word gets them: `musk` never also finds `must`.
    if (corrections) out.push(...typoExpansions(token, corrections, exact === undefined ? 0 : postings[exact]!.length));
    if (!prefix || token.length < 2) return out;
    const list = sortedVocabulary();
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]! < token) lo = mid + 1;
      else hi = mid;
    }
    const candidates: number[] = [];
    for (let i = lo; i < list.length && list[i]!.startsWith(token); i++) if (list[i] !== token) candidates.push(vocabulary.get(list[i]!));
    if (candidates.length > MAX_EXPANSIONS) candidates.sort((a, b) => postings[b]!.length - postings[a]!.length).length = MAX_EXPANSIONS;
    for (const id of candidates) out.push([id, PREFIX_WEIGHT]);
    return out;
  };

  const run = (tokens: Array<Array<[number, number]>>, requireAll: boolean, filter: ((id: string) => boolean) | undefined, k: number, newest = false) => {
    const live = docIds.length - dead - hidden;
    let touchedCount = 0;
    tokens.forEach((exp, qi) => {
      const mark = qi + 1;
      for (const [tid, mult] of exp) {
        const p = postings[tid]!;
        const idf = Math.log(1 + (live - p.length + 0.5) / (p.length + 0.5));
        const factor = idf * mult * (K1 + 1);
        // The list's varints read inline (see `posting-list.ts`): this loop is most of a search's time.
        const bytes = p.bytes;
        const stop = p.used;
        let at = 0;
        let d = -1;
        while (at < stop) {
          let b = bytes[at++]!;
          let gap = b & 0x7f;
          for (let shift = 7; b >= 0x80; shift += 7) {
            b = bytes[at++]!;
            gap |= (b & 0x7f) << shift;
          }
          d += gap;
          b = bytes[at++]!;
          let weight = b & 0x7f;
          for (let shift = 7; b >= 0x80; shift += 7) {
            b = bytes[at++]!;
            weight |= (b & 0x7f) << shift;
          }
          if (alive[d] === 0) continue;
          const w = weight / WEIGHT_SCALE;
          if (seen[d] === 0) touchedBuf[touchedCount++] = d;
          if (seen[d] !== mark) {
            seen[d] = mark;
            matched[d]!++;
          }
          score[d]! += (factor * w) / (w + K1);
        }
      }
    });
    const need = requireAll ? tokens.length : 1;
    // A bounded min-heap keeps the best k; everything else is only counted.
    const heap: number[] = [];
    const better = newest
      ? (a: number, b: number) => docTime[a]! > docTime[b]! || (docTime[a] === docTime[b] && (score[a]! > score[b]! || (score[a] === score[b] && docIds[a]! < docIds[b]!)))
      : (a: number, b: number) => score[a]! > score[b]! || (score[a] === score[b] && (docTime[a]! > docTime[b]! || (docTime[a] === docTime[b] && docIds[a]! < docIds[b]!)));
    const siftDown = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && better(heap[m]!, heap[l]!)) m = l;
        if (r < heap.length && better(heap[m]!, heap[r]!)) m = r;
        if (m === i) return;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    };
    const siftUp = (i: number) => {
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!better(heap[p]!, heap[i]!)) return;
        [heap[i], heap[p]] = [heap[p]!, heap[i]!];
        i = p;
      }
    };
    let total = 0;
    // Indexed loops over the scratch buffer: a `for…of` would allocate an iterator result per matched document.
    for (let t = 0; t < touchedCount; t++) {
      const d = touchedBuf[t]!;
      if (matched[d]! >= need && (!filter || filter(docIds[d]!))) {
        total++;
        // Past the first k, most matches rank below the k-th best on the first key alone: rejected without the full comparison.
        if (k > 0) {
          if (heap.length < k) {
            heap.push(d);
            siftUp(heap.length - 1);
          } else if ((newest ? docTime[d]! >= docTime[heap[0]!]! : score[d]! >= score[heap[0]!]!) && better(d, heap[0]!)) {
            heap[0] = d;
            siftDown(0);
          }
        }
      }
    }
    const best = heap.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0)).map((d) => ({ id: docIds[d]!, score: score[d]! }));
    for (let t = 0; t < touchedCount; t++) {
      const d = touchedBuf[t]!;
      score[d] = 0;
      seen[d] = 0;
      matched[d] = 0;
    }
    return { total, best };
  };

  /**
   * The work of `absorb`, pausing (`yield`) every few thousand documents and words. The snapshot is
   * decoded and checked whole before the first change, so bytes that are not a snapshot change nothing.
   */
  function* absorbSteps(bytes: SnapshotBytes, options: AbsorbOptions = {}): Generator<void> {
    const snap = yield* decodeSnapshotSteps(bytes, options);
    if (snap.fieldMask !== fieldMask) throw new SnapshotError('The snapshot indexes other fields');
    // The snapshot's documents come after every pending one, in every list.
    settle();
    if (options.share && !snap.keysShared) snap.keys = snap.keys.map(options.share);
    // A restart absorbs into an empty index: nothing to replace, and no lookup per key to find that out.
    if (docNumber.size > 0) for (const key of snap.keys) if (docNumber.has(key)) index.remove(key);
    // After the removals: one of them may have compacted the documents.
    const offset = docIds.length;
    grow(offset + snap.keys.length);
    docNumber.reserve(docNumber.size + snap.keys.length);
    for (let i = 0; i < snap.keys.length; i++) {
      const key = snap.keys[i]!;
      docIds.push(key);
      docNumber.set(key, offset + i);
      docTime[offset + i] = snap.times[i]!;
      alive[offset + i] = snap.alive[i]!;
      if (snap.alive[i] === 0) hidden++;
      if (i % STEP === STEP - 1) yield;
    }
    let at = 0;
    // The first snapshot into an empty index gives its lists whole: they are used as they are, in one copy of
    // the lists alone (or in the snapshot itself, `inPlace`). Views into the snapshot keep all of it alive (its
    // paths, dates and vocabulary, decoded or copied already): at a million articles about 75 MB of the two
    // indexes' snapshots, for a restart whose snapshots were read from the cache for this alone.
    const lists = offset === 0 && !options.inPlace && !snap.listsApart ? snap.lists.slice() : snap.lists;
    for (let i = 0; i < snap.terms.length; i++) {
      const term = snap.terms[i]!;
      const n = snap.counts[i]!;
      const size = snap.sizes[i]!;
      const p = postings[termId(term)]!;
      if (p.length === 0 && offset === 0) {
        p.bytes = lists.subarray(at, at + size);
        p.used = size;
        p.length = n;
        p.last = snap.lasts[i]!;
      } else p.appendList(snap.lists.subarray(at, at + size), n, snap.lasts[i]!, offset);
      at += size;
      if (i % STEP === STEP - 1) yield;
    }
    pendingAdds += snap.keys.length;
  }

  const index: SnapshotIndex = {
    add(article, key = article.id) {
      if (docNumber.has(key)) this.remove(key);
      const d = docIds.length;
      grow(d + 1);
      docIds.push(key);
      docNumber.set(key, d);
      docTime[d] = article.publishedAt.getTime();
      alive[d] = 1;
      // A new generation marks every word unseen in this article, without clearing anything.
      if (++generation === 0x7fff_ffff) {
        seenIn.fill(0);
        generation = 1;
      }
      distinct = 0;
      // Fields in boost order (title first), so a cut article keeps its most telling words.
      for (const f of fields) countField(fieldText[f](article), FIELD_BOOST[f]);
      for (let i = 0; i < distinct; i++) {
        const id = articleTerms[i]!;
        queuePosting(id, d, termWeight[id]!);
      }
      pendingAdds++;
    },
    remove(key) {
      const d = docNumber.get(key);
      if (d === undefined) return;
      docNumber.delete(key);
      if (alive[d] === 0) hidden--;
      docIds[d] = null;
      alive[d] = 0;
      dead++;
      if (dead > 1000 && dead * 4 > docIds.length) compact();
    },
    has(key) {
      return docNumber.has(key);
    },
    keyOf(key) {
      return this.keyAt(this.docOf(key));
    },
    keyList() {
      return docIds.filter((key): key is string => key !== null);
    },
    *keys() {
      // Document order is the order keys were added in (compaction keeps it), as a `Map` would list them.
      for (const key of docIds) if (key !== null) yield key;
    },
    setHidden(key, hide) {
      const d = docNumber.get(key);
      if (d !== undefined) this.setHiddenAt(d, hide);
    },
    docOf(key) {
      return docNumber.get(key) ?? -1;
    },
    keyAt(doc) {
      return docIds[doc] ?? undefined;
    },
    setHiddenAt(d, hide) {
      if (d < 0 || d >= docIds.length || docIds[d] === null || (alive[d] === 0) === hide) return;
      alive[d] = hide ? 0 : 1;
      hidden += hide ? 1 : -1;
    },
    serialize() {
      settle();
      if (dead > 0) compact();
      return encodeSnapshot({ fieldMask, keys: docIds as string[], times: docTime.subarray(0, docIds.length), alive: alive.subarray(0, docIds.length), terms, postings });
    },
    absorb(bytes, options) {
      runSteps(absorbSteps(bytes, options));
    },
    async absorbInSlices(bytes, pause, options) {
      await runStepsPausing(absorbSteps(bytes, options), pause);
    },
    search(text, opts = {}) {
      settle();
      if (pendingAdds > 1000) for (const p of postings) p.trim();
      pendingAdds = 0;
      const unique = [...new Set(tokenize(text))].slice(0, MAX_QUERY_TERMS);
      if (unique.length === 0) return { total: 0, hits: [] };
      // Only the last word is still being typed: it alone is completed (`mus` → `musk`); the others must match whole.
      const corrections: TypoCorrection[] = [];
      const expanded = unique.map((t, i) => expansions(t, i === unique.length - 1, corrections));
      const k = (opts.offset ?? 0) + (opts.limit ?? 10);
      const newest = opts.sort === 'newest';
      let result = expanded.every((e) => e.length > 0) ? run(expanded, true, opts.filter, k, newest) : { total: 0, best: [] as SearchHit[] };
      // Every word must match first; if that finds nothing, any word may (one typo does not sink the rest).
      if (result.total === 0 && unique.length > 1) result = run(expanded.filter((e) => e.length > 0), false, opts.filter, k, newest);
      return { total: result.total, hits: result.best.slice(opts.offset ?? 0), ...(corrections.length > 0 ? { corrections } : {}) };
    },
    closestWords(word, limit = 3) {
      settle();
      const [token] = tokenize(word);
      if (!typos || !token || !isTypoWord(token)) return [];
      // A word the archive shows needs no suggestion (a filter, not a typo, left it without results).
      const own = vocabulary.get(token);
      if (own >= 0 && shownIn(own)) return [];
      const found = typos.nearest(token, Math.min(3, typoBudget(token.length) + 1), 50).filter((c) => postings[c.term]!.length > 0);
      found.sort((a, b) => a.edits - b.edits || postings[b.term]!.length - postings[a.term]!.length);
      const out: string[] = [];
      for (const c of found) {
        if (out.length >= limit) break;
        if (shownIn(c.term)) out.push(terms[c.term]!);
      }
      return out;
    },
    get size() {
      return docNumber.size;
    },
    get terms() {
      return terms.length;
    },
  };
  if (options.snapshot) index.absorb(options.snapshot);
  return index;
}
