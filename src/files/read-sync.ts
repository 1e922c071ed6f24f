import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { ContentIssue } from '../content/article.ts';
import { decodeContent } from '../content/encoding.ts';
import { parseArticle, type ParseResult } from '../content/parse-article.ts';
import type { TopicCanonicaliser } from '../content/topics.ts';
import { notRegularMessage } from './regular-files.ts';

/**
 * Reading a content file synchronously, for bulk loads: a load of 100,000 files spent about 14 s in
 * per-file `fs/promises` calls (stat, open, read, close each a round trip through the thread pool),
 * more than reading and parsing cost. Runs in the parse workers, or inline for small folders.
 */

/** Files above this size are skipped unread: no article needs 2 MB, and a huge file would stall a load. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;

// O_NONBLOCK: opening a named pipe returns at once instead of waiting for a writer; on a file it changes nothing.
// O_NOCTTY: a terminal swapped in for a listed file never becomes the process's controlling terminal.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/** A file's parse, and the size and modification time it had when read (the archive cache's key). */
export interface FileRead {
  result: ParseResult;
  size: number;
  mtimeMs: number;
}

/** What every parse of one batch shares. */
export interface SyncReadOptions {
  topics?: TopicCanonicaliser;
  timeZone?: string;
  now: Date;
}

/**
 * The bytes of files up to this size are read into one buffer, reused: the text is decoded out of it (a
 * copy), so nothing keeps it. A buffer per file cost a parse worker about 3% of its time: files under
 * 4 KB come from Node's shared pool, which takes a new 8 KB block every few files.
 */
const SCRATCH_BYTES = 64 * 1024;
let scratch: Buffer | null = null;

const issue = (file: string, message: string): ParseResult => ({ kind: 'issue', issue: { file, path: '', message } });

/** Whether a skipped file should be read again at the next start even if unchanged: its reason may pass with time. */
export function isTransientIssue(i: ContentIssue): boolean {
  // Dates are checked against "now" (a day ahead at most), and read errors may be passing.
  return /(^|\.)(publishedAt|updatedAt|publishedDateTime)$/.test(i.path) || i.message.startsWith('Could not read');
}

/**
 * Reads and parses one file with the same checks and messages as `readContentFile`: regular files only,
 * at most 2 MB, UTF-8 or UTF-16 with a BOM. Only files the load's listing found to be regular files (or
 * links to them) come here, so the path is not stat'ed first: the opened descriptor is checked instead,
 * which also catches a file swapped for a pipe or a device since it was listed (the open flags make that
 * open harmless). A stat of the path cost about a tenth of a parse worker's time per file, more than the
 * open, the read and the close together.
 */
export function readContentFileSync(absolute: string, file: string, options: SyncReadOptions): FileRead {
  let size = 0;
  let mtimeMs = 0;
  try {
    let fd: number;
    try {
      fd = openSync(absolute, OPEN_FLAGS);
    } catch (err) {
      // A socket cannot be opened (ENXIO): say what the path is, as the listing would have.
      const info = statSync(absolute, { throwIfNoEntry: false });
      if (info && !info.isFile() && !info.isDirectory()) return { result: issue(file, notRegularMessage(info)), size: info.size, mtimeMs: info.mtimeMs };
      throw err;
    }
    let bytes: Buffer;
    try {
      const info = fstatSync(fd);
      size = info.size;
      mtimeMs = info.mtimeMs;
      if (!info.isFile()) return { result: issue(file, notRegularMessage(info)), size, mtimeMs };
      if (info.size > MAX_FILE_BYTES) return { result: issue(file, `File is ${(info.size / 1024 / 1024).toFixed(1)} MB; the limit is 2 MB`), size, mtimeMs };
      bytes = size <= SCRATCH_BYTES ? (scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES)) : Buffer.allocUnsafe(size);
      let read = 0;
      while (read < size) {
        const n = readSync(fd, bytes, read, size - read, read);
        if (n === 0) break;
        read += n;
      }
      bytes = bytes.subarray(0, read);
    } finally {
      closeSync(fd);
    }
    // Decoded into a string of its own: `bytes` may be the shared buffer, which the next file overwrites.
    const decoded = decodeContent(bytes);
    if (!decoded.ok) return { result: issue(file, decoded.message), size, mtimeMs };
    return { result: parseArticle({ file, text: decoded.text }, options), size, mtimeMs };
  } catch (err) {
    return { result: issue(file, `Could not read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`), size, mtimeMs };
  }
}
