import { afterEach, describe, expect, it } from 'vitest';
import { ArticleStore, mergeIndexSnapshots } from '../../src/content/store.ts';
import { decodeRecords } from '../../src/files/archive-cache.ts';
import { parseToParts, startRecordsWorkers, type ParsedPart } from '../../src/files/parse-pool.ts';
import { aggregatorArticle, tempDir } from '../support/temp-dir.ts';

const dirs: Array<{ cleanup(): Promise<void> }> = [];
afterEach(async () => {
  while (dirs.length) await dirs.pop()!.cleanup();
});

const settings = { aliases: {}, whole: false };

/** Every outcome of the parts, in order, and a store filled from them as a load fills it. */
async function readBack(parts: ParsedPart[]) {
  const store = new ArticleStore({ details: { read: async () => null } });
  store.absorbIndex(mergeIndexSnapshots(parts.map((p) => p.snapshot)));
  const outcomes: Array<{ file: string; kind: string; title?: string }> = [];
  for (const part of parts) {
    const decoded = await decodeRecords(part.records, 'k');
    if (!decoded.ok) throw new Error(decoded.message);
    for (let r = 0; r < decoded.records.length; r++) {
      const e = decoded.records.entry(r);
      outcomes.push({ file: e.file, kind: e.kind, ...(e.kind === 'article' ? { title: e.article.title } : {}) });
      if (e.kind === 'article') store.restore(e.file, e.article);
    }
  }
  await store.reconcileIndex();
  return { outcomes, store };
}

describe('parsing into records', () => {
  it('GIVEN two workers sending a part every 100 files THEN the parts come back in file order and join into the same articles and search as one inline pass', async () => {
    const d = await tempDir('parse-parts-');
    dirs.push(d);
    const files = await d.writeNumbered('a', 620, (i) => (i === 7 ? '---\ntitle: [unclosed\n---\n' : aggregatorArticle({ title: `Story ${i} about ${i % 3 ? 'solar miners' : 'bitcoin funds'}` })));
    const progress: number[] = [];
    const job = { files, settings, key: 'k', now: () => Date.parse('2026-11-27T00:00:00Z') };
    const parts = await parseToParts({ ...job, threads: 2, partFiles: 100, onProgress: (n) => progress.push(n) });
    const inline = await parseToParts({ ...job, threads: 0, onProgress: () => {} });
    // Three batches of 250: each worker flushes a part after every batch (one worker holds two).
    expect(parts).toHaveLength(3);
    expect(inline).toHaveLength(1);
    expect(parts.map((p) => p.start)).toEqual([...parts.map((p) => p.start)].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(620);

    const fromWorkers = await readBack(parts);
    const fromInline = await readBack(inline);
    expect(fromWorkers.outcomes.map((o) => o.file)).toEqual(files.map(([f]) => f));
    expect(fromWorkers.outcomes).toEqual(fromInline.outcomes);
    expect(fromWorkers.outcomes[7]).toEqual({ file: 'a-007.md', kind: 'issue' });
    const search = (s: ArticleStore) => s.search('solar miners', { limit: 500 });
    expect(search(fromWorkers.store).total).toBe(search(fromInline.store).total);
    expect(search(fromWorkers.store).articles.map((a) => a.id)).toEqual(search(fromInline.store).articles.map((a) => a.id));
    expect(fromWorkers.store.suggest('Story 61').map((a) => a.title)).toEqual(fromInline.store.suggest('Story 61').map((a) => a.title));
  });

  it('GIVEN workers started before their job THEN the job runs on them and its parts read back as those of workers it starts itself', async () => {
    const d = await tempDir('parse-ahead-');
    dirs.push(d);
    const files = await d.writeNumbered('b', 600, (i) => aggregatorArticle({ title: `Ahead ${i} on ${i % 2 ? 'rates' : 'miners'}` }));
    const job = { files, settings, key: 'k', now: () => Date.parse('2026-11-27T00:00:00Z'), onProgress: () => {}, partFiles: 100 };
    const started = startRecordsWorkers(settings, 'k', { threads: 2, partFiles: 100 });
    expect(started.count).toBe(2);
    const ahead = await readBack(await parseToParts({ ...job, started }));
    const own = await readBack(await parseToParts({ ...job, threads: 2 }));
    expect(ahead.outcomes).toEqual(own.outcomes);
    expect(ahead.outcomes).toHaveLength(600);
    expect(ahead.store.search('rates', { limit: 5 }).total).toBe(300);
    // Each worker ended once it handed its last part over.
    await started.exited();
  });

  it('GIVEN workers started ahead that no job takes THEN stop ends them; and one that dies before its job makes the job fail with why', async () => {
    const unused = startRecordsWorkers(settings, 'k', { threads: 2 });
    unused.stop();
    await unused.exited();

    const dying = startRecordsWorkers(settings, 'k', { threads: 2 });
    await dying.take().workers[0]!.worker!.terminate();
    const files: Array<[string, string]> = Array.from({ length: 600 }, (_, i) => [`c-${i}.md`, `/nowhere/c-${i}.md`]);
    await expect(parseToParts({ files, settings, key: 'k', now: () => 0, onProgress: () => {}, started: dying })).rejects.toThrow(/stopped before it finished/);
    // The other was ended with the failed job.
    await dying.exited();
  });
});
