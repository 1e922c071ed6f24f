import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import type { ContentIssue } from '../content/article.ts';
import { SENTIMENTS } from '../content/article.ts';
import { SNAPSHOT_HEADER_BYTES, snapshotChunks, snapshotListsRange, type IndexSnapshots, type SnapshotBytes } from '../content/store.ts';
import { columnRecord, publishedMs, titleHash, type RowColumns } from '../content/stored-article.ts';
import type { ParsedEntry } from './parse-batch.ts';

/**
 * The archive cache: what a load found in each file (the stored article, or why it was skipped or
 * excluded), keyed by path, size and modification time, plus the search indexes as bytes. A restart
 * reads it, re-reads only files that changed or appeared, and drops those that vanished.
 *
 * File layout: a 32-byte header (magic, format version, payload length, CRC-32 of the section table),
 * then the payload: the section table (how many record segments there are, then each section's length
 * and CRC-32), the record segments (a first load writes one per parse worker, as the workers encoded
 * them), then the two index snapshots, each section but the last padded with zeros to 8 bytes. A reader
 * takes one section at a time into memory of its own and checks it before using it: the file is never
 * held whole (at a million articles, 450 MB on top of everything it decodes into, the load's peak).
 * The records are stored by column, not as one object per file: a few JSON columns (the
 * paths as one string, a NUL between two; the ids, empty where an id is its path without `.md`; tables of the few distinct sources and topic lists), then typed arrays
 * (sizes, times, dates, scores, richness, dedupe hashes, table indexes, kinds and flags), then each
 * row's title, URL and upstream id as UTF-8 bytes with where each ends. A restart decodes each JSON
 * column in one call and makes one object per article, no more (at 100,000 files, one JSON object per
 * file cost more in garbage collection than everything else a restart does), and that object keeps
 * only its row, path, id and date: the other fields are read from the columns, and the text stays as
 * bytes, read into strings only for the articles shown (see `columnRecord`).
 *
 * A file with another magic, version or settings key, a wrong length or a wrong checksum anywhere is
 * refused as a whole (nothing read from it is used before every section has been checked) and the
 * archive is loaded from the files: a cache is never half-served.
 */

/** Bumped whenever the file layout changes. The parser's own changes are caught by `parserFingerprint`. */
export const CACHE_FORMAT_VERSION = 8;
const MAGIC = 0x4e444143; // "NDAC"
const HEADER_BYTES = 32;

/** One file as the cache remembers it (a whole parsed article, when there is one, is not written). */
export type CacheEntry = ParsedEntry;

const KIND_ARTICLE = 0;
const KIND_EXCLUDED = 1;
const KIND_ISSUE = 2;
const NONE = 0xffffffff;

/**
 * A cache as read: its records by column, row `i` for the `i`-th file. Use `entry(i)` for a row's
 * outcome (an article is made only then), `rowOf` to find a file's row.
 */
export interface CacheRecords {
  readonly length: number;
  /** The path of row `i`, made when asked (a segment keeps its paths as one string). */
  file(row: number): string;
  /** How row `i`'s path compares with `path`, as JavaScript compares strings (-1, 0, 1), with no string made. */
  compareFile(row: number, path: string): number;
  /** True when the rows' paths rise, as a load lists them. */
  readonly filesSorted: boolean;
  readonly sizes: Float64Array;
  readonly mtimes: Float64Array;
  /** Dedupe key hashes in all the rows, for a store to size its tables before a bulk load. */
  readonly hashes: number;
  /** The row of `file`, or -1. */
  rowOf(file: string): number;
  /** True for a file skipped for a reason that may pass (see `isTransientIssue`): it is read again, never served. */
  transient(row: number): boolean;
  /** The outcome a row records; an article object is made only here, once per file served. `file`: its path, when the caller holds it already. */
  entry(row: number, file?: string): CacheEntry;
}

/**
 * What a cache holds: its records in one or more segments (a first load writes one per parse worker), and
 * the indexes of them all, each read with its posting lists apart (see `SplitSnapshot`).
 */
export interface CacheContents {
  records: CacheRecords[];
  snapshots: IndexSnapshots<SnapshotBytes>;
}

/** Why a cache file was not used, for the log. */
export type CacheMiss = { reason: 'absent' } | { reason: 'invalid'; message: string };

export { cacheFileFor } from './cache-file.ts';

let fingerprint: string | undefined;

/**
 * A hash of the source of everything that turns a file into a stored article and its index entry, so
 * a cache written by another version of the parser is refused rather than served. Read once.
 */
