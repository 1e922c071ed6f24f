import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { ContentIssue } from '../content/article.ts';
import { SENTIMENTS } from '../content/article.ts';
import type { IndexSnapshots, StoredArticle } from '../content/store.ts';
import type { ParsedEntry } from './parse-batch.ts';

/**
 * The archive cache: what a load found in each file (the stored article, or why it was skipped or
 * excluded), keyed by path, size and modification time, plus the search indexes as bytes. A restart
 * reads it, re-reads only files that changed or appeared, and drops those that vanished.
 *
 * File layout: a 32-byte header (magic, format version, payload length, CRC-32 of the payload), then
 * the payload: a JSON section (the settings key and the entries), then the two index snapshots. A
 * file with another magic, version or settings key, a wrong length or a wrong checksum is refused
 * as a whole and the archive is loaded from the files: a cache is never half-served.
 */

/** Bumped whenever the file layout changes. The parser's own changes are caught by `parserFingerprint`. */
export const CACHE_FORMAT_VERSION = 1;
const MAGIC = 0x4e444143; // "NDAC"
const HEADER_BYTES = 32;

/** One file as the cache remembers it (a whole parsed article, when there is one, is not written). */
export type CacheEntry = ParsedEntry;

/** What a cache holds. */
export interface CacheContents {
  entries: Map<string, CacheEntry>;
  snapshots: IndexSnapshots;
}

/** Why a cache file was not used, for the log. */
export type CacheMiss = { reason: 'absent' } | { reason: 'invalid'; message: string };

/** The cache file of a content folder: one per folder, so two bots with different folders can share a cache dir. */
export function cacheFileFor(cacheDir: string, contentRoot: string): string {
  return join(cacheDir, `archive-${createHash('sha1').update(contentRoot).digest('hex').slice(0, 12)}.bin`);
}

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

type Row = [file: string, size: number, mtimeMs: number, kind: 0, id: string, title: string, url: string | null, source: string | null, published: number, topics: string[], sentiment: number, inferred: 0 | 1, score: number, externalId: string | null, richness: number, notices: ContentIssue[] | 0, dedupe: number[]] | [file: string, size: number, mtimeMs: number, kind: 1, reason: string] | [file: string, size: number, mtimeMs: number, kind: 2, path: string, message: string];

function toRow(e: CacheEntry): Row {
  if (e.kind === 'excluded') return [e.file, e.size, e.mtimeMs, 1, e.reason];
  if (e.kind === 'issue') return [e.file, e.size, e.mtimeMs, 2, e.issue.path, e.issue.message];
  const a = e.article;
  return [e.file, e.size, e.mtimeMs, 0, a.id, a.title, a.url, a.source, a.publishedAt.getTime(), a.topics, SENTIMENTS.indexOf(a.sentiment), a.sentimentSource === 'inferred' ? 1 : 0, a.score, a.externalId, a.richness, e.notices ?? 0, [...a.dedupe]];
}

function fromRow(r: Row): CacheEntry {
  const [file, size, mtimeMs] = r;
  if (r[3] === 1) return { kind: 'excluded', file, size, mtimeMs, reason: r[4] };
  if (r[3] === 2) return { kind: 'issue', file, size, mtimeMs, issue: { file, path: r[4], message: r[5] }, transient: false };
  const article: StoredArticle = {
    id: r[4],
    file,
    title: r[5],
    url: r[6],
    source: r[7],
    publishedAt: new Date(r[8]),
    topics: r[9],
    sentiment: SENTIMENTS[r[10]]!,
    sentimentSource: r[11] === 1 ? 'inferred' : 'frontmatter',
    score: r[12],
    externalId: r[13],
    richness: r[14],
    dedupe: r[16],
  };
  return { kind: 'article', file, size, mtimeMs, article, ...(r[15] ? { notices: r[15] } : {}) };
}

