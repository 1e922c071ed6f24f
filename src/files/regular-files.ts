import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';

/**
 * Which paths under the content folder are looked at, and how a file is opened. The start-up scan and
 * the watcher both go through here, so a path is treated the same whether it was there at start or
 * appeared later.
 */

/** Where a file found in `root` (its path in the folder, `/` between names) is on disk; a path through a linked folder resolves as the scan found it. */
export const absoluteOf = (root: string, file: string): string => `${root}${sep}${sep === '/' ? file : file.split('/').join(sep)}`;

/** The type tests that `Stats` and `Dirent` share. */
type FileKind = Pick<Stats, 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice' | 'isDirectory'>;

/** True when `target` is `root` or lies under it: symlinks are followed only while this holds. */
export function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Whether one path segment is hidden: dotfiles and dot-folders (`.git`, `.obsidian`, Vim's `.x.md.swp`,
 * Emacs's `.#x.md` lock), Emacs's `#x.md#` autosave and backups ending in `~`. Editors write these
 * beside the article; none of them is an article.
 */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.') || name.startsWith('#') || name.endsWith('~');
}

const MARKDOWN = /\.md$/i;

/** Whether a name (or a path) ends in `.md`, in any case: tested without a lower-cased copy of each of a million names. */
export function isMarkdownName(name: string): boolean {
  return MARKDOWN.test(name);
}

/** Whether a path relative to the content folder is hidden: any of its segments is (see {@link isHiddenName}). */
export function isHiddenPath(relativePath: string): boolean {
  return relativePath.split(/[\\/]/).some((segment) => segment !== '' && isHiddenName(segment));
}

/** The kind of a file that is not a regular file or a folder, in an operator's words (from a `Stats` or a `Dirent`). */
export function describeSpecialFile(info: FileKind): string {
  if (info.isFIFO()) return 'a named pipe';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isDirectory()) return 'a folder';
  return 'not a file';
}

/** The skip reason for something that is not a regular file; it is never opened. */
export const notRegularMessage = (info: FileKind) => `Not a regular file (${describeSpecialFile(info)}); not opened`;

/** A special file was found where an article was expected; `message` says which kind. */
export class NotRegularFileError extends Error {
  override name = 'NotRegularFileError';
}

// O_NONBLOCK makes an open of a pipe return at once instead of waiting for a writer while holding one of
// libuv's four pool threads; on a regular file it changes nothing. Windows has no such flag and no pipes here.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Reads a regular file, and nothing else: the path is checked with `stat` before it is opened, and the
 * opened descriptor is checked again, since the path may be swapped for a pipe between the two. Throws
 * {@link NotRegularFileError} for pipes, sockets and devices, and the usual errno errors otherwise.
 */
export async function readRegularFile(absolute: string): Promise<Buffer>;
export async function readRegularFile(absolute: string, encoding: BufferEncoding): Promise<string>;
export async function readRegularFile(absolute: string, encoding?: BufferEncoding): Promise<Buffer | string> {
  const before = await stat(absolute);
  if (!before.isFile()) throw new NotRegularFileError(notRegularMessage(before));
  const handle = await open(absolute, OPEN_FLAGS);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new NotRegularFileError(notRegularMessage(info));
    return encoding ? await handle.readFile({ encoding }) : await handle.readFile();
  } finally {
    await handle.close();
  }
}
