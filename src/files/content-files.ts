import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { watch } from 'chokidar';
import { DEFAULT_CONTENT_DIR } from '../config.ts';
import type { ContentIssue } from '../content/article.ts';
import { parseArticle, type ParseResult } from '../content/parse-article.ts';
import type { ArticleSink } from '../content/store.ts';
import type { TopicCanonicaliser } from '../content/topics.ts';

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
      if (entry.name.startsWith('.')) continue;
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
        if (isDir && visited.has(target)) continue;
        if (isDir) visited.add(target);
      }
      if (isDir) await walk(absolute);
      else if (isFile && entry.name.toLowerCase().endsWith('.md')) out.push({ file, absolute });
    }
  };
  await walk(root);
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** Reads and parses one file, turning every I/O failure into an issue for that file. */
export async function readContentFile(absolute: string, file: string, topics?: TopicCanonicaliser): Promise<ParseResult> {
  try {
    const info = await stat(absolute);
    if (info.size > MAX_FILE_BYTES) {
      return { kind: 'issue', issue: { file, path: '', message: `File is ${(info.size / 1024 / 1024).toFixed(1)} MB; the limit is 2 MB` } };
    }
    const text = await readFile(absolute, 'utf8');
    return parseArticle({ file, text }, { topics });
  } catch (err) {
    return { kind: 'issue', issue: { file, path: '', message: `Could not read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` } };
  }
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
  options: { topics?: TopicCanonicaliser; onProgress?(done: number, total: number): void; concurrency?: number } = {},
): Promise<LoadReport> {
  const root = resolve(dir);
  const realRoot = await checkDir(root);
  const report: LoadReport = { files: 0, loaded: 0, skipped: [], excluded: [] };
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
      results[i] = await readContentFile(f.absolute, f.file, options.topics);
      done++;
      options.onProgress?.(done, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, files.length) }, worker));
  // Results are applied in path order so that duplicate resolution does not depend on I/O timing.
  for (const r of results) {
    if (r.kind === 'article') {
      sink.set(r.article.file, r.article);
      report.loaded++;
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
  | { type: 'excluded'; file: string; reason: string };

/**
 * Keeps `sink` in step with the folder: an added or changed file is parsed and set, a removed one is
 * deleted, a file that turns bad is removed and reported. Only the changed file is re-read.
 */
export async function watchContentDir(
  dir: string,
  sink: ArticleSink,
  options: { topics?: TopicCanonicaliser; onEvent?(e: WatchEvent): void; stabilityMs?: number; usePolling?: boolean } = {},
): Promise<{ close(): Promise<void> }> {
  const root = resolve(dir);
  const realRoot = await checkDir(root);
  const stability = options.stabilityMs ?? 200;
  const watcher = watch(root, {
    ignoreInitial: true,
    followSymlinks: false,
    ignored: (path, stats) => (stats?.isFile() ?? false) && !path.toLowerCase().endsWith('.md'),
    // Editors and `cp` write in several steps; wait until the size is stable before parsing.
    awaitWriteFinish: { stabilityThreshold: stability, pollInterval: Math.max(20, Math.floor(stability / 4)) },
    usePolling: options.usePolling ?? false,
    interval: 100,
  });

  const update = async (absolute: string) => {
    if (!absolute.toLowerCase().endsWith('.md')) return;
    const file = toPosix(relative(root, absolute));
    try {
      const link = await lstat(absolute);
      if (link.isSymbolicLink() && !inside(realRoot, await realpath(absolute))) {
        sink.delete(file);
        options.onEvent?.({ type: 'skipped', issue: { file, path: '', message: 'Symbolic link points outside the content folder; not followed' } });
        return;
      }
    } catch {
      return; // Removed between the event and now: the unlink event handles it.
    }
    const result = await readContentFile(absolute, file, options.topics);
    if (result.kind === 'article') {
      sink.set(file, result.article);
      options.onEvent?.({ type: 'loaded', file, id: result.article.id });
    } else {
      sink.delete(file);
      options.onEvent?.(result.kind === 'excluded' ? { type: 'excluded', file, reason: result.reason } : { type: 'skipped', issue: result.issue });
    }
  };

  watcher.on('add', (p) => void update(p));
  watcher.on('change', (p) => void update(p));
  watcher.on('unlink', (p) => {
    if (!p.toLowerCase().endsWith('.md')) return;
    const file = toPosix(relative(root, p));
    sink.delete(file);
    options.onEvent?.({ type: 'removed', file });
  });
  await new Promise<void>((ready) => watcher.once('ready', () => ready()));
  return { close: () => watcher.close() };
}
