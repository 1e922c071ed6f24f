import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContentIssue } from '../../src/content/article.ts';
import { listContentFiles } from '../../src/files/archive.ts';
import { aggregatorArticle, tempDir } from '../support/temp-dir.ts';

const dirs: Array<{ cleanup(): Promise<void> }> = [];
afterEach(async () => {
  while (dirs.length) await dirs.pop()!.cleanup();
});

describe('listing the content folder', () => {
  it('GIVEN folders whose names start alike (a, a-c, a.b) and a linked folder THEN every Markdown file is listed once, in path order', async () => {
    const d = await tempDir('archive-list-');
    dirs.push(d);
    const paths = ['a/b.md', 'a-c/x.md', 'a.md', 'a.b/y.md', 'a0/z.md', 'b/a/c.md', 'b/a-b.md', 'b/a.md', 'Z.md'];
    for (const p of paths) await d.write(p, aggregatorArticle({ title: p }));
    await mkdir(join(d.root, 'empty'));
    // A link to a folder sorts by its own name among files: the listing is still in path order.
    await symlink(join(d.root, 'b'), join(d.root, 'a-link'));
    const skipped: ContentIssue[] = [];
    const found = listContentFiles(d.root, d.root, skipped);
    const expected = [...paths, 'a-link/a/c.md', 'a-link/a-b.md', 'a-link/a.md'].sort();
    expect(found).toEqual(expected);
    expect(skipped).toEqual([]);
  });
});
