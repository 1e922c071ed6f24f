import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ArticleStore } from '../../src/content/store.ts';
import { loadArchive } from '../../src/files/archive.ts';
import { ContentDirError, loadContentDir, readContentFile } from '../../src/files/content-files.ts';
import { watchContentDir, type WatchEvent } from '../../src/files/content-watcher.ts';
import { isHiddenPath } from '../../src/files/regular-files.ts';
import { createSharedListing, type SharedListing } from '../../src/files/shared-listing.ts';
import { aggregatorArticle, tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait-for.ts';

const dirs: Array<{ cleanup(): Promise<void> }> = [];
const fifos: string[] = [];
afterEach(async () => {
  // A reader stuck on a pipe holds a thread of libuv's pool for ever; opening the write end and closing
  // it gives that reader end-of-file, so even a failing run of these tests ends.
  for (const f of fifos.splice(0)) {
    try {
      closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: nobody is reading it, which is the point.
    }
  }
  while (dirs.length) await dirs.pop()!.cleanup();
});
async function folder() {
  const d = await tempDir();
  dirs.push(d);
  return d;
}
function mkfifo(path: string) {
  execFileSync('mkfifo', [path]);
  fifos.push(path);
}

const skippedFiles = (events: WatchEvent[]) => events.flatMap((e) => (e.type === 'skipped' ? [e.issue.file] : [])).sort();

describe('named pipes called *.md', () => {
  it('GIVEN five named pipes appear while watching THEN each is skipped and named, never opened, and a later article still loads', async () => {
    const d = await folder();
    const store = new ArticleStore();
    const events: WatchEvent[] = [];
    const watcher = await watchContentDir(d.root, store, { onEvent: (e) => events.push(e), stabilityMs: 50 });
    try {
      // More pipes than libuv has threads (4): one blocked open per pipe would stall every later read.
      for (let i = 0; i < 5; i++) mkfifo(join(d.root, `pipe-${i}.md`));
      await d.write('after.md', aggregatorArticle({ title: 'Loaded after the pipes' }));
      await waitFor(() => store.search('pipes').total === 1, { what: 'the later article loaded' });
      await waitFor(() => skippedFiles(events).length === 5, { what: 'five pipes reported' });
      expect(skippedFiles(events)).toEqual(['pipe-0.md', 'pipe-1.md', 'pipe-2.md', 'pipe-3.md', 'pipe-4.md']);
      expect(events.find((e) => e.type === 'skipped')).toMatchObject({ issue: { path: '', message: 'Not a regular file (a named pipe); not opened' } });
      expect(store.size).toBe(1);
    } finally {
      await watcher.close();
    }
  });

  it('GIVEN named pipes in the folder at start THEN the load names them as skipped and loads the rest', async () => {
    const d = await folder();
    await d.write('real.md', aggregatorArticle({ title: 'Real story' }));
    mkfifo(join(d.root, 'pipe.md'));
    await mkdir(join(d.root, 'sub'));
    mkfifo(join(d.root, 'sub', 'deep.md'));
    const store = new ArticleStore();
    const report = await loadContentDir(d.root, store);
    expect(store.all().map((a) => a.title)).toEqual(['Real story']);
    expect(report.skipped).toEqual([
      { file: 'pipe.md', path: '', message: 'Not a regular file (a named pipe); not opened' },
      { file: 'sub/deep.md', path: '', message: 'Not a regular file (a named pipe); not opened' },
    ]);
  });

  it('GIVEN a symlink to a named pipe inside the folder THEN it is skipped and named, at start and while watching', async () => {
    const d = await folder();
    mkfifo(join(d.root, 'pipe'));
    await symlink(join(d.root, 'pipe'), join(d.root, 'linked.md'));
    const store = new ArticleStore();
    const report = await loadContentDir(d.root, store);
    expect(report.skipped).toEqual([{ file: 'linked.md', path: '', message: 'Not a regular file (a named pipe); not opened' }]);
    const events: WatchEvent[] = [];
    const watcher = await watchContentDir(d.root, store, { onEvent: (e) => events.push(e), stabilityMs: 50 });
    try {
      await symlink(join(d.root, 'pipe'), join(d.root, 'linked-later.md'));
      await waitFor(() => skippedFiles(events).includes('linked-later.md'), { what: 'the new link reported' });
      await d.write('after.md', aggregatorArticle({ title: 'Still loading' }));
      await waitFor(() => store.size === 1, { what: 'the later article loaded' });
    } finally {
      await watcher.close();
    }
  });
});

describe('a replaced content folder', () => {
  it('GIVEN the folder is deleted and re-created THEN the new folder is watched, and its articles replace the old ones', async () => {
    const d = await folder();
    const root = join(d.root, 'content');
    await d.write('content/old-one.md', aggregatorArticle({ title: 'Old one' }));
    await d.write('content/kept.md', aggregatorArticle({ title: 'Kept story' }));
    const store = new ArticleStore();
    await loadContentDir(root, store);
    const events: WatchEvent[] = [];
    const watcher = await watchContentDir(root, store, { onEvent: (e) => events.push(e), stabilityMs: 50, rootCheckMs: 50 });
    try {
      await rm(root, { recursive: true });
      await mkdir(root);
      await d.write('content/kept.md', aggregatorArticle({ title: 'Kept story' }));
      await d.write('content/new-one.md', aggregatorArticle({ title: 'New one' }));
      await waitFor(() => store.all().map((a) => a.title).sort().join() === 'Kept story,New one', { what: 'the new folder loaded' });
      // Watched again, not just rescanned once: a file written now arrives too.
      await d.write('content/later.md', aggregatorArticle({ title: 'Later one' }));
      await waitFor(() => store.size === 3, { what: 'a file added after the swap loaded' });
      expect(events).toContainEqual({ type: 'folder-replaced', dir: root, loaded: 2, removed: expect.any(Number), skipped: 0 });
    } finally {
      await watcher.close();
    }
  });

  it('GIVEN the folder is moved away and another takes its name THEN articles only in the old folder disappear', async () => {
    const d = await folder();
    const root = join(d.root, 'content');
    await d.write('content/gone.md', aggregatorArticle({ title: 'Gone story' }));
    await d.write('next/arrived.md', aggregatorArticle({ title: 'Arrived story' }));
    const store = new ArticleStore();
    await loadContentDir(root, store);
    const watcher = await watchContentDir(root, store, { stabilityMs: 50, rootCheckMs: 50 });
    try {
      // A rename sends no delete event for the files inside: only the folder's new identity tells.
      await rename(root, join(d.root, 'old'));
      await rename(join(d.root, 'next'), root);
      await waitFor(() => store.all().map((a) => a.title).join() === 'Arrived story', { what: 'the swapped-in folder loaded' });
    } finally {
      await watcher.close();
    }
  });

  it('GIVEN the folder is a symlink swapped with ln -sfn THEN the new target is loaded and watched, and the old one no longer is', async () => {
    const d = await folder();
    await d.write('v1/first.md', aggregatorArticle({ title: 'First release' }));
    await d.write('v2/second.md', aggregatorArticle({ title: 'Second release' }));
    const link = join(d.root, 'content');
    await symlink(join(d.root, 'v1'), link);
    const store = new ArticleStore();
    await loadContentDir(link, store);
    const events: WatchEvent[] = [];
    const watcher = await watchContentDir(link, store, { onEvent: (e) => events.push(e), stabilityMs: 50, rootCheckMs: 50 });
    try {
      await d.write('v1/while-v1.md', aggregatorArticle({ title: 'While first' }));
      await waitFor(() => store.size === 2, { what: 'the first target watched' });
      execFileSync('ln', ['-sfn', join(d.root, 'v2'), link]);
      await waitFor(() => store.all().map((a) => a.title).join() === 'Second release', { what: 'the second target loaded' });
      await d.write('v1/stale.md', aggregatorArticle({ title: 'Stale write' }));
      await d.write('v2/fresh.md', aggregatorArticle({ title: 'Fresh write' }));
      await waitFor(() => store.size === 2, { what: 'a file in the new target loaded' });
      expect(store.all().map((a) => a.title).sort()).toEqual(['Fresh write', 'Second release']);
      expect(events.filter((e) => e.type === 'folder-replaced')).toEqual([{ type: 'folder-replaced', dir: link, loaded: 1, removed: 2, skipped: 0 }]);
    } finally {
      await watcher.close();
    }
  });
});

describe('hidden files: one rule at start and at run time', () => {
  const hidden = ['.hidden.md', '.obsidian/workspace.md', '.git/notes.md', '#autosave.md#', '.#lock.md', 'sub/.draft.md', 'sub/.trash/old.md'];

  it('names dotfiles, dot-folders and editor files as hidden, and nothing else', () => {
    for (const p of hidden) expect(isHiddenPath(p), p).toBe(true);
    expect(isHiddenPath('backup.md~')).toBe(true);
    for (const p of ['a.md', 'sub/a.md', 'v1.2/a.md', 'a.b.md', 'sub/x#y.md']) expect(isHiddenPath(p), p).toBe(false);
  });

  it('GIVEN hidden files at start and hidden files created while watching THEN none is loaded or reported, and visible ones are', async () => {
    const d = await folder();
    for (const p of hidden) await d.write(p, aggregatorArticle({ title: `Hidden at start ${p}` }));
    await d.write('visible.md', aggregatorArticle({ title: 'Visible at start' }));
    const store = new ArticleStore();
    const report = await loadContentDir(d.root, store);
    expect(report).toMatchObject({ files: 1, loaded: 1, skipped: [] });
    const events: WatchEvent[] = [];
    const watcher = await watchContentDir(d.root, store, { onEvent: (e) => events.push(e), stabilityMs: 50 });
    try {
      for (const p of hidden) await d.write(p.replace(/\.md(#?)$/, '-later.md$1'), aggregatorArticle({ title: `Hidden later ${p}` }));
      await d.write('sub/.new-folder/deep.md', aggregatorArticle({ title: 'Hidden later in a new dot-folder' }));
      await d.write('visible-later.md', aggregatorArticle({ title: 'Visible later' }));
      await waitFor(() => store.size === 2, { what: 'the visible file loaded' });
      expect(store.all().map((a) => a.title).sort()).toEqual(['Visible at start', 'Visible later']);
      expect(events).toEqual([{ type: 'loaded', file: 'visible-later.md', id: 'visible-later' }]);
    } finally {
      await watcher.close();
    }
  });
});

describe('editors and slow writers', () => {
  it('GIVEN a slow writer that pauses between three chunks THEN the file is read once, complete, never as a broken half', async () => {
    const d = await folder();
    const store = new ArticleStore();
    const events: WatchEvent[] = [];
    const watcher = await watchContentDir(d.root, store, { onEvent: (e) => events.push(e), stabilityMs: 600 });
    try {
      const text = aggregatorArticle({ title: 'Written in chunks' });
      const third = Math.ceil(text.length / 3);
      const handle = await open(join(d.root, 'chunked.md'), 'w');
      for (let i = 0; i < 3; i++) {
        await handle.write(text.slice(i * third, (i + 1) * third));
        // The writer's own pace (a network copy, a script writing as it goes), not a wait for the watcher:
        // long enough that a watcher without a debounce reads the half-written file.
        if (i < 2) await new Promise((r) => setTimeout(r, 60));
      }
      await handle.close();
      await waitFor(() => store.size === 1, { what: 'the chunked file loaded' });
      expect(events).toEqual([{ type: 'loaded', file: 'chunked.md', id: 'chunked' }]);
      expect(store.all()[0]?.title).toBe('Written in chunks');
    } finally {
      await watcher.close();
    }
  });

  it('GIVEN an editor saves by writing a temp file and renaming it over the article THEN it is a change: never removed, temp files never read', async () => {
    const d = await folder();
    await d.write('live.md', aggregatorArticle({ title: 'First draft' }));
    const store = new ArticleStore();
    await loadContentDir(d.root, store);
    const events: WatchEvent[] = [];
    const watcher = await watchContentDir(d.root, store, { onEvent: (e) => events.push(e), stabilityMs: 50 });
    try {
      // An atomic writer: temp file beside the article, then rename over it.
      await d.write('live.md.tmp-4821', aggregatorArticle({ title: 'Second draft' }));
      await rename(join(d.root, 'live.md.tmp-4821'), join(d.root, 'live.md'));
      await waitFor(() => store.all()[0]?.title === 'Second draft', { what: 'the renamed-over article' });
      // Vim without backupcopy: swap file, the original renamed to a backup, the new text written, the backup deleted.
      await d.write('.live.md.swp', 'swap');
      await d.write('4913', '');
      await unlink(join(d.root, '4913'));
      await rename(join(d.root, 'live.md'), join(d.root, 'live.md~'));
      await d.write('live.md', aggregatorArticle({ title: 'Third draft' }));
      await unlink(join(d.root, 'live.md~'));
      await unlink(join(d.root, '.live.md.swp'));
      // Emacs: lock and autosave files beside the article.
      await d.write('.#live.md', 'lock');
      await d.write('#live.md#', 'autosave');
      await waitFor(() => store.all()[0]?.title === 'Third draft', { what: 'the article saved by Vim' });
      expect(store.size).toBe(1);
      expect(events).toEqual([
        { type: 'loaded', file: 'live.md', id: 'live' },
        { type: 'loaded', file: 'live.md', id: 'live' },
      ]);
    } finally {
      await watcher.close();
    }
  });
});

describe('folders appearing and leaving while watched', () => {
  it('GIVEN a folder with nested folders is moved in THEN all its articles load, later writes deep inside load, and moving it out removes them', async () => {
    const d = await folder();
    const root = join(d.root, 'content');
    await mkdir(root);
    await d.write('elsewhere/batch/one.md', aggregatorArticle({ title: 'Moved one' }));
    await d.write('elsewhere/batch/deep/deeper/two.md', aggregatorArticle({ title: 'Moved two' }));
    const store = new ArticleStore();
    const events: WatchEvent[] = [];
    const watcher = await watchContentDir(root, store, { onEvent: (e) => events.push(e), stabilityMs: 50 });
    try {
      await rename(join(d.root, 'elsewhere', 'batch'), join(root, 'batch'));
      await waitFor(() => store.size === 2, { what: 'the moved-in articles loaded' });
      // Its folders were created before any watch could see them: they are watched now all the same.
      await d.write('content/batch/deep/deeper/three.md', aggregatorArticle({ title: 'Written deep later' }));
      await waitFor(() => store.size === 3, { what: 'a file written deep in the moved-in folder' });
      expect(watcher.stats()).toEqual({ folders: 4, files: 3 });
      // Moved out: no event names the files inside, yet they go.
      await rename(join(root, 'batch'), join(d.root, 'gone'));
      await waitFor(() => store.size === 0, { what: 'the moved-out articles removed' });
      expect(events.filter((e) => e.type === 'removed').map((e) => (e.type === 'removed' ? e.file : '')).sort()).toEqual([
        'batch/deep/deeper/three.md',
        'batch/deep/deeper/two.md',
        'batch/one.md',
      ]);
      expect(watcher.stats()).toEqual({ folders: 1, files: 0 });
    } finally {
      await watcher.close();
    }
  });

  it('GIVEN files listed at start (any case of .md, odd names, nested) THEN each deletion and a folder moved out remove exactly those files', async () => {
    const d = await folder();
    const root = join(d.root, 'content');
    const names = ['top.md', 'a/Upper.MD', 'a/with space — ü.md', 'a/b/deep.Md', 'a/notes.txt', 'c/other.md'];
    for (const [i, n] of names.entries()) await d.write(`content/${n}`, aggregatorArticle({ title: `Start ${i}` }));
    const store = new ArticleStore();
    await loadContentDir(root, store);
    expect(store.size).toBe(5);
    const events: WatchEvent[] = [];
    const watcher = await watchContentDir(root, store, { onEvent: (e) => events.push(e), stabilityMs: 50 });
    const removed = () => events.flatMap((e) => (e.type === 'removed' ? [e.file] : [])).sort();
    try {
      expect(watcher.stats()).toEqual({ folders: 4, files: 5 });
      await unlink(join(root, 'a', 'with space — ü.md'));
      await waitFor(() => store.size === 4, { what: 'the deleted file removed' });
      expect(removed()).toEqual(['a/with space — ü.md']);
      // Moved out whole: no event names the files inside, yet the ones listed at start go, and only they.
      await rename(join(root, 'a'), join(d.root, 'gone'));
      await waitFor(() => store.size === 2, { what: 'the moved-out folder’s articles removed' });
      expect(removed()).toEqual(['a/Upper.MD', 'a/b/deep.Md', 'a/with space — ü.md']);
      expect(store.all().map((a) => a.file).sort()).toEqual(['c/other.md', 'top.md']);
      expect(watcher.stats()).toEqual({ folders: 2, files: 2 });
    } finally {
      await watcher.close();
    }
  });

  it('GIVEN a subfolder swapped for another of the same name THEN the new files are read, even those with the old names', async () => {
    const d = await folder();
    const root = join(d.root, 'content');
    await d.write('content/sub/same.md', aggregatorArticle({ title: 'Old text' }));
    await d.write('content/sub/only-old.md', aggregatorArticle({ title: 'Only in old' }));
    await d.write('next/same.md', aggregatorArticle({ title: 'New text' }));
    const store = new ArticleStore();
    await loadContentDir(root, store);
    const watcher = await watchContentDir(root, store, { stabilityMs: 50 });
    try {
      // Two renames: no event names a file inside, and same.md keeps its name but not its text.
      await rename(join(root, 'sub'), join(d.root, 'old-sub'));
      await rename(join(d.root, 'next'), join(root, 'sub'));
      await waitFor(() => store.all().map((a) => a.title).join() === 'New text', { what: 'the swapped-in subfolder read' });
    } finally {
      await watcher.close();
    }
  });
});

describe('colliding ids while watching', () => {
  it('GIVEN a file added with an id already taken THEN it is held back and named; deleting both leaves nothing behind', async () => {
    const d = await folder();
    await d.write('Same Name.md', aggregatorArticle({ title: 'First story' }));
    const store = new ArticleStore();
    await loadContentDir(d.root, store);
    const events: WatchEvent[] = [];
    const watcher = await watchContentDir(d.root, store, { onEvent: (e) => events.push(e), stabilityMs: 50 });
    try {
      await d.write('same-name.md', aggregatorArticle({ title: 'Second story' }));
      await waitFor(() => skippedFiles(events).includes('same-name.md'), { what: 'the collision named' });
      expect(events.find((e) => e.type === 'skipped')).toMatchObject({ issue: { message: expect.stringMatching(/same id "same-name" as "Same Name\.md"/) } });
      expect(store.all().map((a) => a.title)).toEqual(['First story']);
      // The held-back copy is deleted first; the shown one after it: the held-back copy must not come back.
      await unlink(join(d.root, 'same-name.md'));
      await waitFor(() => events.some((e) => e.type === 'removed' && e.file === 'same-name.md'), { what: 'the held-back copy removed' });
      await unlink(join(d.root, 'Same Name.md'));
      await waitFor(() => events.some((e) => e.type === 'removed' && e.file === 'Same Name.md'), { what: 'the shown copy removed' });
      expect(store.size).toBe(0);
    } finally {
      await watcher.close();
    }
  });
});

describe('timing', () => {
  it('GIVEN the default debounce THEN a new, a changed and a deleted file each reach search well within the 1 s goal', async () => {
    const d = await folder();
    const store = new ArticleStore();
    const watcher = await watchContentDir(d.root, store);
    // Polled, with room for a shared machine; the benchmark (npm run bench -- --watchers) measures the real latency.
    const within = { timeout: 2_000, interval: 5 };
    try {
      await d.write('fresh.md', aggregatorArticle({ title: 'Zebra crossing story' }));
      await waitFor(() => store.search('zebra').total === 1, { ...within, what: 'the new file searchable' });
      await writeFile(join(d.root, 'fresh.md'), aggregatorArticle({ title: 'Giraffe crossing story' }));
      await waitFor(() => store.search('giraffe').total === 1 && store.search('zebra').total === 0, { ...within, what: 'the change searchable' });
      await unlink(join(d.root, 'fresh.md'));
      await waitFor(() => store.search('giraffe').total === 0, { ...within, what: 'the deletion searchable' });
    } finally {
      await watcher.close();
    }
  });

  it('GIVEN the watcher starts before a long load THEN changes made during the load wait for it, and win over what the load read', async () => {
    const d = await folder();
    await d.write('story.md', aggregatorArticle({ title: 'Version one' }));
    const store = new ArticleStore();
    let loadDone: () => void = () => undefined;
    const load = new Promise<void>((done) => (loadDone = done));
    const watcher = await watchContentDir(d.root, store, { stabilityMs: 50, holdUntil: load });
    // A second watcher without a hold, as a clock: once it has applied the change, the held one would have too.
    const unheld = new ArticleStore();
    const clock = await watchContentDir(d.root, unheld, { stabilityMs: 50 });
    try {
      const oldRead = await readContentFile(join(d.root, 'story.md'), 'story.md');
      await writeFile(join(d.root, 'story.md'), aggregatorArticle({ title: 'Version two' }));
      await d.write('added.md', aggregatorArticle({ title: 'Added during the load' }));
      await waitFor(() => unheld.size === 2, { what: 'the unheld watcher applied both changes' });
      expect(store.size).toBe(0);
      // The slow load ends by setting what it read before the change.
      if (oldRead.kind === 'article') store.set('story.md', oldRead.article);
      loadDone();
      await waitFor(() => store.size === 2 && store.all().some((a) => a.title === 'Version two'), { what: 'the held changes applied after the load' });
      expect(store.all().map((a) => a.title).sort()).toEqual(['Added during the load', 'Version two']);
    } finally {
      await clock.close();
      await watcher.close();
    }
  });
});

describe('the start-up listing shared with the load', () => {
  /** A listing that runs `after(relDir)` right after the load has read that folder (and told the watcher). */
  function listingWith(after: (relDir: string) => void): SharedListing {
    const shared = createSharedListing();
    return {
      ...shared,
      async visitor() {
        const v = await shared.visitor();
        return v && { entering: v.entering, listed: (relDir, names) => (v.listed(relDir, names), after(relDir)) };
      },
    };
  }

  it('GIVEN the watcher follows the load’s listing THEN it watches and knows what its own walk would, and deletions, moves and new files deep inside apply', async () => {
    const d = await folder();
    const root = join(d.root, 'content');
    const names = ['top.md', 'a/Upper.MD', 'a/with space — ü.md', 'a/b/deep.Md', 'a/notes.txt', 'c/other.md', '.hidden/secret.md'];
    for (const [i, n] of names.entries()) await d.write(`content/${n}`, aggregatorArticle({ title: `Start ${i}` }));
    await d.write('outside/linked.md', aggregatorArticle({ title: 'Outside' }));
    await symlink(join(root, 'c'), join(root, 'linked-c'));
    await symlink(join(d.root, 'outside', 'linked.md'), join(root, 'out.md'));
    // The same folder, walked by a watcher of its own, for comparison.
    const own = await watchContentDir(root, new ArticleStore(), {});
    const ownStats = own.stats();
    await own.close();

    const store = new ArticleStore();
    const events: WatchEvent[] = [];
    const listing = createSharedListing();
    const load = loadArchive(root, store, { listing });
    const watcher = await watchContentDir(root, store, { listing, holdUntil: load, onEvent: (e) => events.push(e), stabilityMs: 50 });
    const removed = () => events.flatMap((e) => (e.type === 'removed' ? [e.file] : [])).sort();
    try {
      const report = await load;
      // Five files, and c/other.md again through the linked folder; the link to outside is named.
      expect(report.loaded).toBe(6);
      expect(report.skipped.map((i) => i.file)).toEqual(['out.md']);
      // Root, a, a/b, c: the linked folder is read, not watched; the hidden one neither. The link to outside is known (it may be fixed).
      expect(watcher.stats()).toEqual(ownStats);
      expect(watcher.stats()).toEqual({ folders: 4, files: 7 });
      await d.write('content/a/b/later.md', aggregatorArticle({ title: 'Written deep later' }));
      await waitFor(() => store.all().some((a) => a.file === 'a/b/later.md'), { what: 'a file written deep inside after the load' });
      await unlink(join(root, 'a', 'with space — ü.md'));
      await waitFor(() => removed().length === 1, { what: 'the deleted file removed' });
      expect(removed()).toEqual(['a/with space — ü.md']);
      await rename(join(root, 'a'), join(d.root, 'gone'));
      await waitFor(() => removed().length === 4, { what: 'the moved-out folder’s articles removed' });
      expect(removed()).toEqual(['a/Upper.MD', 'a/b/deep.Md', 'a/b/later.md', 'a/with space — ü.md']);
      expect([...new Set(store.all().map((a) => a.title))].sort()).toEqual(['Start 0', 'Start 5']);
    } finally {
      await watcher.close();
    }
  });

  it('GIVEN a file written into a folder right after the load read it THEN the watch made before the read sees it, and it loads once the load ends', async () => {
    const d = await folder();
    const root = join(d.root, 'content');
    await d.write('content/a/b/first.md', aggregatorArticle({ title: 'Listed' }));
    await d.write('content/z/last.md', aggregatorArticle({ title: 'Listed too' }));
    const store = new ArticleStore();
    const listing = listingWith((relDir) => {
      // Synchronously, between the load's read of a/b and anything else: the load cannot have seen it.
      if (relDir === 'a/b') writeFileSync(join(root, 'a', 'b', 'missed.md'), aggregatorArticle({ title: 'Written behind the listing' }));
    });
    const load = loadArchive(root, store, { listing });
    const watcher = await watchContentDir(root, store, { listing, holdUntil: load, stabilityMs: 50 });
    try {
      const report = await load;
      expect(report.loaded).toBe(2);
      await waitFor(() => store.size === 3, { what: 'the file written behind the listing loaded' });
      expect(store.all().map((a) => a.title).sort()).toEqual(['Listed', 'Listed too', 'Written behind the listing']);
    } finally {
      await watcher.close();
    }
  });

  it('GIVEN the content folder is missing THEN the load and the watcher following it both fail with the folder’s error, and neither waits for the other', async () => {
    const d = await folder();
    const root = join(d.root, 'nowhere');
    const listing = createSharedListing();
    const load = loadArchive(root, new ArticleStore(), { listing });
    const watching = watchContentDir(root, new ArticleStore(), { listing });
    // Both awaited at once: whichever rejects first, the other already has its handler (awaited one after
    // the other, a watcher that failed before the load did counted as an unhandled rejection).
    await Promise.all([expect(load).rejects.toBeInstanceOf(ContentDirError), expect(watching).rejects.toBeInstanceOf(ContentDirError)]);
  });

  it('GIVEN the watcher gives up before the listing starts THEN the load lists the folder alone', async () => {
    const d = await folder();
    await d.write('one.md', aggregatorArticle({ title: 'One' }));
    const listing = createSharedListing();
    listing.abandon();
    const store = new ArticleStore();
    const report = await loadArchive(d.root, store, { listing });
    expect(report.loaded).toBe(1);
    expect(store.all().map((a) => a.title)).toEqual(['One']);
  });

  it('GIVEN a listing that fails after the watcher follows it THEN the watcher fails with that error', async () => {
    const listing = createSharedListing();
    const d = await folder();
    const watching = watchContentDir(d.root, new ArticleStore(), { listing });
    expect(await listing.visitor()).not.toBeNull();
    listing.end(new Error('the disk went away'));
    await expect(watching).rejects.toThrow('the disk went away');
  });
});