export function parserFingerprint(): string {
  if (fingerprint) return fingerprint;
  const hash = createHash('sha1');
  for (const folder of ['../content/', '../search/', '../classify/']) {
    const dir = new URL(folder, import.meta.url);
    try {
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts')).sort()) hash.update(name).update(readFileSync(new URL(name, dir)));
    } catch {
      hash.update(`${folder}:unreadable`);
    }
  }
  for (const name of ['read-sync.ts', 'parse-batch.ts', 'archive-cache.ts']) hash.update(readFileSync(new URL(name, import.meta.url)));
  fingerprint = hash.digest('hex');
  return fingerprint;
}

/** The settings a cache is valid for: the parser, `TOPIC_ALIASES` and `CONTENT_TIMEZONE`. */
export function cacheKey(settings: { aliases: Readonly<Record<string, string>>; timeZone?: string }): string {
  const aliases = Object.entries(settings.aliases).sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha1').update(JSON.stringify({ v: CACHE_FORMAT_VERSION, parser: parserFingerprint(), aliases, tz: settings.timeZone ?? 'UTC' })).digest('hex');
}

const pad8 = (n: number) => (n + 7) & ~7;
const yieldToLoop = () => new Promise((r) => setImmediate(r));

/** The JSON columns, in file order. */
const TEXT_COLUMNS = ['head', 'files', 'ids', 'sources', 'topicLists', 'extras'] as const;

/**
 * Byte sizes of the typed columns, in file order, for `n` rows, `hashes` dedupe hashes and `textBytes`
 * bytes of text. `textEnds`: where each row's title, URL and upstream id end in `text` (three per row);
 * `textNulls`: bit 1 for a row without a URL, bit 2 for one without an upstream id; `titleHashes`: each
 * article's `foldedTitleHash`, which a restart files every title by (hashing a million titles' bytes
 * took about 0.4 s of it).
 */
const numericLayout = (n: number, hashes: number, textBytes: number) => [
  ['sizes', n * 8],
  ['mtimes', n * 8],
  ['published', n * 8],
  ['scores', n * 8],
  ['richness', n * 8],
  ['hashes', hashes * 8],
  ['source', n * 4],
  ['topics', n * 4],
  ['kind', n],
  ['sentiment', n],
  ['flags', n],
  ['hashCount', n],
  ['textEnds', n * 12],
  ['textNulls', n],
  ['titleHashes', n * 4],
  ['text', textBytes],
] as const;

/** An extra, by row: why a file was excluded or skipped, or the notices of an article that was cut. */
type Extra = [row: number, kind: 1, reason: string] | [row: number, kind: 2, path: string, message: string] | [row: number, kind: 0, notices: ContentIssue[]];

/** Bytes of the section table: the segment count (and padding), then per section its length (u64) and CRC-32 (and padding). */
const tableBytes = (segments: number) => 8 + (segments + 2) * 16;

/** A file that ended before a section it announced (cut, or cut while being read). */
class CutShort extends Error {}

/** Reads exactly `into.length` bytes at `position`; throws {@link CutShort} at an early end of file. */
async function readExactly<T extends Uint8Array>(handle: FileHandle, position: number, into: T): Promise<T> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new CutShort();
    done += bytesRead;
  }
  return into;
}

/** CRC-32 of `bytes` (going on from `crc`, of the bytes before them) in slices, so a restart keeps answering while a large section is checked. */
async function checksum(bytes: Uint8Array, onStep?: () => void, crc = 0): Promise<number> {
  const SLICE = 8 << 20;
  for (let at = 0; at < bytes.length; at += SLICE) {
    crc = crc32(bytes.subarray(at, at + SLICE), crc);
    if (at + SLICE < bytes.length) {
      onStep?.();
      await yieldToLoop();
    }
  }
  return crc;
}

