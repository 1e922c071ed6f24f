import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { watch } from 'chokidar';
import { DEFAULT_CONTENT_DIR } from '../config.ts';
import type { Article, ContentIssue } from '../content/article.ts';
import { decodeContent } from '../content/encoding.ts';
import { parseArticle, type ParseResult } from '../content/parse-article.ts';
import type { ArticleSink } from '../content/store.ts';
import type { TopicCanonicaliser } from '../content/topics.ts';
import { isHiddenName, isHiddenPath, notRegularMessage, NotRegularFileError, readRegularFile } from './regular-files.ts';

export { isHiddenPath } from './regular-files.ts';

/**
 * The only module that touches the content folder: it lists, reads and watches files, and hands
 * their text to the pure parser. Everything about what an article *means* lives in `src/content`.
 */

/** Files above this size are skipped unread: no article needs 2 MB, and a huge file would stall a load. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** The content folder itself is missing or unreadable: an operator problem, reported once at startup. */
export class ContentDirError extends Error {
  override name = 'ContentDirError';
}

/** What one full load found. */
export interface LoadReport {
  /** Markdown files seen. */
  files: number;
  /** Articles handed to the sink. */
  loaded: number;
  /** Files that could not be loaded, each with the field and the reason. */
  skipped: ContentIssue[];
  /** Drafts and unpublished entries, left out on purpose. */
  excluded: { file: string; reason: string }[];
  /** Articles that loaded but were cut (only part of a very long article is searchable), each named. */
  notices: ContentIssue[];
}

/** How files are read and parsed: the edge's share of `ParseOptions`, with the clock as a function. */
export interface ContentReadOptions {
  topics?: TopicCanonicaliser;
  /** IANA zone of timestamps written without one (`CONTENT_TIMEZONE`); UTC by default. */
  timeZone?: string;
  /** The current time, read once per file for the date range; the system clock by default. */
  now?: () => Date;
}

/** `file: field: reason`, the one-line form an operator can act on (the CLI prints it, the bot logs it). */
export function formatIssue(issue: ContentIssue): string {
  return issue.path ? `${issue.file}: ${issue.path}: ${issue.message}` : `${issue.file}: ${issue.message}`;
}

/** The content folder: `--content DIR`, else `CONTENT_DIR`, else `./content`. */
export function resolveContentDir(flag?: string, env: Record<string, string | undefined> = process.env): string {
  return resolve(flag?.trim() || env.CONTENT_DIR?.trim() || DEFAULT_CONTENT_DIR);
}

const toPosix = (p: string) => p.split(sep).join('/');
const inside = (root: string, target: string) => {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

interface Candidate {
  file: string;
  absolute: string;
}

/** Lists `*.md` files recursively; symlinks are followed only when they resolve inside the folder. */
async function listMarkdown(root: string, realRoot: string, skipped: ContentIssue[]): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const visited = new Set<string>([realRoot]);
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const absolute = join(dir, entry.name);
      const file = toPosix(relative(root, absolute));
      if (isHiddenName(entry.name)) continue;
      const isMarkdown = entry.name.toLowerCase().endsWith('.md');
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(absolute);
        } catch {
          if (entry.name.endsWith('.md')) skipped.push({ file, path: '', message: 'Broken symbolic link' });
          continue;
        }
        if (!inside(realRoot, target)) {
          if (entry.name.endsWith('.md') || !entry.name.includes('.')) skipped.push({ file, path: '', message: 'Symbolic link points outside the content folder; not followed' });
          continue;
        }
        const s = await stat(target);
        isDir = s.isDirectory();
        isFile = s.isFile();
        if (!isDir && !isFile && isMarkdown) skipped.push({ file, path: '', message: notRegularMessage(s) });
        if (isDir && visited.has(target)) continue;
        if (isDir) visited.add(target);
      }
      if (isDir) await walk(absolute);
      else if (isFile && isMarkdown) out.push({ file, absolute });
      // Pipes, sockets and devices are named, never opened: opening a pipe waits for a writer.
      else if (!isFile && isMarkdown && !entry.isSymbolicLink()) skipped.push({ file, path: '', message: notRegularMessage(entry) });
    }
  };
  await walk(root);
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** Reads and parses one file, turning every I/O failure into an issue for that file. */
export async function readContentFile(absolute: string, file: string, options: ContentReadOptions = {}): Promise<ParseResult> {
  try {
    const info = await stat(absolute);
    if (!info.isFile()) return { kind: 'issue', issue: { file, path: '', message: notRegularMessage(info) } };
    if (info.size > MAX_FILE_BYTES) {
      return { kind: 'issue', issue: { file, path: '', message: `File is ${(info.size / 1024 / 1024).toFixed(1)} MB; the limit is 2 MB` } };
    }
    // Bytes, not UTF-8 text: a UTF-16 file is decoded (or its encoding named) rather than read as garbage.
    const decoded = decodeContent(await readRegularFile(absolute));
    if (!decoded.ok) return { kind: 'issue', issue: { file, path: '', message: decoded.message } };
    return parseArticle({ file, text: decoded.text }, { topics: options.topics, timeZone: options.timeZone, now: (options.now ?? (() => new Date()))() });
  } catch (err) {
    if (err instanceof NotRegularFileError) return { kind: 'issue', issue: { file, path: '', message: err.message } };
    return { kind: 'issue', issue: { file, path: '', message: `Could not read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` } };
  }
}