/** Reads and checks a cache file; `null` with the reason when it is absent or not to be trusted. */
export function readArchiveCache(path: string, key: string): { ok: true; contents: CacheContents } | ({ ok: false } & CacheMiss) {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // No cache yet, or no cache folder yet (a path through a file is reported when the cache is written).
    return code === 'ENOENT' || code === 'ENOTDIR' ? { ok: false, reason: 'absent' } : { ok: false, reason: 'invalid', message: `unreadable (${(err as NodeJS.ErrnoException).code})` };
  }
  const bad = (message: string) => ({ ok: false as const, reason: 'invalid' as const, message });
  if (bytes.length < HEADER_BYTES) return bad('truncated');
  if (bytes.readUInt32LE(0) !== MAGIC) return bad('not an archive cache');
  const version = bytes.readUInt32LE(4);
  if (version !== CACHE_FORMAT_VERSION) return bad(`format version ${version}, expected ${CACHE_FORMAT_VERSION}`);
  const length = bytes.readUInt32LE(8) + bytes.readUInt32LE(12) * 2 ** 32;
  if (bytes.length !== HEADER_BYTES + length) return bad(bytes.length < HEADER_BYTES + length ? 'truncated' : 'longer than its header says');
  const payload = bytes.subarray(HEADER_BYTES);
  if (crc32(payload) !== bytes.readUInt32LE(16)) return bad('checksum mismatch');
  try {
    const jsonLength = payload.readUInt32LE(0);
    const meta = JSON.parse(payload.toString('utf8', 8, 8 + jsonLength)) as { key: string; rows: Row[] };
    if (meta.key !== key) return bad('written by another version of the parser or with other settings');
    let at = pad8(8 + jsonLength);
    const indexLength = Number(payload.readBigUInt64LE(at));
    const titlesLength = Number(payload.readBigUInt64LE(at + 8));
    at += 16;
    const index = payload.subarray(at, at + indexLength);
    at = pad8(at + indexLength);
    const titles = payload.subarray(at, at + titlesLength);
    const entries = new Map<string, CacheEntry>();
    for (const row of meta.rows) entries.set(row[0], fromRow(row));
    return { ok: true, contents: { entries, snapshots: { index, titles } } };
  } catch (err) {
    return bad(`unreadable payload (${(err as Error).message})`);
  }
}

const pad8 = (n: number) => (n + 7) & ~7;
const yieldToLoop = () => new Promise((r) => setImmediate(r));

/** Where and how the cache is written; `tempFile` is for tests (e.g. `/dev/full`, which fails every write with ENOSPC). */
export interface CacheWriteOptions {
  tempFile?: string;
}

/**
 * Writes the cache atomically: to a temporary file, flushed, then renamed over the old one, so a crash
 * mid-write leaves the previous cache (or none), never a torn one. The JSON is built in slices and the
 * writes are asynchronous, so the event loop keeps answering. Throws on failure (the temporary file is
 * removed); the caller logs it and goes on from memory.
 */
export async function writeArchiveCache(path: string, key: string, entries: Iterable<CacheEntry>, snapshots: IndexSnapshots, options: CacheWriteOptions = {}): Promise<{ bytes: number }> {
  const parts: string[] = [];
  let slice: string[] = [];
  for (const e of entries) {
    slice.push(JSON.stringify(toRow(e)));
    if (slice.length === 5000) {
      parts.push(slice.join(','));
      slice = [];
      await yieldToLoop();
    }
  }
  if (slice.length > 0) parts.push(slice.join(','));
  const json = Buffer.from(`{"key":${JSON.stringify(key)},"rows":[${parts.join(',')}]}`, 'utf8');
  const jsonHead = Buffer.alloc(8);
  jsonHead.writeUInt32LE(json.length, 0);
  const lengths = Buffer.alloc(16);
  lengths.writeBigUInt64LE(BigInt(snapshots.index.byteLength), 0);
  lengths.writeBigUInt64LE(BigInt(snapshots.titles.byteLength), 8);
  const padding = (n: number) => Buffer.alloc(pad8(n) - n);
  const chunks: Uint8Array[] = [jsonHead, json, padding(8 + json.length), lengths, snapshots.index, padding(snapshots.index.byteLength), snapshots.titles];
  let length = 0;
  let crc = 0;
  for (const c of chunks) {
    length += c.byteLength;
    crc = crc32(c, crc);
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(CACHE_FORMAT_VERSION, 4);
  header.writeUInt32LE(length % 2 ** 32, 8);
  header.writeUInt32LE(Math.floor(length / 2 ** 32), 12);
  header.writeUInt32LE(crc, 16);
  mkdirSync(dirname(path), { recursive: true });
  const temp = options.tempFile ?? `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    try {
      for (const c of [header, ...chunks]) await handle.write(c);
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
