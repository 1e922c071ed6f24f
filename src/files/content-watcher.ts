import { statSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ContentIssue, ParsedArticle } from '../content/article.ts';
import type { ArticleSink } from '../content/store.ts';
import { checkDir, idCollision, loadContentDir, readContentFile, type ContentReadOptions } from './content-files.ts';
import { isHiddenName, isHiddenPath, isInside, isMarkdownName } from './regular-files.ts';
import type { SharedListing } from './shared-listing.ts';

/**
 * Watches the content folder and keeps a sink in step with it. Reading and parsing a file is the
 * loader's job (`content-files.ts`); this module decides when a file is read and what a change means.
 *
 * One `fs.watch` per folder (not per file, and not Node's recursive mode, which on Linux keeps an
 * inotify watch and a `Stats` per file): 100,000 articles in 1,000 folders cost 1,000 watches and a
 * set of names. Every event only marks its path; the path is looked at once it has been quiet for
 * `stabilityMs`, so a file written in chunks is read once, an editor's write-then-rename is seen as a
 * change (never as a delete then an add), and a folder moved in is walked and watched whole.
 */

const joinRel = (dir: string, name: string) => (dir === '' ? name : `${dir}/${name}`);
const parentOf = (rel: string) => {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
};
const under = (rel: string, dir: string) => dir === '' || rel === dir || rel.startsWith(`${dir}/`);

/** What the watcher did with a change on disk. */
export type WatchEvent =
  | { type: 'loaded'; file: string; id: string }
  | { type: 'removed'; file: string }
  | { type: 'skipped'; issue: ContentIssue }
  | { type: 'excluded'; file: string; reason: string }
  /** The content folder is gone; the articles already loaded stay until it is back. */
  | { type: 'folder-missing'; dir: string }
  /** The content folder was replaced (re-created, or a symlink swapped): it was watched again and rescanned. */
  | { type: 'folder-replaced'; dir: string; loaded: number; removed: number; skipped: number }
  /** A folder could not be watched (e.g. the system's inotify watch limit): changes in it are not seen until it is watched again. */
  | { type: 'unwatched'; dir: string; reason: string };

/** Options of {@link watchContentDir}: how files are read, plus how changes are reported and timed. */
export type WatchOptions = ContentReadOptions & {
  /** Every change applied to the sink, as it is applied: the hook for logs and for marking a cache stale. */
  onEvent?(e: WatchEvent): void;
  /** How long a path must be quiet before it is read (default 200 ms): a file written in chunks is read once. */
  stabilityMs?: number;
  /** How often the folder itself is checked for being replaced (default 1000 ms). */
  rootCheckMs?: number;
  /**
   * Changes seen before this settles are held, then applied (each path read once, as it is then).
   * Lets the watcher start before a long load, so nothing written during the load is missed.
   */
  holdUntil?: Promise<unknown>;
  /** Reads in flight at once while a burst of changes is applied (default 4). */
  concurrency?: number;
  /**
   * The start-up listing the load makes (see `SharedListing`): each folder is watched as the load reaches
   * it, before the load reads it, and its names are taken from the load's, instead of a walk of its own.
   */
  listing?: SharedListing;
};

/** A running watch of the content folder. */
export interface ContentWatcher {
  /** Stops watching; resolves once no change is being applied any more. */
  close(): Promise<void>;
  /** Folders watched and Markdown files tracked: for health lines and the benchmark. */
  stats(): { folders: number; files: number };
}

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
 * The Markdown names of one folder. As listed at start-up they are one string (NUL, which no file name
 * holds, between them): at a million files a `Set` of names per folder took about 100 MB, for folders
 * most of which never change. The first change or lookup in a folder turns its names into a `Set`.
 */
class FolderNames {
  private listed: string | null;
  private set: Set<string> | null = null;
  constructor(names: readonly string[]) {
    this.listed = names.length > 0 ? names.join('\0') : null;
    this.size = names.length;
  }
  size: number;
  private names(): Set<string> {
    if (!this.set) {
      this.set = new Set(this.listed === null ? [] : this.listed.split('\0'));
      this.listed = null;
    }
    return this.set;
  }
  add(name: string) {
    this.size = this.names().add(name).size;
  }
  delete(name: string) {
    const names = this.names();
    names.delete(name);
    this.size = names.size;
  }
  has(name: string) {
    return this.names().has(name);
  }
  /** The names, without turning a folder listed at start-up into a `Set`. */
  list(): Iterable<string> {
    return this.set ?? (this.listed === null ? [] : this.listed.split('\0'));
  }
}

