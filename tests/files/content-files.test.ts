import { symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArticleStore } from '../../src/content/store.ts';
import { LOAD_STEPS } from '../../src/files/archive.ts';
import { ContentDirError, MAX_FILE_BYTES, loadContentDir, resolveContentDir, watchContentDir, type WatchEvent } from '../../src/files/content-files.ts';
import { aggregatorArticle, tempFolders } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait-for.ts';

const folder = tempFolders();

describe('loadContentDir', () => {
  it('GIVEN good and bad files in nested folders THEN the good ones load and each bad one is named with field and reason', async () => {
    const d = await folder();
    await d.write('a/one.md', aggregatorArticle({ title: 'One' }));
    await d.write('a/b/two.md', aggregatorArticle({ title: 'Two' }));
    await d.write('bad-date.md', aggregatorArticle({ title: 'Bad', date: 'yesterday-ish' }));
    await d.write('draft.md', '---\ntitle: D\npublishedAt: 2026-01-01T00:00:00Z\ndraft: true\n---\n');
    await d.write('notes.txt', 'ignored');
    const store = new ArticleStore();
    const report = await loadContentDir(d.root, store);
    expect(report.loaded).toBe(2);
    expect(store.all().map((a) => a.id).sort()).toEqual(['a/b/two', 'a/one']);
    expect(report.skipped).toEqual([{ file: 'bad-date.md', path: 'publishedDateTime', message: expect.stringMatching(/^Not a date/) }]);
    expect(report.excluded).toEqual([{ file: 'draft.md', reason: 'draft: true' }]);
    expect(report.files).toBe(4);
  });

  it('GIVEN a file over 2 MB THEN it is skipped with its size, and the rest load', async () => {
    const d = await folder();
    await d.write('big.md', aggregatorArticle({ title: 'Big' }) + 'x'.repeat(MAX_FILE_BYTES));
    await d.write('small.md', aggregatorArticle({ title: 'Small' }));
    const store = new ArticleStore();
    const report = await loadContentDir(d.root, store);
    expect(report.skipped).toEqual([{ file: 'big.md', path: '', message: expect.stringMatching(/^File is 2\.0 MB; the limit is 2 MB$/) }]);
    expect(store.size).toBe(1);
  });

  it('GIVEN a symlink pointing outside the content folder THEN it is not followed', async () => {
    const outside = await folder();
    await outside.write('secret.md', aggregatorArticle({ title: 'Outside' }));
    const d = await folder();
    await d.write('inside.md', aggregatorArticle({ title: 'Inside' }));
    await symlink(join(outside.root, 'secret.md'), join(d.root, 'linked.md'));
    await symlink(outside.root, join(d.root, 'linked-dir'));
    await symlink(join(d.root, 'inside.md'), join(d.root, 'alias.md'));
    const store = new ArticleStore();
    const report = await loadContentDir(d.root, store);
    expect(store.all().map((a) => a.title)).toEqual(['Inside']);
    expect(report.skipped.map((s) => s.file).sort()).toEqual(['linked-dir', 'linked.md']);
    expect(report.skipped[0]?.message).toMatch(/outside the content folder/);
  });

  it('GIVEN a missing folder THEN a ContentDirError that says how to fix it', async () => {
    await expect(loadContentDir('/nonexistent/news', new ArticleStore())).rejects.toThrow(ContentDirError);
    await expect(loadContentDir('/nonexistent/news', new ArticleStore())).rejects.toThrow(/CONTENT_DIR/);
  });

  it('reports progress file by file, each file all its steps (read, indexed, stored), up to the whole', async () => {
    const d = await folder();
    for (let i = 0; i < 5; i++) await d.write(`${i}.md`, aggregatorArticle({ title: `N${i}` }));
    const seen: string[] = [];
    await loadContentDir(d.root, new ArticleStore(), { onProgress: (done, total) => seen.push(`${done}/${total}`) });
    const perFile = LOAD_STEPS.parse + LOAD_STEPS.join + LOAD_STEPS.place;
    expect(seen).toEqual([1, 2, 3, 4, 5].map((n) => `${n * perFile}/${5 * perFile}`));
  });

  it('resolves the folder from the flag, then CONTENT_DIR, then ./content', () => {
    expect(resolveContentDir('/x', { CONTENT_DIR: '/y' })).toBe('/x');
    expect(resolveContentDir(undefined, { CONTENT_DIR: '/y' })).toBe('/y');
    expect(resolveContentDir(undefined, {})).toBe(join(process.cwd(), 'content'));
  });
});