/** Reads and checks a cache file; the reason when it is absent or not to be trusted. Yields to the event loop between steps. */
export async function readArchiveCache(
  path: string,
  key: string,
  /** Told between steps (the checksum's slices, the sections), so a caller can show progress. */
  onStep?: () => void,
): Promise<{ ok: true; contents: CacheContents } | ({ ok: false } & CacheMiss)> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // No cache yet, or no cache folder yet (a path through a file is reported when the cache is written).
    return code === 'ENOENT' || code === 'ENOTDIR' ? { ok: false, reason: 'absent' } : { ok: false, reason: 'invalid', message: `unreadable (${code})` };
  }
  const bad = (message: string) => ({ ok: false as const, reason: 'invalid' as const, message });
  try {
    const size = (await handle.stat()).size;
    if (size < HEADER_BYTES) return bad('truncated');
    const header = await readExactly(handle, 0, Buffer.alloc(HEADER_BYTES));
    if (header.readUInt32LE(0) !== MAGIC) return bad('not an archive cache');
    const version = header.readUInt32LE(4);
    if (version !== CACHE_FORMAT_VERSION) return bad(`format version ${version}, expected ${CACHE_FORMAT_VERSION}`);
    const length = header.readUInt32LE(8) + header.readUInt32LE(12) * 2 ** 32;
    if (size !== HEADER_BYTES + length) return bad(size < HEADER_BYTES + length ? 'truncated' : 'longer than its header says');
    if (length < 8) return bad('truncated');
    const count = (await readExactly(handle, HEADER_BYTES, Buffer.alloc(8))).readUInt32LE(0);
    if (tableBytes(count) > length) return bad('truncated');
    const table = await readExactly(handle, HEADER_BYTES, Buffer.alloc(tableBytes(count)));
    if (crc32(table) !== header.readUInt32LE(16)) return bad('checksum mismatch');
    const sections = Array.from({ length: count + 2 }, (_, i) => ({
      length: table.readUInt32LE(8 + i * 16) + table.readUInt32LE(12 + i * 16) * 2 ** 32,
      crc: table.readUInt32LE(16 + i * 16),
    }));
    // Every section but the last is padded to 8 bytes, and together they fill the payload exactly.
    const filled = sections.reduce((n, sec, i) => n + (i === sections.length - 1 ? sec.length : pad8(sec.length)), tableBytes(count));
    if (filled !== length) return bad('unreadable payload (its sections do not add up)');
    let at = HEADER_BYTES + tableBytes(count);
    /** The next section, read into memory of its own (8-byte aligned, as the snapshots' typed views need) and checked; null when it is damaged. */
    const next = async (i: number): Promise<Uint8Array | null> => {
      const { length: n, crc } = sections[i]!;
      const padded = i === sections.length - 1 ? n : pad8(n);
      const bytes = await readExactly(handle, at, new Uint8Array(padded));
      at += padded;
      onStep?.();
      for (let k = n; k < padded; k++) if (bytes[k] !== 0) return null;
      const body = bytes.subarray(0, n);
      return (await checksum(body, onStep)) === crc ? body : null;
    };
    const records: CacheRecords[] = [];
    const shared: SharedLists = new Map();
    for (let k = 0; k < count; k++) {
      const bytes = await next(k);
      if (!bytes) return bad('checksum mismatch');
      const decoded = await decodeRecords(bytes, key, shared);
      if (!decoded.ok) return bad(decoded.message);
      records.push(decoded.records);
    }
    /**
     * The next section, an index snapshot, read as `next` does but with its posting lists in memory of their
     * own (see `SplitSnapshot`): the index keeps them as they are, and nothing else of the snapshot, where a
     * copy of the lists out of the whole section was the restart's peak (about 140 MB more at 1M).
     * A section whose header does not say where its lists are is read whole (and fails as a snapshot).
     */
    const nextSnapshot = async (i: number): Promise<SnapshotBytes | null> => {
      const { length: n, crc } = sections[i]!;
      const padded = i === sections.length - 1 ? n : pad8(n);
      const range = n >= SNAPSHOT_HEADER_BYTES ? snapshotListsRange(await readExactly(handle, at, new Uint8Array(SNAPSHOT_HEADER_BYTES))) : null;
      if (!range || range.start + range.padded > n) return next(i);
      const head = new Uint8Array(padded - range.padded);
      const lists = new Uint8Array(range.length);
      const gap = new Uint8Array(range.padded - range.length);
      const parts = [head.subarray(0, range.start), lists, gap, head.subarray(range.start)];
      let sum = 0;
      for (const part of parts) {
        await readExactly(handle, at, part);
        at += part.length;
        onStep?.();
        // The last part ends with the section's padding, outside its checksum.
        sum = await checksum(part === parts[3] ? part.subarray(0, part.length - (padded - n)) : part, onStep, sum);
      }
      for (let k = n - range.padded; k < head.length; k++) if (head[k] !== 0) return null;
      return sum === crc ? { head: head.subarray(0, n - range.padded), lists } : null;
    };
    const index = await nextSnapshot(count);
    const titles = await nextSnapshot(count + 1);
    if (!index || !titles) return bad('checksum mismatch');
    return { ok: true, contents: { records, snapshots: { index, titles } } };
  } catch (err) {
    if (err instanceof CutShort) return bad('truncated');
    const code = (err as NodeJS.ErrnoException).code;
    return bad(code ? `unreadable (${code})` : `unreadable payload (${(err as Error).message})`);
  } finally {
    await handle.close();
  }
}