/** Markdown names per folder (relative, POSIX): the files that may be in the sink. Grouped by folder so a folder's removal is cheap. */
class KnownFiles {
  private readonly byDir = new Map<string, FolderNames>();
  /**
   * Adds a folder's names as listed whole (at start-up). A change applied meanwhile may have added names
   * already: then they are joined, never replaced, so nothing the sink may hold is forgotten.
   */
  addListed(dir: string, names: readonly string[]) {
    const known = this.byDir.get(dir);
    if (known) for (const name of names) known.add(name);
    else if (names.length > 0) this.byDir.set(dir, new FolderNames(names));
  }
  add(rel: string) {
    const dir = parentOf(rel);
    let names = this.byDir.get(dir);
    if (!names) this.byDir.set(dir, (names = new FolderNames([])));
    names.add(rel.slice(dir === '' ? 0 : dir.length + 1));
  }
  delete(rel: string) {
    const dir = parentOf(rel);
    const names = this.byDir.get(dir);
    if (!names) return;
    names.delete(rel.slice(dir === '' ? 0 : dir.length + 1));
    if (names.size === 0) this.byDir.delete(dir);
  }
  has(rel: string) {
    const dir = parentOf(rel);
    return this.byDir.get(dir)?.has(rel.slice(dir === '' ? 0 : dir.length + 1)) ?? false;
  }
  /** Every known file in `dir` or below it. */
  under(dir: string): string[] {
    const out: string[] = [];
    for (const [d, names] of this.byDir) if (under(d, dir)) for (const n of names.list()) out.push(joinRel(d, n));
    return out;
  }
  all(): string[] {
    return this.under('');
  }
  clear() {
    this.byDir.clear();
  }
  get size() {
    let n = 0;
    for (const names of this.byDir.values()) n += names.size;
    return n;
  }
}

/**
 * Keeps `sink` in step with the folder: an added or changed file is parsed and set, a removed one is
 * deleted, a file that turns bad is removed and reported. Only the changed file is re-read.
 *
 * The same rules as the start-up scan: hidden paths ({@link isHiddenPath}) are never looked at, only
 * regular files are opened (pipes, sockets and devices are named and skipped), and symlinks are
 * followed only when they resolve inside the folder.
 *
 * The folder itself is checked every `rootCheckMs` (a `stat` and a `realpath`): when it is replaced
 * (deleted and re-created, or a symlink pointed elsewhere), the old watch would see nothing more, so
 * the new folder is watched and rescanned, and articles that are no longer there are deleted.
 */
