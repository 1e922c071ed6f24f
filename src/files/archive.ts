import { existsSync, readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ArticleDetails, ArticleDetailsReader, ContentIssue } from '../content/article.ts';
import { ArticleStore, mergeIndexSnapshotsInSlices, type ArticleSink, type IndexSnapshots, type SnapshotBytes } from '../content/store.ts';
import type { StoredArticle } from '../content/stored-article.ts';
import { cacheFileFor, cacheKey, decodeRecords, readArchiveCache, writeArchiveCache, type CacheEntry, type CacheRecords, type CacheWriteOptions } from './archive-cache.ts';
import { checkDir, idCollision, readContentFile, type ContentReadOptions, type LoadReport } from './content-files.ts';
import type { BatchSettings, ParsedEntry } from './parse-batch.ts';
import { streamFileStats } from './file-stats.ts';
import { parseFiles, parseToParts, streamRecords, threadsFor, type JobFiles, type RecordsStream } from './parse-pool.ts';
import { endParseWorkersAhead } from './parse-workers-ahead.ts';
import { absoluteOf, isHiddenName, isInside, isMarkdownName, notRegularMessage } from './regular-files.ts';
import type { ListingVisitor, SharedListing } from './shared-listing.ts';

/**
 * Opening the archive: the content folder loaded into a store, from the archive cache where files are
 * unchanged, on worker threads where they must be parsed. The store exists at once and fills while
 * the bot is already online; `ready` says when it is whole.
 */

/** How the last load went, for the log and the benchmark. */
export interface LoadStats {
  /** Files read and parsed. */
  parsed: number;
  /** Files taken from the archive cache unread. */
  fromCache: number;
  /** Files the cache knew that were not taken from it (vanished, changed, or skipped for a passing reason). */
  dropped: number;
  /** `off` (no cache dir), `absent`, `used`, or `rebuilt` (the file was there but refused; `cacheProblem` says why). */
  cache: 'off' | 'absent' | 'used' | 'rebuilt';
  cacheProblem?: string;
  ms: number;
}

/** A load report, with how the load went. */
export type ArchiveReport = LoadReport & { stats: LoadStats };

/** What `openArchive` needs. */
export interface ArchiveOptions {
  dir: string;
  /** Where the archive cache lives; null or undefined loads every file and writes nothing. */
  cacheDir?: string | null;
  readOptions?: ContentReadOptions;
  /** How far the load has got, in steps (see {@link LOAD_STEPS}); `total` is 0 while the folder is listed. */
  onProgress?(done: number, total: number): void;
  /** Told when the cache is refused (and rebuilt) or cannot be written: the bot logs a warning and goes on. */
  onCacheProblem?(message: string): void;
  /** Parse threads (default: one per core, inline for small folders). */
  threads?: number;
  cacheWrite?: CacheWriteOptions;
  /** Tells another reader (the watcher) of each folder as the start-up listing reads it, so the folder is walked once. */
  listing?: SharedListing;
}

/** An archive being opened. */
export interface OpeningArchive {
  store: ArticleStore;
  /** Resolves when every file is in the store (rejects with `ContentDirError` when the folder is missing). */
  ready: Promise<ArchiveReport>;
  /** Steps done out of steps to do (see {@link LOAD_STEPS}), for "Loading the archive: 43%…". */
  progress(): { done: number; total: number };
  /** Resolves when the cache written after the load is on disk, or was not written (a warning was given). */
  cacheWritten: Promise<void>;
  /** Writes the cache again from the store as it is now (after changes the watcher applied, or at shutdown). */
  saveCache(): Promise<void>;
}

/**
 * A Markdown file found by the scan: its path in the folder, `/` between names, as one flat string. No
 * object per file: at a million files the listing's objects and two-part strings were a fifth of what a
 * restart allocated, and they lived until the load ended, so every young-generation collection copied them.
 */
type Found = string;

/**
 * Lists `*.md` files recursively, synchronously (one `readdir` per folder: far cheaper than a promise
 * per entry), with the same rules as the watcher: hidden names skipped, symlinks followed only inside
 * the folder, special files named and never opened.
 */
export function listContentFiles(root: string, realRoot: string, skipped: ContentIssue[], visitor: ListingVisitor | null = null): Found[] {
  const lister = contentLister(root, realRoot, skipped, visitor);
  while (lister.step());
  return lister.found();
}