/**
 * Reads records encoded by {@link RecordsEncoder} (a cache file's, or a parse worker's), checking that
 * they were written with `key` and add up. Yields to the event loop between columns.
 */
/** Topic lists by their joined names, the same array for every segment of a cache that holds the list. */
type SharedLists = Map<string, string[]>;

/**
 * Reads records written by {@link RecordsEncoder}. Topic lists are taken from `shared` where a segment
 * read before held the same list, so every article with that list holds one array (the store shares
 * lists by identity; a first load writes a segment per 10,000 files, each with its own copies).
 */
export async function decodeRecords(bytes: Uint8Array, key: string, shared: SharedLists = new Map()): Promise<{ ok: true; records: CacheRecords } | { ok: false; message: string }> {
  const bad = (message: string) => ({ ok: false as const, message });
  const payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const lengths = new Array<number>(TEXT_COLUMNS.length);
    let at = 0;
    if (payload.length < pad8(TEXT_COLUMNS.length * 4)) return bad('truncated');
    for (let i = 0; i < TEXT_COLUMNS.length; i++, at += 4) lengths[i] = payload.readUInt32LE(at);
    at = pad8(at);
    const text: unknown[] = [];
    for (let i = 0; i < TEXT_COLUMNS.length; i++) {
      if (at + lengths[i]! > payload.length) return bad('truncated');
      text.push(JSON.parse(payload.toString('utf8', at, at + lengths[i]!)));
      at += lengths[i]!;
      await yieldToLoop();
    }
    const [head, joinedFiles, ids, sources, ownLists, extras] = text as [{ key: string; n: number; hashes: number; textBytes: number }, string, string[], string[], string[][], Extra[]];
    if (head.key !== key) return bad('written by another version of the parser or with other settings');
    if (!Array.isArray(ownLists) || !ownLists.every((l) => Array.isArray(l) && l.every((t) => typeof t === 'string'))) return bad('unreadable payload (topic lists)');
    const topicLists = ownLists.map((list) => {
      const joined = list.join('\n');
      const seen = shared.get(joined);
      if (seen) return seen;
      shared.set(joined, list);
      return list;
    });
    const n = head.n;
    if (!Array.isArray(ids) || ids.length !== n || typeof joinedFiles !== 'string') return bad('unreadable payload (columns do not add up)');
    const files = segmentFiles(joinedFiles, n);
    if (!files) return bad('unreadable payload (paths do not add up)');
    if (!Number.isSafeInteger(head.textBytes) || head.textBytes < 0) return bad('unreadable payload (text length)');
    at = pad8(at);
    // The typed columns are copied out of the bytes, so a file's buffer is freed once the load is over.
    const columns: Record<string, Uint8Array> = {};
    for (const [name, size] of numericLayout(n, head.hashes, head.textBytes)) {
      if (at + size > payload.length) return bad('truncated');
      columns[name] = new Uint8Array(payload.subarray(at, at + size));
      at = pad8(at + size);
    }
    const f64 = (name: string) => new Float64Array(columns[name]!.buffer);
    const u32 = (name: string) => new Uint32Array(columns[name]!.buffer);
    const sizes = f64('sizes');
    const mtimes = f64('mtimes');
    const published = f64('published');
    const scores = f64('scores');
    const richness = f64('richness');
    const hashes = f64('hashes');
    const source = u32('source');
    const topics = u32('topics');
    const { kind, sentiment, flags, hashCount } = columns as Record<'kind' | 'sentiment' | 'flags' | 'hashCount', Uint8Array>;
    const hashStart = new Uint32Array(n + 1);
    for (let i = 0; i < n; i++) hashStart[i + 1] = hashStart[i]! + hashCount![i]!;
    if (hashStart[n] !== head.hashes) return bad('unreadable payload (dedupe hashes do not add up)');
    const rowColumns = segmentColumns({ n, kind: kind!, source, sources, topics, topicLists, sentiment: sentiment!, flags: flags!, scores, richness, hashes, hashStart, text: columns.text!, textEnds: u32('textEnds'), textNulls: columns.textNulls!, titleHashes: u32('titleHashes') });
    if (typeof rowColumns === 'string') return bad(`unreadable payload (${rowColumns})`);
    const extra = new Map<number, Extra>();
    const notices = new Map<number, ContentIssue[]>();
    for (const e of extras) {
      if (e[1] === KIND_ARTICLE) notices.set(e[0], e[2]);
      else extra.set(e[0], e);
    }
    let rows: Map<string, number> | null = null;
    const records: CacheRecords = {
      length: n,
      file: files.file,
      compareFile: files.compare,
      filesSorted: files.sorted,
      sizes,
      mtimes,
      hashes: head.hashes,
      rowOf(file) {
        if (!rows) {
          rows = new Map();
          for (let i = 0; i < n; i++) rows.set(files.file(i), i);
        }
        return rows.get(file) ?? -1;
      },
      transient: (i) => kind![i] === KIND_ISSUE && flags![i] === 1,
      entry(i, given) {
        const file = given ?? files.file(i);
        if (kind![i] === KIND_EXCLUDED) return { kind: 'excluded', file, size: sizes[i]!, mtimeMs: mtimes[i]!, reason: (extra.get(i) as [number, 1, string])[2] };
        if (kind![i] === KIND_ISSUE) {
          const e = extra.get(i) as [number, 2, string, string];
          return { kind: 'issue', file, size: sizes[i]!, mtimeMs: mtimes[i]!, issue: { file, path: e[2], message: e[3] }, transient: flags![i] === 1 };
        }
        // An id left out is its path without `.md` (see `RecordsEncoder.push`): cut from the path, it is a
        // slice of that string (a pointer and an offset), not a second copy of most of it.
        const article = columnRecord(rowColumns, i, ids[i] || file.slice(0, -3), file, published[i]!);
        const cut = notices.get(i);
        return cut ? { kind: 'article', file, size: sizes[i]!, mtimeMs: mtimes[i]!, article, notices: cut } : { kind: 'article', file, size: sizes[i]!, mtimeMs: mtimes[i]!, article };
      },
    };
    return { ok: true, records };
  } catch (err) {
    return bad(`unreadable payload (${(err as Error).message})`);
  }
}

