import { mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { statFiles, streamFileStats } from '../../src/files/file-stats.ts';
import { tempDir } from '../support/temp-dir.ts';

const dirs: Array<{ cleanup(): Promise<void> }> = [];
afterAll(async () => {
  for (const d of dirs) await d.cleanup();
});

/** A folder of `count` files in ten sub-folders, each of its own size and modification time; their paths in the folder, sorted. */
async function folder(count: number) {
  const d = await tempDir('file-stats-');
  dirs.push(d);
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = `f${i % 10}/n-${String(i).padStart(5, '0')}.md`;
    mkdirSync(join(d.root, `f${i % 10}`), { recursive: true });
    writeFileSync(join(d.root, path), 'x'.repeat(i % 97));
    utimesSync(join(d.root, path), 1_700_000_000 + i, 1_700_000_000 + i);
    paths.push(path);
  }
  return { root: d.root, paths: paths.sort() };
}

/** What `fs.statSync` says of each path: size and modification time, NaN for a file that is not there. */
const expected = (root: string, paths: readonly string[]) =>
  paths.flatMap((p) => {
    const s = statSync(join(root, p), { throwIfNoEntry: false });
    return s ? [s.size, s.mtimeMs] : [NaN, NaN];
  });

describe('file stats', () => {
  it('GIVEN a listing handed over as it grows, past the size stat’ed inline THEN each file’s size and time come back in listing order, NaN for one that is gone', async () => {
    const { root, paths } = await folder(12_000);
    paths.splice(7000, 0, 'f3/gone.md');
    const listing: string[] = [];
    const stats = streamFileStats(root);
    // In uneven steps, as a listing grows folder by folder: a batch goes to the worker every few thousand files.
    for (const step of [1500, 600, 4000, 1, 5899, 1]) {
      listing.push(...paths.slice(listing.length, listing.length + step));
      stats.listed(listing);
    }
    expect(listing.length).toBe(paths.length);
    const result = await stats.result(listing);
    expect([...result]).toEqual(expected(root, paths));
    expect(result[7000 * 2]).toBeNaN();
  });

  it('GIVEN a listing that comes back reordered (a new array) THEN the stats follow the new order', async () => {
    const { root, paths } = await folder(3000);
    const listing = [...paths].reverse();
    const stats = streamFileStats(root);
    stats.listed(listing);
    const reordered = [...listing].sort();
    expect([...(await stats.result(reordered))]).toEqual(expected(root, reordered));
  });

  it('GIVEN a few files, or none THEN they are stat’ed without a worker, with the same answers', async () => {
    const { root, paths } = await folder(30);
    const stats = streamFileStats(root);
    stats.listed(paths);
    expect([...(await stats.result(paths))]).toEqual(expected(root, paths));
    expect([...(await statFiles(root, []))]).toEqual([]);
    expect([...(await streamFileStats(root).result([]))]).toEqual([]);
  });
});
