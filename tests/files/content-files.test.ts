import { symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ArticleStore } from '../../src/content/store.ts';
import { ContentDirError, MAX_FILE_BYTES, loadContentDir, resolveContentDir, watchContentDir, type WatchEvent } from '../../src/files/content-files.ts';
import { aggregatorArticle, tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait-for.ts';

const dirs: Array<{ cleanup(): Promise<void> }> = [];
afterEach(async () => {
  while (dirs.length) await dirs.pop()!.cleanup();
});
async function folder() {
  const d = await tempDir();
  dirs.push(d);
  return d;
}

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
    expect(report.skipped).toEqual([{ file: 'bad-date.md', path: 'publishedDateTime', message: expect.stringMatching(/Invalid date/) }]);
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

  it('reports progress with counts', async () => {
    const d = await folder();
    for (let i = 0; i < 5; i++) await d.write(`${i}.md`, aggregatorArticle({ title: `N${i}` }));
    const seen: string[] = [];
    await loadContentDir(d.root, new ArticleStore(), { onProgress: (done, total) => seen.push(`${done}/${total}`) });
    expect(seen.at(-1)).toBe('5/5');
    expect(seen).toHaveLength(5);
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