/**
 * A segment's paths, from one string with a NUL between two (the JSON column `files`), or null when it
 * does not hold `n`. Kept as that one string: a restart pairs a million paths with the folder's listing
 * and serves each file under the listing's own string, so a string per row was a million made and dropped.
 */
function segmentFiles(joined: string, n: number): { file(row: number): string; compare(row: number, path: string): number; sorted: boolean } | null {
  const starts = new Int32Array(n + 1);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const nul = i === n - 1 ? joined.length : joined.indexOf('\0', at);
    if (nul === -1) return null;
    starts[i] = at;
    at = nul + 1;
  }
  if (n > 0 && at !== joined.length + 1) return null;
  if (n === 0 && joined.length !== 0) return null;
  starts[n] = joined.length + 1;
  /** `joined[start, end)` against `other[from, to)`, code unit by code unit. */
  const order = (start: number, end: number, other: string, from: number, to: number) => {
    const len = Math.min(end - start, to - from);
    for (let k = 0; k < len; k++) {
      const a = joined.charCodeAt(start + k);
      const b = other.charCodeAt(from + k);
      if (a !== b) return a < b ? -1 : 1;
    }
    return end - start === to - from ? 0 : end - start < to - from ? -1 : 1;
  };
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = order(starts[i - 1]!, starts[i]! - 1, joined, starts[i]!, starts[i + 1]! - 1) < 0;
  return {
    file: (row) => joined.slice(starts[row]!, starts[row + 1]! - 1),
    compare: (row, path) => order(starts[row]!, starts[row + 1]! - 1, path, 0, path.length),
    sorted,
  };
}

/** A segment's columns as read (see `numericLayout`), with where each row's dedupe hashes start. */
interface SegmentColumns {
  n: number;
  kind: Uint8Array;
  source: Uint32Array;
  sources: readonly string[];
  topics: Uint32Array;
  topicLists: readonly string[][];
  sentiment: Uint8Array;
  flags: Uint8Array;
  scores: Float64Array;
  richness: Float64Array;
  hashes: Float64Array;
  hashStart: Uint32Array;
  text: Uint8Array;
  textEnds: Uint32Array;
  textNulls: Uint8Array;
  titleHashes: Uint32Array;
}

/**
 * The rows of a segment for its records to read (see `columnRecord`), or what does not add up: an
 * article row whose source, topic list or sentiment is outside its table, more than three dedupe keys, or
 * text ends that do not rise within the bytes. Every row is checked here, since a record reads its fields
 * only when asked. Richness and dedupe hashes are kept as 32-bit integers (half the bytes; a richness is
 * a whole number of thousandths, a hash 31 bits); the other columns read are kept as they are.
 */