/**
 * `listContentFiles`, yielding to the event loop every few dozen folders; `onFound` is told the files
 * found so far (one array, growing) after each folder and at the end. The listing returned is that
 * array, unless it had to be sorted at the end (a new array).
 */
export async function listContentFilesSliced(
  root: string,
  realRoot: string,
  skipped: ContentIssue[],
  visitor: ListingVisitor | null = null,
  onFound?: (files: readonly Found[]) => void,
): Promise<Found[]> {
  const lister = contentLister(root, realRoot, skipped, visitor);
  for (let n = 1; lister.step(); n++) {
    // Told after every folder, not only at pauses: a first load starts its parse workers as soon as the
    // files found call for them (a few folders in), not after the first fifty.
    onFound?.(lister.sofar);
    if (n % 50 === 0) await yieldToLoop();
  }
  onFound?.(lister.sofar);
  return lister.found();
}

/**
 * The walk behind both listings: `step` reads one folder, and is false once none is left. `visitor` is
 * told of each folder before it is read, and of its Markdown names as soon as it is (see `ListingVisitor`).
 */
function contentLister(root: string, realRoot: string, skipped: ContentIssue[], visitor: ListingVisitor | null) {
  const out: Found[] = [];
  const visited = new Set<string>([realRoot]);
  // A generator keeps the recursive order (a folder's entries before the next sibling's) while pausing after each folder.
  // Paths are built folder by folder from the names read: `path.join` and `path.relative` on every one of
  // 100,000 files cost a quarter of a restart's listing, in time and in garbage.
  function* walk(dir: string, relDir: string, linked: boolean): Generator<void> {
    visitor?.entering(relDir, linked);
    // Each folder in path order, so the listing comes out sorted: sorting a million paths built by
    // concatenation took most of a second.
    const entries = readdirSync(dir, { withFileTypes: true }).sort(pathOrder);
    if (visitor) {
      // The folder's own Markdown names, told before any folder below it is read (a link is told once resolved).
      const names: string[] = [];
      for (const entry of entries) if (!entry.isDirectory() && !entry.isSymbolicLink() && !isHiddenName(entry.name) && isMarkdownName(entry.name)) names.push(entry.name);
      if (names.length > 0) visitor.listed(relDir, names);
    }
    for (const entry of entries) {
      if (isHiddenName(entry.name)) continue;
      // Made only for a folder or a link: a plain file is kept as its path in the folder (see `Found`).
      const absolute = entry.isFile() ? '' : `${dir}${sep}${entry.name}`;
      // Joined, not concatenated: concatenation makes a two-part string, which every comparison of the
      // listing's paths (its order, pairing it with the cache's) had to copy into one.
      const file = relDir === '' ? entry.name : [relDir, entry.name].join('/');
      const isMarkdown = isMarkdownName(entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(absolute);
        } catch {
          if (isMarkdown) visitor?.listed(relDir, [entry.name]);
          if (entry.name.endsWith('.md')) skipped.push({ file, path: '', message: 'Broken symbolic link' });
          continue;
        }
        if (!isInside(realRoot, target)) {
          if (isMarkdown) visitor?.listed(relDir, [entry.name]);
          if (entry.name.endsWith('.md') || !entry.name.includes('.')) skipped.push({ file, path: '', message: 'Symbolic link points outside the content folder; not followed' });
          continue;
        }
        const s = statSync(target);
        isDir = s.isDirectory();
        isFile = s.isFile();
        if (!isDir && isMarkdown) visitor?.listed(relDir, [entry.name]);
        if (!isDir && !isFile && isMarkdown) skipped.push({ file, path: '', message: notRegularMessage(s) });
        if (isDir && visited.has(target)) continue;
        if (isDir) visited.add(target);
      }
      if (isDir) yield* walk(absolute, file, linked || entry.isSymbolicLink());
      else if (isFile && isMarkdown) out.push(file);
      else if (!isFile && isMarkdown && !entry.isSymbolicLink()) skipped.push({ file, path: '', message: notRegularMessage(entry) });
    }
    yield;
  }
  const walking = walk(root, '', false);
  return {
    step: (): boolean => !walking.next().done,
    /** The files found so far, in the order found. */
    sofar: out as readonly Found[],
    // Sorted already, unless a symbolic link to a folder sorted by its own name (see `pathOrder`): then a
    // sorted copy, so a reader of `sofar` knows the order changed.
    found: () => (isSorted(out) ? out : [...out].sort((a, b) => (a < b ? -1 : 1))),
  };
}