describe('watchContentDir', () => {
  it('GIVEN a file is added, changed, broken and removed THEN the store follows without a reload', async () => {
    const d = await folder();
    const store = new ArticleStore();
    await loadContentDir(d.root, store);
    const events: WatchEvent[] = [];
    const watcher = await watchContentDir(d.root, store, { onEvent: (e) => events.push(e), stabilityMs: 50 });
    try {
      await d.write('live.md', aggregatorArticle({ title: 'Fresh musk story' }));
      await waitFor(() => store.search('musk').total === 1);

      await writeFile(join(d.root, 'live.md'), aggregatorArticle({ title: 'Updated bitcoin story' }));
      await waitFor(() => store.search('bitcoin').total === 1);
      expect(store.search('musk').total).toBe(0);

      await writeFile(join(d.root, 'live.md'), aggregatorArticle({ title: 'Broken', date: 'never' }));
      await waitFor(() => store.size === 0);
      expect(events.some((e) => e.type === 'skipped' && e.issue.path === 'publishedDateTime')).toBe(true);

      await writeFile(join(d.root, 'live.md'), aggregatorArticle({ title: 'Back again' }));
      await waitFor(() => store.size === 1);
      await unlink(join(d.root, 'live.md'));
      await waitFor(() => store.size === 0);
      expect(events.at(-1)).toEqual({ type: 'removed', file: 'live.md' });
    } finally {
      await watcher.close();
    }
  });
});

describe('loadContentDir — hostile and unusual files', () => {
  it('GIVEN UTF-16 files with a byte-order mark, little and big endian THEN they load like UTF-8', async () => {
    const d = await folder();
    const text = aggregatorArticle({ title: 'Wide café story' });
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le.subarray(2));
    for (let i = 0; i + 1 < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
    await d.write('le.md', le);
    await d.write('sub/be.md', Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
    const store = new ArticleStore();
    const report = await loadContentDir(d.root, store);
    expect(report.skipped).toEqual([]);
    expect(report.loaded).toBe(2);
    expect(store.search('café').total).toBeGreaterThanOrEqual(1);
  });

  it('GIVEN Same Name.md and same-name.md THEN one loads and the other is skipped naming both paths; deleting either keeps the other', async () => {
    const d = await folder();
    await d.write('Same Name.md', aggregatorArticle({ title: 'First story' }));
    await d.write('same-name.md', aggregatorArticle({ title: 'Second story' }));
    const store = new ArticleStore();
    const report = await loadContentDir(d.root, store);
    expect(report.loaded).toBe(1);
    expect(report.skipped).toEqual([{ file: 'same-name.md', path: '', message: expect.stringMatching(/same id "same-name" as "Same Name\.md"/) }]);
    const watcher = await watchContentDir(d.root, store, { stabilityMs: 50 });
    try {
      await unlink(join(d.root, 'Same Name.md'));
      await waitFor(() => store.all()[0]?.title === 'Second story', { what: 'the held-back file shown' });
      expect(store.size).toBe(1);
    } finally {
      await watcher.close();
    }
  });

  it('GIVEN an article over the index bound THEN it loads and the report names it in a notice', async () => {
    const d = await folder();
    const words = Array.from({ length: 3_000 }, (_, i) => `w${i}`).join(' ');
    await d.write('wordy.md', aggregatorArticle({ title: 'Wordy', excerpt: words }));
    await d.write('plain.md', aggregatorArticle({ title: 'Plain' }));
    const store = new ArticleStore();
    const report = await loadContentDir(d.root, store);
    expect(report.loaded).toBe(2);
    expect(report.skipped).toEqual([]);
    expect(report.notices).toEqual([{ file: 'wordy.md', path: '', message: expect.stringMatching(/distinct words are searchable/) }]);
  });

  it('GIVEN an impossible or far-future date THEN the file is skipped against the `now` passed in', async () => {
    const d = await folder();
    await d.write('ok.md', aggregatorArticle({ title: 'Ok', date: '2026-11-21T10:00:00Z' }));
    await d.write('future.md', aggregatorArticle({ title: 'Future', date: '2026-11-23T10:00:00Z' }));
    const report = await loadContentDir(d.root, new ArticleStore(), { now: () => new Date('2026-11-21T12:00:00Z') });
    expect(report.skipped).toEqual([{ file: 'future.md', path: 'publishedDateTime', message: expect.stringMatching(/more than a day after now/) }]);
  });
});
