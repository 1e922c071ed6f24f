import { realpath, stat } from 'node:fs/promises';
import type { ContentIssue } from '../content/article.ts';
import { decodeContent } from '../content/encoding.ts';
import { parseArticle, type ParseResult } from '../content/parse-article.ts';
import type { ArticleSink } from '../content/store.ts';
import type { TopicCanonicaliser } from '../content/topics.ts';
import { loadArchive } from './archive.ts';
import { MAX_FILE_BYTES } from './read-sync.ts';
import { notRegularMessage, NotRegularFileError, readRegularFile } from './regular-files.ts';

export { isHiddenPath } from './regular-files.ts';
// The watcher lives in its own module; re-exported so callers keep one import for the content folder.
export { watchContentDir, type WatchEvent, type WatchOptions } from './content-watcher.ts';

/**
 * The only module that touches the content folder: it lists, reads and watches files, and hands
 * their text to the pure parser. Everything about what an article *means* lives in `src/content`.
 */

// One limit for every read of a content file (bulk loads read synchronously, in read-sync.ts).
export { MAX_FILE_BYTES };

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

export { resolveContentDir } from '../config.ts';

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
export function idCollision(file: string, id: string, owner: string): ContentIssue {
  return { file, path: '', message: `Has the same id "${id}" as "${owner}" (ids ignore case, spaces and punctuation); rename one of the two files` };
}

/** Checks that `dir` is a readable folder and returns its real path; throws {@link ContentDirError} otherwise. */
export async function checkDir(dir: string): Promise<string> {
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
 * and never stop the load; only a missing folder throws (`ContentDirError`). Files are read
 * synchronously and parsed on worker threads for large folders (see `archive.ts`, which also adds
 * the archive cache).
 */
export async function loadContentDir(
  dir: string,
  sink: ArticleSink,
  options: ContentReadOptions & { onProgress?(done: number, total: number): void; threads?: number } = {},
): Promise<LoadReport> {
  const { onProgress, threads, ...readOptions } = options;
  const { stats: _stats, ...report } = await loadArchive(dir, sink, { readOptions, onProgress, threads });
  return report;
}