export async function watchContentDir(dir: string, sink: ArticleSink, options: WatchOptions = {}): Promise<ContentWatcher> {
  const root = resolve(dir);
  let base: string;
  try {
    base = await checkDir(root);
  } catch (err) {
    // The load must not wait for a watcher that will never follow its listing.
    options.listing?.abandon();
    throw err;
  }
  let identity = await folderIdentity(root);
  const stability = options.stabilityMs ?? 200;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const known = new KnownFiles();
  /** Watched folders (relative; '' is the folder itself), with the inode each watch was made on. */
  const watched = new Map<string, { watcher: FSWatcher; ino: number }>();
  let closed = false;
  let onClose: () => void = () => undefined;
  const closing = new Promise<void>((done) => (onClose = done));
  // Changes wait while the caller's load runs and while a replaced folder is rescanned, so an older
  // read can never overwrite a newer one.
  let loading: Promise<unknown> | null = options.holdUntil ? options.holdUntil.catch(() => undefined) : null;
  let rescanning: Promise<unknown> | null = null;

  // `known` holds every Markdown path the sink may hold: loaded, held back as a colliding id, or
  // skipped and named. A removal is applied to each of them, so nothing stale is left behind.
  const emit = (e: WatchEvent) => {
    if (e.type === 'loaded' || e.type === 'excluded') known.add(e.file);
    else if (e.type === 'skipped') known.add(e.issue.file);
    else if (e.type === 'removed') known.delete(e.file);
    options.onEvent?.(e);
  };

  // --- Which paths are waiting, and the small queue that applies them -------------------------------

  const timers = new Map<string, NodeJS.Timeout>();
  const ready: string[] = [];
  const queued = new Set<string>();
  const running = new Set<string>();
  const again = new Set<string>();
  let idle: (() => void) | null = null;

  /** Marks `rel` changed: it is looked at once no event has touched it for `stabilityMs`. */
  const touch = (rel: string) => {
    if (closed) return;
    const previous = timers.get(rel);
    if (previous) previous.refresh();
    else {
      const t = setTimeout(() => {
        timers.delete(rel);
        enqueue(rel);
      }, stability);
      t.unref();
      timers.set(rel, t);
    }
  };

  const enqueue = (rel: string) => {
    if (closed) return;
    // A path is never applied twice at once: a change during a read is applied after it, so the last read wins.
    if (running.has(rel)) again.add(rel);
    else if (!queued.has(rel)) {
      queued.add(rel);
      ready.push(rel);
    }
    pump();
  };

  const pump = () => {
    while (!closed && running.size < concurrency && ready.length > 0) {
      const rel = ready.shift()!;
      queued.delete(rel);
      running.add(rel);
      void (async () => {
        try {
          if (loading) await Promise.race([loading, closing]);
          if (rescanning) await Promise.race([rescanning, closing]);
          if (!closed) await reconcile(rel);
        } catch {
          // A path that vanished or changed kind mid-way is looked at again by its next event.
        } finally {
          running.delete(rel);
          if (again.delete(rel)) enqueue(rel);
          else pump();
          if (running.size === 0 && ready.length === 0) idle?.();
        }
      })();
    }
  };

  // --- Folders: watch, walk, forget ---------------------------------------------------------------------

  const unwatchUnder = (relDir: string) => {
    for (const [d, w] of watched) {
      if (!under(d, relDir)) continue;
      w.watcher.close();
      watched.delete(d);
    }
  };

  /** Watches one folder; false when it already was (the same folder, by inode), true when the watch is new. */
  const watchFolder = (relDir: string, ino: number): boolean => {
    const current = watched.get(relDir);
    if (current?.ino === ino) return false;
    current?.watcher.close();
    watched.delete(relDir);
    const absolute = relDir === '' ? base : join(base, relDir);
    let watcher: FSWatcher;
    try {
      watcher = watch(absolute, { persistent: true }, (_type, name) => onFsEvent(relDir, name));
    } catch (err) {
      options.onEvent?.({ type: 'unwatched', dir: relDir === '' ? root : join(root, relDir), reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
      return true;
    }
    // A watched folder that is removed may report an error; its parent's event handles the removal.
    watcher.on('error', () => {
      if (watched.get(relDir)?.watcher !== watcher) return;
      watcher.close();
      watched.delete(relDir);
      if (relDir === '') void checkFolder();
      else touch(relDir);
    });
    watched.set(relDir, { watcher, ino });
    return true;
  };

  const onFsEvent = (relDir: string, name: string | Buffer | null) => {
    if (closed) return;
    // Without a name (not on Linux, but allowed by the API), the folder is walked again.
    if (name === null) return touch(relDir);
    const text = typeof name === 'string' ? name : name.toString();
    // A watch reports its own folder's removal under the folder's name; for the content folder
    // itself, the identity check says at once whether it was replaced. (Below it, the parent's event says.)
    if (relDir === '' && text === basename(base)) void checkFolder();
    const rel = joinRel(relDir, text);
    if (isHiddenPath(rel)) return;
    touch(rel);
  };

  /**
   * Walks a folder: watches it and every real folder below (when `watchIt`), and calls `found` with
   * Markdown files (their folder's path and their names), following symlinks only inside the content
   * folder, as the start-up scan does. `fresh` says the files' folder was not watched before (new, or
   * replaced), so its files are news. A folder's plain files are told at once, as soon as it is listed
   * (before anything else is awaited, so a change applied meanwhile finds them known), and no path is
   * made for them: `found` joins folder and name if it needs to.
   */
  const walk = async (relDir: string, watchIt: boolean, found: (dir: string, names: string[], fresh: boolean) => void, visited: Set<string>): Promise<void> => {
    const absolute = relDir === '' ? base : join(base, relDir);
    let fresh = true;
    if (watchIt) {
      // Watched before it is listed: a file created in between is seen by the listing or by an event.
      const info = await stat(absolute).catch(() => null);
      if (!info?.isDirectory()) return;
      fresh = watchFolder(relDir, info.ino);
    }
    const entries = await readdir(absolute, { withFileTypes: true }).catch(() => []);
    if (closed) return;
    const files: string[] = [];
    const others: Dirent[] = [];
    for (const entry of entries) {
      if (isHiddenName(entry.name)) continue;
      if (entry.isDirectory() || entry.isSymbolicLink()) others.push(entry);
      else if (isMarkdownName(entry.name)) files.push(entry.name);
    }
    if (files.length > 0) found(relDir, files, fresh);
    for (const entry of others) {
      if (closed) return;
      const rel = joinRel(relDir, entry.name);
      if (entry.isDirectory()) {
        await walk(rel, watchIt, found, visited);
        continue;
      }
      const target = await realpath(join(base, rel)).catch(() => null);
      const info = target && isInside(base, target) ? await stat(target).catch(() => null) : null;
      // A linked folder is read, not watched: its target is watched where it really is (as before, links are not followed by the watch).
      if (info?.isDirectory() && !visited.has(target!)) {
        visited.add(target!);
        await walk(rel, false, found, visited);
      } else if (isMarkdownName(entry.name)) found(relDir, [entry.name], fresh);
    }
  };

  // --- One path: what is there now --------------------------------------------------------------------

  const removeFile = (file: string) => {
    if (!known.has(file)) return;
    sink.delete(file);
    emit({ type: 'removed', file });
  };

  const readFile = async (file: string) => {
    const result = await readContentFile(join(base, file), file, options);
    if (closed) return;
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

  /** Brings one path in step: a file is read, a folder is walked (and watched), a missing path is removed with all below it. */
  const reconcile = async (rel: string) => {
    const absolute = join(base, rel);
    const link = await lstat(absolute).catch(() => null);
    if (!link) {
      unwatchUnder(rel);
      for (const file of known.under(rel)) removeFile(file);
      removeFile(rel);
      return;
    }
    let isDir = link.isDirectory();
    if (link.isSymbolicLink()) {
      const target = await realpath(absolute).catch(() => null);
      if (target === null) return; // A broken link: nothing to read until it points somewhere.
      if (!isInside(base, target)) {
        if (!isMarkdownName(rel)) return;
        sink.delete(rel);
        emit({ type: 'skipped', issue: { file: rel, path: '', message: 'Symbolic link points outside the content folder; not followed' } });
        return;
      }
      isDir = (await stat(target).catch(() => null))?.isDirectory() ?? false;
    }
    if (isDir) {
      // A folder that appeared (made, moved or copied in) or was replaced: walk it whole, since its
      // files arrived before any watch on it could see them, and forget what is no longer in it.
      const before = new Set(known.under(rel));
      const found: Array<[string, boolean]> = [];
      await walk(rel, !link.isSymbolicLink(), (dir, names, fresh) => names.forEach((name) => found.push([joinRel(dir, name), fresh])), new Set());
      for (const [f, fresh] of found) {
        before.delete(f);
        if (fresh || !known.has(f)) touch(f);
      }
      for (const f of before) touch(f);
      return;
    }
    if (isMarkdownName(rel)) await readFile(rel);
  };

  // --- The folder itself: replaced, missing ---------------------------------------------------------------

  /** Watches the new folder, then loads it afresh and deletes what it no longer has. */
  const rescan = async () => {
    unwatchUnder('');
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    base = await checkDir(root);
    await walk('', true, () => undefined, new Set());
    const fresh = new Map<string, ParsedArticle>();
    const report = await loadContentDir(root, { set: (f, a) => fresh.set(f, a), delete: (f) => fresh.delete(f) }, options);
    let removed = 0;
    for (const file of known.all()) {
      if (fresh.has(file)) continue;
      sink.delete(file);
      removed++;
    }
    known.clear();
    for (const [file, article] of fresh) {
      sink.set(file, article);
      known.add(file);
    }
    for (const e of report.excluded) known.add(e.file);
    for (const issue of report.skipped) emit({ type: 'skipped', issue });
    options.onEvent?.({ type: 'folder-replaced', dir: root, loaded: fresh.size, removed, skipped: report.skipped.length });
  };

  let checking: Promise<void> | null = null;
  const checkFolder = () => {
    if (checking || closed) return checking;
    checking = checkOnce().finally(() => (checking = null));
    return checking;
  };
  const checkOnce = async () => {
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
    }
  };

  // Files that may be in the sink: what is on disk now (the caller loaded it), then what this watcher sets.
  // Each folder's names are kept as one string (see `FolderNames`), as soon as it is listed.
  if (options.listing) {
    await options.listing.follow({
      entering(relDir, linked) {
        // A linked folder is read, not watched, as in `walk`.
        if (linked || closed) return;
        let ino: number;
        try {
          const info = statSync(relDir === '' ? base : join(base, relDir));
          if (!info.isDirectory()) return;
          ino = info.ino;
        } catch {
          return; // Gone already: its parent's watch reports that.
        }
        watchFolder(relDir, ino);
      },
      listed: (relDir, names) => known.addListed(relDir, names),
    });
  } else await walk('', true, (dir, names) => known.addListed(dir, names), new Set());
  if (loading) void loading.then(() => (loading = null));
  const timer = setInterval(() => void checkFolder(), options.rootCheckMs ?? 1000);
  timer.unref();
  return {
    async close() {
      closed = true;
      onClose();
      clearInterval(timer);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      unwatchUnder('');
      ready.length = 0;
      queued.clear();
      if (running.size > 0) await new Promise<void>((done) => (idle = done));
      await checking;
      // A rescan that finished after the first unwatch may have watched the new folder: unwatch again.
      unwatchUnder('');
    },
    stats: () => ({ folders: watched.size, files: known.size }),
  };
}