function segmentColumns(c: SegmentColumns): RowColumns | string {
  const { n, kind, source, sources, topics, topicLists, sentiment, flags, scores, hashStart, text: bytes, textEnds: ends, textNulls: nulls, titleHashes } = c;
  for (let i = 0; i < n; i++) {
    if (kind[i] !== KIND_ARTICLE) continue;
    if (source[i] !== NONE && source[i]! >= sources.length) return 'a source outside its table';
    if (topics[i]! >= topicLists.length) return 'a topic list outside its table';
    if (sentiment[i]! >= SENTIMENTS.length) return 'a sentiment outside its table';
    if (hashStart[i + 1]! - hashStart[i]! > 3) return 'more than three dedupe keys';
  }
  for (let k = 0, last = 0; k < ends.length; last = ends[k++]!) if (ends[k]! < last || ends[k]! > bytes.length) return 'text does not add up';
  if (ends.length > 0 && ends[ends.length - 1] !== bytes.length) return 'text does not add up';
  const richnessMilli = new Int32Array(n);
  for (let i = 0; i < n; i++) richnessMilli[i] = Math.round(c.richness[i]! * 1000);
  const keys = Int32Array.from(c.hashes);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  /** Where the `k`-th field (row * 3 + field) starts: where the one before it ends. */
  const startOf = (k: number) => (k === 0 ? 0 : ends[k - 1]!);
  const keysInto = (row: number, into: number[]) => {
    const first = hashStart[row]!;
    const count = hashStart[row + 1]! - first;
    for (let k = 0; k < count; k++) into[k] = keys[first + k]!;
    return count;
  };
  return {
    text(row, field) {
      if (field !== 0 && (nulls[row]! & field) !== 0) return null;
      const k = row * 3 + field;
      return text.toString('utf8', startOf(k), ends[k]!);
    },
    titleHash: (row) => titleHashes[row]!,
    source: (row) => (source[row] === NONE ? null : sources[source[row]!]!),
    topics: (row) => topicLists[topics[row]!]!,
    sentiment: (row) => SENTIMENTS[sentiment[row]!]!,
    sentimentSource: (row) => (flags[row] === 1 ? 'inferred' : 'frontmatter'),
    score: (row) => scores[row]!,
    richness: (row) => richnessMilli[row]! / 1000,
    keys: keysInto,
    dedupe(row) {
      const out: number[] = [];
      keysInto(row, out);
      return out;
    },
  };
}

/** Where and how the cache is written; `tempFile` is for tests (e.g. `/dev/full`, which fails every write with ENOSPC). */
export interface CacheWriteOptions {
  tempFile?: string;
}

/** Grows a typed column while the entries are counted. */
class Column<T extends Float64Array | Uint32Array | Uint8Array> {
  length = 0;
  constructor(
    private readonly make: (n: number) => T,
    public data: T = make(1024),
  ) {}
  push(v: number) {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  bytes(): Uint8Array {
    return new Uint8Array(this.data.buffer, 0, this.length * this.data.BYTES_PER_ELEMENT);
  }
}

/**
 * Builds the records of a cache, one outcome at a time, by column: when the cache is written, and in
 * a parse worker, which hands the loader its outcomes as these bytes (one transfer, no object per
 * file to clone, and nothing for the loader's heap to collect). Read back with {@link decodeRecords}.
 * An issue keeps whether it is transient, so the loader can leave it out of the cache file.
 */
export class RecordsEncoder {
  private readonly numeric = {
    sizes: new Column((n) => new Float64Array(n)),
    mtimes: new Column((n) => new Float64Array(n)),
    published: new Column((n) => new Float64Array(n)),
    scores: new Column((n) => new Float64Array(n)),
    richness: new Column((n) => new Float64Array(n)),
    hashes: new Column((n) => new Float64Array(n)),
    source: new Column((n) => new Uint32Array(n)),
    topics: new Column((n) => new Uint32Array(n)),
    kind: new Column((n) => new Uint8Array(n)),
    sentiment: new Column((n) => new Uint8Array(n)),
    flags: new Column((n) => new Uint8Array(n)),
    hashCount: new Column((n) => new Uint8Array(n)),
    textEnds: new Column((n) => new Uint32Array(n)),
    textNulls: new Column((n) => new Uint8Array(n)),
    titleHashes: new Column((n) => new Uint32Array(n)),
  };
  private readonly files: string[] = [];
  private readonly ids: string[] = [];
  /** Each row's title, URL and upstream id as UTF-8, laid end to end; where each ends is in `textEnds`. */
  private text = Buffer.alloc(1 << 16);
  private textBytes = 0;
  private readonly sources: string[] = [];
  private readonly sourceIds = new Map<string, number>();
  private readonly topicLists: string[][] = [];
  private readonly topicIds = new Map<string, number>();
  private readonly extras: Extra[] = [];
  /** Rows pushed so far. */
  length = 0;