/**
 * Ids are paths folded to lower case without punctuation, so `Same Name.md` and `same-name.md` claim
 * one id. The store holds the second back (it shows when the first is deleted); the report names both.
 */
function idCollision(file: string, id: string, owner: string): ContentIssue {
  return { file, path: '', message: `Has the same id "${id}" as "${owner}" (ids ignore case, spaces and punctuation); rename one of the two files` };
}

async function checkDir(dir: string): Promise<string> {
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new ContentDirError(`Content folder ${dir} is not a folder. Set CONTENT_DIR or pass --content DIR.`);
    return await realpath(dir);
  } catch (err) {
    if (err instanceof ContentDirError) throw err;
    throw new ContentDirError(`Content folder ${dir} does not exist or cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}). Set CONTENT_DIR or pass --content DIR.`);
  }
}

/**
 * Loads every article under `dir` into `sink`. Bad files are reported in the returned `skipped` list
 * and never stop the load; only a missing folder throws (`ContentDirError`).
 */
export async function loadContentDir(
  dir: string,
  sink: ArticleSink,
  options: ContentReadOptions & { onProgress?(done: number, total: number): void; concurrency?: number } = {},
): Promise<LoadReport> {
  const root = resolve(dir);
  const realRoot = await checkDir(root);
  const report: LoadReport = { files: 0, loaded: 0, skipped: [], excluded: [], notices: [] };
  const files = await listMarkdown(root, realRoot, report.skipped);
  report.files = files.length + report.skipped.length;
  const results: ParseResult[] = new Array(files.length);
  let next = 0;
  let done = 0;
  // A few reads in flight hide disk latency; more only adds memory on a 2-core machine.
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const f = files[i]!;
      results[i] = await readContentFile(f.absolute, f.file, options);
      done++;
      options.onProgress?.(done, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, files.length) }, worker));
  // Results are applied in path order so that duplicate resolution does not depend on I/O timing.
  for (const r of results) {
    if (r.kind === 'article') {
      sink.set(r.article.file, r.article);
      const owner = sink.idOwner?.(r.article.id);
      if (owner !== undefined && owner !== r.article.file) {
        report.skipped.push(idCollision(r.article.file, r.article.id, owner));
        continue;
      }
      report.loaded++;
      if (r.notices) report.notices.push(...r.notices);
    } else if (r.kind === 'excluded') report.excluded.push({ file: r.file, reason: r.reason });
    else report.skipped.push(r.issue);
  }
  return report;
}

/** What the watcher did with a change on disk. */
export type WatchEvent =
  | { type: 'loaded'; file: string; id: string }
  | { type: 'removed'; file: string }
  | { type: 'skipped'; issue: ContentIssue }
  | { type: 'excluded'; file: string; reason: string }
  /** The content folder is gone; the articles already loaded stay until it is back. */
  | { type: 'folder-missing'; dir: string }
  /** The content folder was replaced (re-created, or a symlink swapped): it was watched again and rescanned. */
  | { type: 'folder-replaced'; dir: string; loaded: number; removed: number; skipped: number };

/** What makes the content folder the same folder: its device, inode, birth time and real path. `null` when it is gone. */
async function folderIdentity(root: string): Promise<string | null> {
  try {
    const [info, real] = await Promise.all([stat(root), realpath(root)]);
    return info.isDirectory() ? `${info.dev}:${info.ino}:${info.birthtimeMs}:${real}` : null;
  } catch {
    return null;
  }
}

/**
 * Keeps `sink` in step with the folder: an added or changed file is parsed and set, a removed one is
 * deleted, a file that turns bad is removed and reported. Only the changed file is re-read.
 *
 * The folder itself is checked every `rootCheckMs` (a `stat` and a `realpath`): when it is replaced
 * (deleted and re-created, or a symlink pointed elsewhere), the old watch would see nothing more, so
 * the new folder is watched and rescanned, and articles that are no longer there are deleted.
 */