/**
 * Folder entries in the order of the paths under them: a folder sorts as its name followed by `/`, so
 * `a-c/x.md` comes before `a/b.md`, as the paths compare. A symbolic link sorts by its name alone.
 */
function pathOrder(a: Dirent, b: Dirent): number {
  const x = a.isDirectory() ? `${a.name}/` : a.name;
  const y = b.isDirectory() ? `${b.name}/` : b.name;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** For each path of `paths`, its position once they are sorted. */
function positionsInSorted(paths: readonly string[]): number[] {
  const order = Array.from(paths.keys()).sort((a, b) => (paths[a]! < paths[b]! ? -1 : 1));
  const at = new Array<number>(paths.length);
  order.forEach((k, sorted) => (at[k] = sorted));
  return at;
}

/** True when every path comes after the one before it (a listing; a cache segment's paths are checked by `segmentFiles`). */
function isSorted(paths: readonly string[]): boolean {
  for (let k = 1; k < paths.length; k++) if (!(paths[k - 1]! < paths[k]!)) return false;
  return true;
}

/** Reads an article's details again from its file (for `/news impact` and the CLI). */
export function createFileDetailsReader(dir: string, readOptions: ContentReadOptions = {}): ArticleDetailsReader {
  const root = resolve(dir);
  return {
    async read(article): Promise<ArticleDetails | null> {
      const r = await readContentFile(join(root, article.file), article.file, readOptions);
      if (r.kind !== 'article') return null;
      const { schema, summary, impact, imageUrl, aiRewritten, related } = r.article;
      return { schema, summary, impact, imageUrl, aiRewritten, related };
    },
  };
}

const settingsOf = (o: ContentReadOptions, whole: boolean): BatchSettings => ({ aliases: o.topics?.overrides ?? {}, timeZone: o.timeZone, whole });

/**
 * What a load found in each file, by position, for writing the cache afterwards: columns rather than
 * one object per file, so the manifest of 100,000 files costs a few MB and no garbage collection.
 */
class Manifest {
  files: string[] = [];
  sizes = new Float64Array(0);
  mtimes = new Float64Array(0);
  /** The stored article as loaded (compared with the store's at save time), or the outcome of a file that is not one. */
  outcomes: Array<StoredArticle | Exclude<ParsedEntry, { kind: 'article' }> | undefined> = [];
  notices = new Map<number, ContentIssue[]>();

  reset(found: readonly Found[]) {
    // Filled by `set`, with the stored article's own path where there is one: one copy of each path in memory.
    this.files = new Array<string>(found.length);
    this.sizes = new Float64Array(found.length);
    this.mtimes = new Float64Array(found.length);
    this.outcomes = new Array(found.length);
    this.notices.clear();
  }

  set(i: number, e: ParsedEntry, article?: StoredArticle) {
    this.files[i] = article?.file ?? e.file;
    this.sizes[i] = e.size;
    this.mtimes[i] = e.mtimeMs;
    this.outcomes[i] = e.kind === 'article' ? article ?? e.article : e;
    if (e.kind === 'article' && e.notices) this.notices.set(i, e.notices);
  }

  /** The entries to cache: files whose stored article is still the one read at load time, and files that are not articles. */
  *entries(current: (file: string) => StoredArticle | undefined): Generator<CacheEntry> {
    for (let i = 0; i < this.files.length; i++) {
      const o = this.outcomes[i];
      if (!o) continue;
      const file = this.files[i]!;
      if ('kind' in o) {
        if (!(o.kind === 'issue' && o.transient)) yield o;
        continue;
      }
      if (current(file) !== o) continue;
      const notices = this.notices.get(i);
      yield { kind: 'article', file, size: this.sizes[i]!, mtimeMs: this.mtimes[i]!, article: o, ...(notices ? { notices } : {}) };
    }
  }
}

/**
 * The cache rows of the files found that a record segment may hold: the files `found[start]` to
 * `found[start + rows.length - 1]`, each one's row (-1 for none). Both lists are in path order (the
 * cache is written in the order of the load that wrote it), so one merge pairs them without a
 * 100,000-entry map, over the stretch of `found` between the segment's first and last paths: a first
 * load writes a segment per 25,000 files, and pairing each of a million-file cache's segments (a hundred, when
 * they were of 10,000) with every file found took over a second. A segment in any other order falls back to
 * looking up every file found.
 */
async function rowsOf(found: readonly Found[], records: CacheRecords): Promise<{ start: number; rows: Int32Array }> {
  const n = records.length;
  if (!records.filesSorted) return { start: 0, rows: Int32Array.from(found, (f) => records.rowOf(f)) };
  if (n === 0) return { start: 0, rows: new Int32Array(0) };
  const start = firstNotBefore(found, records.file(0));
  const end = firstNotBefore(found, records.file(n - 1), start, true);
  const rows = new Int32Array(end - start).fill(-1);
  let j = 0;
  for (let i = start; i < end; i++) {
    const file = found[i]!;
    while (j < n && records.compareFile(j, file) < 0) j++;
    if (j < n && records.compareFile(j, file) === 0) rows[i - start] = j++;
    // A million paths take a while to pair: commands keep being answered meanwhile.
    if (i % (SLICE * 10) === SLICE * 10 - 1) await yieldToLoop();
  }
  return { start, rows };
}

/** The first of `found` (from `from`) whose path is not before `path` (with `past`, not before or equal to it), by binary search. */
function firstNotBefore(found: readonly Found[], path: string, from = 0, past = false): number {
  let lo = from;
  let hi = found.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const f = found[mid]!;
    if (f < path || (past && f === path)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The steps of a load, per file, for its "Loading the archive: 43%…": its phases take very different
 * times per file. Counted in files, the percentage stood at 0 while a million-file cache was read and
 * checked (about 10 s) and at 99% while the parsed files were joined and placed in the store (about
 * 14 s). Measured shares: checking the cache took about as long as placing its articles, parsing a
 * file about 8 times as long as placing it, joining the parse workers' indexes about as long.
 */
export const LOAD_STEPS = { check: 1, parse: 8, join: 1, place: 1 } as const;

/**
 * A load's progress in steps: never back, never past the total. A phase whose length is not known in
 * advance (absorbing an index) moves toward its end by a share of what is left at each pause.
 */
function loadProgress(onProgress: ((done: number, total: number) => void) | undefined) {
  let done = 0;
  let total = 0;
  const tell = (n: number) => {
    const next = Math.min(total, Math.max(done, Math.round(n)));
    if (next === done) return;
    done = next;
    onProgress?.(done, total);
  };
  const toward = (end: number) => tell(done + (end - done) / 20);
  return {
    /** Sets the steps in all (they change once the cache has said which files need parsing); told with the next step. */
    plan(steps: number) {
      total = Math.max(steps, done);
    },
    to: tell,
    /** A pause of a phase ending at `end` steps: a twentieth of the way left. */
    toward,
    /** The pause of a sliced job in a phase ending at `end` steps: moves `toward` it, then lets the event loop run. */
    pauseToward(end: number): () => Promise<void> {
      return () => {
        toward(end);
        return yieldToLoop();
      };
    },
    finish() {
      tell(total);
    },
  };
}

/** Rows handled between two turns of the event loop, so commands answer "Loading…" while a large archive is restored. */
const SLICE = 2000;
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/** What a load is given: the archive's options, and what `openArchive` adds for the cache. */
type LoadOptions = Omit<ArchiveOptions, 'dir'> & {
  cache?: { path: string; key: string };
  manifest?: Manifest;
  /** Given a first load's parsed shares (records and their joined index), to write as the cache. */
  writeShares?(records: Uint8Array[], snapshots: IndexSnapshots<SnapshotBytes>): void;
};

/** A load; then the end of a first load's parse workers if it did not finish (the listing failed, or a worker), and of any started with the process that it did not take. */
async function load(dir: string, sink: ArticleSink, options: LoadOptions): Promise<ArchiveReport> {
  const ahead: { stream?: RecordsStream } = {};
  try {
    return await loadWith(dir, sink, options, ahead);
  } finally {
    ahead.stream?.stop();
    endParseWorkersAhead();
  }
}

/** The core of a load: list, take what the cache still vouches for, parse the rest, fill `sink`. */
async function loadWith(dir: string, sink: ArticleSink, options: LoadOptions, ahead: { stream?: RecordsStream }): Promise<ArchiveReport> {
  const started = performance.now();
  const root = resolve(dir);
  const readOptions = options.readOptions ?? {};
  const report: LoadReport = { files: 0, loaded: 0, skipped: [], excluded: [], notices: [] };
  let found: Found[];
  const cacheFound = !!options.cache && sink instanceof ArticleStore && !sink.keepsDetails && existsSync(options.cache.path);
  // Every file is stat'ed on a worker thread as it is found, while the folder is listed and the cache read and checked.
  const fileStats = cacheFound ? streamFileStats(root) : null;
  // The cache is read (and checked, section by section) while the folder is listed: its reads wait on the
  // disk, or on the kernel's copy from its page cache, while the listing waits on the folders' entries.
  let onCacheStep = () => {};
  const reading = cacheFound ? readArchiveCache(options.cache!.path, options.cache!.key, () => onCacheStep()) : null;
  reading?.catch(() => undefined);
  const steps = loadProgress(options.onProgress);
  const now = () => (readOptions.now ?? (() => new Date()))().getTime();
  // Without a cache every file is parsed: once the listing shows enough files for worker threads, they are
  // started and given the files as they are found, so they parse while the rest of the folder is listed.
  // Progress is told from the first batch on, once the listing has said how many steps there are.
  const parsesAll = !cacheFound && sink instanceof ArticleStore && !sink.keepsDetails;
  // Workers `npm start` started with the process are for a load that parses every file (see `parse-workers-ahead.ts`).
  if (!parsesAll) endParseWorkersAhead();
  /** The listing as the parse workers were given it: the files found, in the order found. */
  let streamed: readonly Found[] = [];
  const onFound = (sofar: readonly Found[]) => {
    fileStats?.listed(sofar);
    if (ahead.stream) return ahead.stream.grew();
    const threads = parsesAll ? threadsFor(sofar.length, options.threads) : 0;
    if (threads === 0) return;
    streamed = sofar;
    const files: JobFiles = { get length() { return sofar.length; }, slice: (start, end) => sofar.slice(start, end).map((f) => [f, absoluteOf(root, f)] as const) };
    ahead.stream = streamRecords({ files, settings: settingsOf(readOptions, false), key: options.cache?.key ?? '', now, onProgress: (n) => steps.to(n * LOAD_STEPS.parse) }, threads);
  };
  try {
    const realRoot = await checkDir(root);
    found = await listContentFilesSliced(root, realRoot, report.skipped, options.listing ? await options.listing.visitor() : null, onFound);
  } catch (err) {
    options.listing?.end(err as Error);
    fileStats?.abandon();
    throw err;
  }
  options.listing?.end();
  // The last files, and the last batch, which may be short.
  ahead.stream?.end();
  endParseWorkersAhead();
  report.files = found.length + report.skipped.length;
  const files = found.length;
  // Until the cache has spoken, as if it vouched for every file (or, without one, as if every file were parsed).
  steps.plan(cacheFound ? files * (LOAD_STEPS.check + LOAD_STEPS.place) : files * (LOAD_STEPS.parse + LOAD_STEPS.join + LOAD_STEPS.place));
  options.manifest?.reset(found);
  // Bare records (words indexed on the workers) only for a store that reads details back from the files.
  const store = sink instanceof ArticleStore && !sink.keepsDetails ? sink : null;
  const stats: LoadStats = { parsed: 0, fromCache: 0, dropped: 0, cache: options.cache ? 'absent' : 'off', ms: 0 };

  // The cache, checked whole (header, checksum, settings) before anything is taken from it. A file it
  // vouches for is held as its row number until applied: no object is made for it before then.
  /** Where each file's outcome is: 0 not yet known, k + 1 the k-th of `sources` (the cache's record segments, then the shares parsed now). */
  const origin = new Uint8Array(found.length);
  const row = new Int32Array(found.length);
  /** Emptied (null) once its last row is placed: see the placing below. */
  const sources: Array<CacheRecords | null> = [];
  if (options.cache && store) {
    const stating = fileStats ? fileStats.result(found) : Promise.resolve(new Float64Array(0));
    stating.catch(() => undefined);
    const checked = files * LOAD_STEPS.check;
    onCacheStep = () => steps.toward(checked * 0.3);
    const read = await (reading ?? readArchiveCache(options.cache.path, options.cache.key, onCacheStep));
    if (read.ok) {
      try {
        // Absorbed before any article: a snapshot that does not decode changes nothing and counts as a refused cache.
        // Intact: the file's checksum matched before anything was read from it.
        // The listing's paths are the index's keys where they are the same: one string per path, kept.
        await store.absorbIndexInSlices(read.contents.snapshots, steps.pauseToward(checked * 0.8), { intact: true, listed: found });
        // The index holds what it needs of them (its own copy of the lists): the snapshots go now, not when the load ends.
        read.contents.snapshots = { index: new Uint8Array(0), titles: new Uint8Array(0) };
        stats.cache = 'used';
        const seen = await stating;
        let used = 0;
        let cached = 0;
        for (const segment of read.contents.records) {
          sources.push(segment);
          cached += segment.length;
          const { start, rows } = await rowsOf(found, segment);
          for (let k = 0; k < rows.length; k++) {
            const i = start + k;
            const r = rows[k]!;
            if (r >= 0 && origin[i] === 0 && seen[i * 2] === segment.sizes[r] && seen[i * 2 + 1] === segment.mtimes[r] && !segment.transient(r)) {
              origin[i] = sources.length;
              row[i] = r;
              used++;
            }
            if (i % (SLICE * 10) === SLICE * 10 - 1) {
              steps.toward(checked);
              await yieldToLoop();
            }
          }
        }
        stats.dropped = cached - used;
        // Held by `sources` alone from here, so each can go once placed.
        read.contents.records = [];
      } catch (err) {
        stats.cache = 'rebuilt';
        stats.cacheProblem = `index snapshot refused (${(err as Error).message})`;
      }
    } else if (read.reason === 'invalid') {
      stats.cache = 'rebuilt';
      stats.cacheProblem = read.message;
    }
    if (stats.cacheProblem) options.onCacheProblem?.(`archive cache ${options.cache.path} not used, rebuilding it: ${stats.cacheProblem}`);
  }
  // Where each file parsed is in `found`. A first load's are every file, in the order the listing found them:
  // that order, unless a symbolic link to a folder made the listing sort itself at the end (see `found`).
  let toParse: number[];
  if (ahead.stream && streamed !== found) toParse = positionsInSorted(streamed);
  else {
    toParse = [];
    for (let i = 0; i < found.length; i++) {
      if (origin[i] !== 0) stats.fromCache++;
      else toParse.push(i);
    }
  }
  stats.parsed = toParse.length;
  // Now known: which files are parsed (and joined), and how many were checked against the cache.
  const checkedSteps = cacheFound ? files * LOAD_STEPS.check : 0;
  steps.to(checkedSteps);
  steps.plan(checkedSteps + toParse.length * (LOAD_STEPS.parse + LOAD_STEPS.join) + files * LOAD_STEPS.place);
  const parsedSteps = checkedSteps + toParse.length * LOAD_STEPS.parse;
  const joinedSteps = parsedSteps + toParse.length * LOAD_STEPS.join;

  const apply = (i: number, e: ParsedEntry) => {
    if (e.kind === 'excluded') {
      options.manifest?.set(i, e);
      return void report.excluded.push({ file: e.file, reason: e.reason });
    }
    if (e.kind === 'issue') {
      options.manifest?.set(i, e);
      return void report.skipped.push(e.issue);
    }
    let owner: string | undefined;
    if (store) {
      // Restored, the record is the store's (with the index's copy of its path): the manifest keeps it, and
      // whether it holds its id is known without looking the path and the id up again.
      if (!store.restore(e.file, e.article)) owner = store.idOwner(e.article.id);
      options.manifest?.set(i, e, e.article);
    } else {
      sink.set(e.file, e.parsed!);
      options.manifest?.set(i, e);
      owner = sink.idOwner?.(e.article.id);
    }
    if (owner !== undefined && owner !== e.file) {
      report.skipped.push(idCollision(e.file, e.article.id, owner));
      return;
    }
    report.loaded++;
    if (e.notices) report.notices.push(...e.notices);
  };

  // Each batch's pairs made as it is sent to be parsed, not all of them for the whole parse.
  const toRead: JobFiles = { length: toParse.length, slice: (start, end) => toParse.slice(start, end).map((i) => [found[i]!, absoluteOf(root, found[i]!)] as const) };
  if (store) {
    const key = options.cache?.key ?? '';
    // Parsed on worker threads into records, the cache's own format: nothing is held per file here while
    // they parse, and nothing is applied before every file is read, so files settle in path order as
    // a load from the cache would (id collisions and duplicates resolve the same way).
    const parts = ahead.stream
      ? await ahead.stream.parts
      : toParse.length === 0
        ? []
        : await parseToParts({ files: toRead, settings: settingsOf(readOptions, false), key, now, threads: options.threads, onProgress: (n) => steps.to(checkedSteps + n * LOAD_STEPS.parse) });
    const fromCache = sources.length;
    if (parts.length > 0) {
      // One snapshot of all the shares (see `mergeSnapshots`); its words replace the cache's for the files parsed again.
      const merged = await mergeIndexSnapshotsInSlices(
        parts.map((p) => p.snapshot),
        steps.pauseToward(joinedSteps),
        // Intact: made by this load's own workers, handed over in memory.
        true,
      );
      for (const part of parts) part.snapshot = { index: new Uint8Array(0), titles: new Uint8Array(0) };
      // A first load (nothing from a cache): the shares, as they are, are the cache. Written while they
      // are applied, from bytes already in memory: no second copy of the index or the records is made.
      const written = fromCache === 0 && !!options.writeShares;
      if (written) options.writeShares!(parts.map((p) => p.records), merged);
      // In place when the same bytes are being written as the cache: a copy of the lists would only add to the peak.
      // The listing's paths are the index's keys, as on a restart: the joined snapshot's are bytes, not strings.
      await store.absorbIndexInSlices(merged, steps.pauseToward(joinedSteps), { intact: true, inPlace: written, listed: found });
    }
    for (const part of parts) {
      const decoded = await decodeRecords(part.records, key);
      if (!decoded.ok) throw new Error(`A parse worker's records did not read back: ${decoded.message}`);
      // Decoded (its columns copied out): the cache's writer holds the bytes until they are written, nothing else.
      part.records = new Uint8Array(0);
      steps.toward(joinedSteps);
      sources.push(decoded.records);
      for (let r = 0; r < decoded.records.length; r++) {
        const i = toParse[part.start + r]!;
        origin[i] = sources.length;
        row[i] = r;
      }
    }
    // Sized once for everything about to be restored, instead of doubling about twenty times at 1M.
    let restoring = 0;
    /** Rows of each source still to place. */
    const left = new Int32Array(sources.length);
    for (let i = 0; i < found.length; i++) {
      if (origin[i] === 0) continue;
      restoring++;
      left[origin[i]! - 1]!++;
    }
    store.reserve(restoring, sources.reduce((n, s) => n + s!.hashes, 0));
    // A segment is let go once its last row is placed: its paths, ids, sizes and times, and the columns its
    // records do not read (they keep only `RowColumns`). Held to the end of the load, at 1M they were about
    // 90 MB at the load's peak, which comes as the last articles are placed.
    for (let k = 0; k < sources.length; k++) if (left[k] === 0) sources[k] = null;
    steps.to(joinedSteps);
    for (let i = 0; i < found.length; i++) {
      const o = origin[i]!;
      if (o === 0) continue;
      // Under the listing's own string for its path (equal to the row's, as paired).
      apply(i, sources[o - 1]!.entry(row[i]!, found[i]!));
      if (--left[o - 1]! === 0) sources[o - 1] = null;
      if (i % SLICE === SLICE - 1) {
        steps.to(joinedSteps + (i + 1) * LOAD_STEPS.place);
        await yieldToLoop();
      }
    }
    // Nothing to reconcile when the index came from one source, the cache or this load's workers, and holds
    // exactly the files placed: each one's hidden flag was set as it was placed (a pass over both indexes'
    // keys took about 2.3 s of a 1M first load). Where the cache's index and the workers' were both
    // absorbed, or keys are left over (files gone, or no longer articles), a pass over every key.
    if ((stats.parsed > 0 && stats.cache === 'used') || !store.indexMatchesFiles()) await store.reconcileIndex(yieldToLoop);
  } else {
    // A plain sink takes whole parsed articles, applied in path order as batches complete.
    const outcomes: Array<ParsedEntry | undefined> = new Array(found.length);
    let cursor = 0;
    let done = 0;
    await parseFiles({
      files: toRead,
      settings: settingsOf(readOptions, true),
      now,
      threads: options.threads,
      onEntry(entry, k) {
        outcomes[toParse[k]!] = entry;
        // Parsed, joined and placed at once here: each file is all its steps.
        steps.to(++done * (LOAD_STEPS.parse + LOAD_STEPS.join + LOAD_STEPS.place));
        for (let e = outcomes[cursor]; e; e = outcomes[cursor]) {
          outcomes[cursor] = undefined;
          apply(cursor++, e);
        }
      },
    });
  }
  steps.finish();
  stats.ms = Math.round(performance.now() - started);
  return { ...report, stats };
}

/**
 * Loads every article under `dir` into `sink`: files are read synchronously and parsed on worker
 * threads (inline for small folders). Bad files are reported in `skipped` and never stop the load;
 * only a missing folder throws (`ContentDirError`).
 */
export function loadArchive(dir: string, sink: ArticleSink, options: Omit<ArchiveOptions, 'dir' | 'cacheDir'> = {}): Promise<ArchiveReport> {
  return load(dir, sink, options);
}

/**
 * Opens the archive of `dir`: returns at once with an empty store that fills in the background, from
 * the archive cache in `cacheDir` where files are unchanged. Once loaded, the cache is written again
 * (when anything changed), without holding `ready` back; a failed write is reported through
 * `onCacheProblem` and the bot goes on from memory.
 */
export function openArchive(options: ArchiveOptions): OpeningArchive {
  const root = resolve(options.dir);
  const readOptions = options.readOptions ?? {};
  const store = new ArticleStore({ topics: readOptions.topics, details: createFileDetailsReader(root, readOptions) });
  let progress = { done: 0, total: 0 };
  const cache = options.cacheDir ? { path: cacheFileFor(resolve(options.cacheDir), root), key: cacheKey(settingsOf(readOptions, false)) } : undefined;
  const manifest = new Manifest();
  let writing: Promise<void> = Promise.resolve();
  let sharesWritten: Promise<void> | undefined;

  /** Writes the cache: from the store as it is now, or from a first load's parsed shares. */
  const save = (shares?: { records: Uint8Array[]; snapshots: IndexSnapshots<SnapshotBytes> }): Promise<void> => {
    if (!cache) return Promise.resolve();
    const run = async () => {
      // Only files whose stored article is the one read at load time: a file the watcher changed since is
      // left out, and read again at the next start, so the cache never pairs new content with an old time.
      try {
        if (shares) await writeArchiveCache(cache.path, cache.key, shares.records, shares.snapshots, options.cacheWrite);
        else await writeArchiveCache(cache.path, cache.key, [manifest.entries((file) => store.recordOf(file))], store.snapshotIndex(), options.cacheWrite);
      } catch (err) {
        options.onCacheProblem?.(`archive cache ${cache.path} not written, going on from memory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    };
    writing = writing.then(run);
    return writing;
  };

  const ready = load(root, store, {
    ...options,
    readOptions,
    cache,
    manifest,
    writeShares(records, snapshots) {
      sharesWritten = save({ records, snapshots });
    },
    onProgress(done, total) {
      progress = { done, total };
      options.onProgress?.(done, total);
    },
  });
  const cacheWritten = ready.then(
    // Nothing more to write when every file came from a cache that was used as it stood, or when the
    // shares of a first load were written as they were parsed.
    ({ stats }) => (sharesWritten ?? (stats.cache === 'used' && stats.parsed === 0 && stats.dropped === 0 ? undefined : save())),
    () => undefined,
  );
  return { store, ready, progress: () => progress, cacheWritten, saveCache: () => save() };
}