  push(e: CacheEntry): void {
    const row = this.length++;
    const numeric = this.numeric;
    this.files.push(e.file);
    numeric.sizes.push(e.size);
    numeric.mtimes.push(e.mtimeMs);
    if (e.kind !== 'article') {
      if (e.kind === 'excluded') this.extras.push([row, KIND_EXCLUDED, e.reason]);
      else this.extras.push([row, KIND_ISSUE, e.issue.path, e.issue.message]);
      this.ids.push('');
      this.pushText('', null, null);
      for (const c of [numeric.published, numeric.scores, numeric.richness, numeric.source, numeric.topics, numeric.sentiment, numeric.hashCount, numeric.titleHashes]) c.push(0);
      numeric.flags.push(e.kind === 'issue' && e.transient ? 1 : 0);
      numeric.kind.push(e.kind === 'excluded' ? KIND_EXCLUDED : KIND_ISSUE);
      return;
    }
    const a = e.article;
    // Most ids are their path without `.md` (see `articleId`): left out (empty), and cut from the path on reading.
    this.ids.push(idFromPath(e.file, a.id) ? '' : a.id);
    this.pushText(a.title, a.url, a.externalId);
    numeric.published.push(publishedMs(a));
    numeric.titleHashes.push(titleHash(a));
    numeric.scores.push(a.score);
    numeric.richness.push(a.richness);
    let s = NONE;
    if (a.source !== null) {
      s = this.sourceIds.get(a.source) ?? this.sources.length;
      if (s === this.sources.length) this.sourceIds.set(a.source, this.sources.push(a.source) - 1);
    }
    numeric.source.push(s);
    const topicKey = a.topics.join('\n');
    const t = this.topicIds.get(topicKey) ?? this.topicLists.length;
    if (t === this.topicLists.length) this.topicIds.set(topicKey, this.topicLists.push([...a.topics]) - 1);
    numeric.topics.push(t);
    numeric.kind.push(KIND_ARTICLE);
    numeric.sentiment.push(SENTIMENTS.indexOf(a.sentiment));
    numeric.flags.push(a.sentimentSource === 'inferred' ? 1 : 0);
    numeric.hashCount.push(a.dedupe.length);
    for (const h of a.dedupe) numeric.hashes.push(h);
    if (e.notices?.length) this.extras.push([row, KIND_ARTICLE, e.notices]);
  }

  private pushText(title: string, url: string | null, externalId: string | null) {
    const numeric = this.numeric;
    for (const s of [title, url, externalId]) {
      if (s !== null) {
        // At most 3 bytes of UTF-8 per UTF-16 unit.
        if (this.textBytes + s.length * 3 > this.text.length) {
          const grown = Buffer.alloc(Math.max(this.text.length * 2, this.textBytes + s.length * 3));
          this.text.copy(grown, 0, 0, this.textBytes);
          this.text = grown;
        }
        this.textBytes += this.text.write(s, this.textBytes, 'utf8');
      }
      // Offsets are 32-bit: a segment's text past 4 GB cannot be written (the cache is then not written, and the bot goes on from memory).
      if (this.textBytes > 0xffff_ffff) throw new RangeError('The records hold more than 4 GB of text');
      numeric.textEnds.push(this.textBytes);
    }
    numeric.textNulls.push((url === null ? 1 : 0) | (externalId === null ? 2 : 0));
  }

  /**
   * The records as byte chunks laid end to end: the JSON columns' lengths, the JSON columns, then the
   * typed columns and the text, each section on an 8-byte boundary. A generator, so a caller may yield between chunks.
   */
  *chunks(key: string): Generator<Uint8Array> {
    const hashes = this.numeric.hashes.length;
    // The paths as one string (see `segmentFiles`).
    const columns = [{ key, n: this.length, hashes, textBytes: this.textBytes }, this.files.join('\0'), this.ids, this.sources, this.topicLists, this.extras];
    const lengths = Buffer.alloc(pad8(TEXT_COLUMNS.length * 4));
    const text: Buffer[] = [];
    for (const column of columns) {
      text.push(Buffer.from(JSON.stringify(column), 'utf8'));
      yield new Uint8Array(0);
    }
    text.forEach((b, i) => lengths.writeUInt32LE(b.length, i * 4));
    yield lengths;
    let textLength = 0;
    for (const b of text) {
      textLength += b.length;
      yield b;
    }
    yield padding(textLength);
    for (const [name] of numericLayout(this.length, hashes, this.textBytes)) {
      const b = name === 'text' ? new Uint8Array(this.text.buffer, this.text.byteOffset, this.textBytes) : this.numeric[name].bytes();
      yield b;
      yield padding(b.byteLength);
    }
  }