export async function watchContentDir(
  dir: string,
  sink: ArticleSink,
  options: ContentReadOptions & { onEvent?(e: WatchEvent): void; stabilityMs?: number; usePolling?: boolean; rootCheckMs?: number } = {},
): Promise<{ close(): Promise<void> }> {
  const root = resolve(dir);
  let realRoot = await checkDir(root);
  let identity = await folderIdentity(root);
  const stability = options.stabilityMs ?? 200;
  // Files that may be in the sink: what is on disk now (the caller loaded it), then what this watcher sets.
  const known = new Set((await listMarkdown(root, realRoot, [])).map((c) => c.file));
  let closed = false;
  // While a replaced folder is rescanned, changes wait, so an older read can never overwrite a newer one.
  let rescanning: Promise<void> | null = null;
  const afterRescan = (fn: () => Promise<void> | void) => (rescanning ? rescanning.then(fn) : fn());

  const emit = (e: WatchEvent) => {
    if (e.type === 'loaded') known.add(e.file);
    else if (e.type === 'removed' || e.type === 'skipped' || e.type === 'excluded') known.delete(e.type === 'skipped' ? e.issue.file : e.file);
    options.onEvent?.(e);
  };

  const update = async (base: string, absolute: string) => {
    if (!absolute.toLowerCase().endsWith('.md')) return;
    const file = toPosix(relative(base, absolute));
    if (isHiddenPath(file)) return;
    try {
      const link = await lstat(absolute);
      if (link.isSymbolicLink() && !inside(realRoot, await realpath(absolute))) {
        sink.delete(file);
        emit({ type: 'skipped', issue: { file, path: '', message: 'Symbolic link points outside the content folder; not followed' } });
        return;
      }
    } catch {
      return; // Removed between the event and now: the unlink event handles it.
    }
    const result = await readContentFile(absolute, file, options);
    if (result.kind === 'article') {
      sink.set(file, result.article);
      const owner = sink.idOwner?.(result.article.id);
      if (owner !== undefined && owner !== file) emit({ type: 'skipped', issue: idCollision(file, result.article.id, owner) });
      else emit({ type: 'loaded', file, id: result.article.id });
    } else {
      sink.delete(file);
      emit(result.kind === 'excluded' ? { type: 'excluded', file, reason: result.reason } : { type: 'skipped', issue: result.issue });
    }
  };

  const remove = (base: string, absolute: string) => {
    if (!absolute.toLowerCase().endsWith('.md')) return;
    const file = toPosix(relative(base, absolute));
    if (isHiddenPath(file)) return;
    sink.delete(file);
    emit({ type: 'removed', file });
  };

  // The real folder is watched, so that a symlinked content folder is watched through to its target.
  const start = async (base: string) => {
    const w = watch(base, {
      ignoreInitial: true,
      followSymlinks: false,
      // The same rule as the start-up scan: hidden files and folders are never looked at.
      ignored: (path, stats) => {
        const rel = relative(base, path);
        if (rel !== '' && !rel.startsWith('..') && isHiddenPath(rel)) return true;
        return (stats?.isFile() ?? false) && !path.toLowerCase().endsWith('.md');
      },
      // Editors and `cp` write in several steps; wait until the size is stable before parsing.
      awaitWriteFinish: { stabilityThreshold: stability, pollInterval: Math.max(20, Math.floor(stability / 4)) },
      usePolling: options.usePolling ?? false,
      interval: 100,
    });
    w.on('add', (p) => void afterRescan(() => update(base, p)));
    w.on('change', (p) => void afterRescan(() => update(base, p)));
    w.on('unlink', (p) => void afterRescan(() => remove(base, p)));
    // The folder itself went away: check now rather than at the next tick.
    w.on('unlinkDir', (p) => {
      if (p === base) void checkFolder();
    });
    await new Promise<void>((ready) => w.once('ready', () => ready()));
    return w;
  };

  /** Watches the new folder, then loads it afresh and deletes what it no longer has. */
  const rescan = async () => {
    await watcher.close();
    realRoot = await checkDir(root);
    watcher = await start(realRoot);
    const fresh = new Map<string, Article>();
    const report = await loadContentDir(root, { set: (f, a) => fresh.set(f, a), delete: (f) => fresh.delete(f) }, options);
    let removed = 0;
    for (const file of known) {
      if (fresh.has(file)) continue;
      sink.delete(file);
      removed++;
    }
    known.clear();
    for (const [file, article] of fresh) {
      sink.set(file, article);
      known.add(file);
    }
    for (const issue of report.skipped) emit({ type: 'skipped', issue });
    options.onEvent?.({ type: 'folder-replaced', dir: root, loaded: fresh.size, removed, skipped: report.skipped.length });
  };

  let checking = false;
  const checkFolder = async () => {
    if (checking || closed) return;
    checking = true;
    try {
      const now = await folderIdentity(root);
      if (now === identity) return;
      identity = now;
      if (now === null) {
        options.onEvent?.({ type: 'folder-missing', dir: root });
        return;
      }
      const run = rescan();
      rescanning = run.catch(() => undefined);
      await run;
    } catch {
      identity = null; // Replaced again mid-rescan, or unreadable: the next check tries again.
    } finally {
      rescanning = null;
      checking = false;
    }
  };

  let watcher = await start(realRoot);
  const timer = setInterval(() => void checkFolder(), options.rootCheckMs ?? 1000);
  timer.unref();
  return {
    async close() {
      closed = true;
      clearInterval(timer);
      await rescanning;
      await watcher.close();
    },
  };
}
