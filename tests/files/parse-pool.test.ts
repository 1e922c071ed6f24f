import { afterEach, describe, expect, it } from 'vitest';
import { ArticleStore, mergeIndexSnapshots } from '../../src/content/store.ts';
import { decodeRecords } from '../../src/files/archive-cache.ts';
import { once } from 'node:events';
import { parseToParts, streamRecords, type ParsedPart } from '../../src/files/parse-pool.ts';
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

/**
 * Checks that `parts` come back in file order, and read back as `reference` does, every file of `files`
 * once and in order; returns both read-backs.
 */
async function expectSameOutcomes(parts: ParsedPart[], reference: ParsedPart[], files: Array<[string, string]>) {
  expect(parts.map((p) => p.start)).toEqual([...parts.map((p) => p.start)].sort((a, b) => a - b));
  const back = await readBack(parts);
  const expected = await readBack(reference);
  expect(back.outcomes.map((o) => o.file)).toEqual(files.map(([f]) => f));
  expect(back.outcomes).toEqual(expected.outcomes);
  return { back, expected };
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
    expect(progress.at(-1)).toBe(620);

    const { back: fromWorkers, expected: fromInline } = await expectSameOutcomes(parts, inline, files);
    expect(fromWorkers.outcomes[7]).toEqual({ file: 'a-007.md', kind: 'issue' });
    const search = (s: ArticleStore) => s.search('solar miners', { limit: 500 });
    expect(search(fromWorkers.store).total).toBe(search(fromInline.store).total);
    expect(search(fromWorkers.store).articles.map((a) => a.id)).toEqual(search(fromInline.store).articles.map((a) => a.id));
    expect(fromWorkers.store.suggest('Story 61').map((a) => a.title)).toEqual(fromInline.store.suggest('Story 61').map((a) => a.title));
  });

  it('GIVEN files handed to a job while its workers already parse THEN its parts read back as those of a job given them all at once', async () => {
    const d = await tempDir('parse-stream-');
    dirs.push(d);
    const files = await d.writeNumbered('b', 1300, (i) => aggregatorArticle({ title: `Streamed ${i} on ${i % 2 ? 'rates' : 'miners'}` }));
    const job = { settings, key: 'k', now: () => Date.parse('2026-11-27T00:00:00Z'), partFiles: 500 };
    // The list the job reads grows as a listing would, a few hundred files at a time.
    const growing: Array<[string, string]> = [];
    const progress: number[] = [];
    const stream = streamRecords({ ...job, files: growing, onProgress: (n) => progress.push(n) }, 2);
    for (let at = 0; at < files.length; at += 300) {
      growing.push(...files.slice(at, at + 300));
      stream.grew();
      await new Promise((r) => setImmediate(r));
    }
    stream.end();
    const streamed = await stream.parts;
    const whole = await parseToParts({ ...job, files, threads: 2, onProgress: () => {} });
    expect(progress.at(-1)).toBe(1300);
    const { back: a } = await expectSameOutcomes(streamed, whole, files);
    expect(a.store.search('rates', { limit: 5 }).total).toBe(650);
  });

  it('GIVEN a worker with nothing left while the other has a long run unsent THEN it takes the second half, and the parts still cover every file once, in order', async () => {
    const d = await tempDir('parse-steal-');
    dirs.push(d);
    const files = await d.writeNumbered('s', 2500, (i) => aggregatorArticle({ title: `Shared ${i}` }));
    // Runs of 25,000 files: the first worker's run holds all ten batches, the second has none of its own.
    const parts = await parseToParts({ files, settings, key: 'k', now: () => Date.parse('2026-11-27T00:00:00Z'), threads: 2, onProgress: () => {} });
    // The second took the back of the first's run (how far back depends on how far the first had got).
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(parts[0]!.start).toBe(0);
    expect(parts[1]!.start).toBeGreaterThan(0);
    expect(parts.map((p) => p.start)).toEqual([...new Set(parts.map((p) => p.start))].sort((a, b) => a - b));
    const back = await readBack(parts);
    expect(back.outcomes.map((o) => o.file)).toEqual(files.map(([f]) => f));
  });

  it('GIVEN a stream no longer wanted THEN stop ends its workers; and one whose worker dies fails with why', async () => {
    const job = { files: [] as Array<[string, string]>, settings, key: 'k', now: () => 0, onProgress: () => {} };
    const unwanted = streamRecords(job, 2);
    const exits = unwanted.workers.map((w) => once(w, 'exit'));
    unwanted.stop();
    await Promise.all(exits);

    const dying = streamRecords({ ...job, files: Array.from({ length: 600 }, (_, i): [string, string] => [`c-${i}.md`, `/nowhere/c-${i}.md`]) }, 2);
    const others = dying.workers.slice(1).map((w) => once(w, 'exit'));
    await dying.workers[0]!.terminate();
    dying.end();
    await expect(dying.parts).rejects.toThrow(/stopped before it finished/);
    // The other was ended with the failed job.
    await Promise.all(others);
  });
});