  /** The records as one array of bytes (its own buffer, so it can be transferred to another thread). */
  bytes(key: string): Uint8Array {
    const parts = [...this.chunks(key)];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}

const padding = (k: number) => Buffer.alloc(pad8(k) - k);

/** True when `id` is `file` without its `.md`: the id a cache row leaves out. */
const idFromPath = (file: string, id: string) => file.length === id.length + 3 && file.endsWith('.md') && file.startsWith(id);

/** What a written chunk or segment is replaced with. */
const EMPTY = new Uint8Array(0);

/**
 * Writes the cache atomically: to a temporary file, flushed, then renamed over the old one, so a crash
 * mid-write leaves the previous cache (or none), never a torn one. The entries of `segments` are
 * replaced with empty ones as they are taken, and the bytes let go once written: a first load writes
 * the parse workers' records while it places them, and each is freed when both are done with it. Columns are built in slices and the
 * writes are asynchronous, so the event loop keeps answering. Throws on failure (the temporary file is
 * removed); the caller logs it and goes on from memory.
 */
export async function writeArchiveCache(
  path: string,
  key: string,
  segments: Array<Iterable<CacheEntry> | Uint8Array>,
  snapshots: IndexSnapshots<SnapshotBytes>,
  options: CacheWriteOptions = {},
): Promise<{ bytes: number }> {
  const count = segments.length;
  const body: Uint8Array[] = [];
  const lengths: number[] = [];
  /** Each section's CRC-32, over its own bytes, so a reader checks one section at a time. */
  const crcs: number[] = [];
  for (let k = 0; k < count; k++) {
    const segment = segments[k]!;
    // Let go here (see the doc above): from now on only the chunks below hold it.
    segments[k] = EMPTY;
    // Records already encoded (by the parse workers, under the same key) are written as they are.
    if (segment instanceof Uint8Array) {
      body.push(segment, padding(segment.byteLength));
      lengths.push(segment.byteLength);
      crcs.push(crc32(segment));
      continue;
    }
    const encoder = new RecordsEncoder();
    for (const e of segment) {
      encoder.push(e);
      if (encoder.length % 5000 === 0) await yieldToLoop();
    }
    let length = 0;
    let crc = 0;
    for (const c of encoder.chunks(key)) {
      if (c.byteLength === 0) await yieldToLoop();
      body.push(c);
      length += c.byteLength;
      crc = crc32(c, crc);
    }
    body.push(padding(length));
    lengths.push(length);
    crcs.push(crc);
  }
  // A snapshot given with its lists apart (a first load's joined shares) is written as its chunks, never joined.
  const index = snapshotChunks(snapshots.index);
  const titles = snapshotChunks(snapshots.titles);
  const indexLength = index.reduce((n, c) => n + c.byteLength, 0);
  lengths.push(indexLength, titles.reduce((n, c) => n + c.byteLength, 0));
  crcs.push(
    index.reduce((crc, c) => crc32(c, crc), 0),
    titles.reduce((crc, c) => crc32(c, crc), 0),
  );
  const sections = Buffer.alloc(tableBytes(count));
  sections.writeUInt32LE(count, 0);
  lengths.forEach((n, i) => {
    sections.writeUInt32LE(n % 2 ** 32, 8 + i * 16);
    sections.writeUInt32LE(Math.floor(n / 2 ** 32), 12 + i * 16);
    sections.writeUInt32LE(crcs[i]!, 16 + i * 16);
  });
  const chunks: Uint8Array[] = [sections, ...body, ...index, padding(indexLength), ...titles];
  index.length = 0;
  titles.length = 0;
  body.length = 0;
  let length = 0;
  for (const c of chunks) length += c.byteLength;
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(CACHE_FORMAT_VERSION, 4);
  header.writeUInt32LE(length % 2 ** 32, 8);
  header.writeUInt32LE(Math.floor(length / 2 ** 32), 12);
  header.writeUInt32LE(crc32(sections), 16);
  mkdirSync(dirname(path), { recursive: true });
  const temp = options.tempFile ?? `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    try {
      await handle.write(header);
      // Each chunk let go once written: a first load's records, given as the workers' bytes, are freed one by one.
      for (let k = 0; k < chunks.length; k++) {
        await handle.write(chunks[k]!);
        chunks[k] = EMPTY;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    if (!options.tempFile) await rm(temp, { force: true });
    throw err;
  }
  return { bytes: HEADER_BYTES + length };
}
