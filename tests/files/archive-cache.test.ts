import { existsSync } from 'node:fs';
import { readdir, readFile, rm, symlink, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ArticleStore } from '../../src/content/store.ts';
import { plainArticle, storedArticle } from '../../src/content/stored-article.ts';
import { createTopicCanonicaliser } from '../../src/content/topics.ts';
import { cacheFileFor, CACHE_FORMAT_VERSION, decodeRecords, RecordsEncoder, readArchiveCache, writeArchiveCache } from '../../src/files/archive-cache.ts';
import { parseToParts } from '../../src/files/parse-pool.ts';
import { createSearchIndex, snapshotListsRange } from '../../src/search/search-index.ts';
import { createFileDetailsReader, LOAD_STEPS, loadArchive, openArchive, type ArchiveOptions } from '../../src/files/archive.ts';
import { loadContentDir } from '../../src/files/content-files.ts';
import { makeArticle } from '../support/article-factory.ts';
import { aggregatorArticle, tempDir } from '../support/temp-dir.ts';

const dirs: Array<{ cleanup(): Promise<void> }> = [];
afterEach(async () => {
  while (dirs.length) await dirs.pop()!.cleanup();
});

/** A content folder with three articles (one with impact bullets), one bad file, and an empty cache folder. */
async function archive() {
  const content = await tempDir('archive-content-');
  const cache = await tempDir('archive-cache-');
  dirs.push(content, cache);
  await content.write('markets/etf.md', aggregatorArticle({ title: 'Bitcoin ETF inflows record', topics: ['Bitcoin'] }));
  await content.write('markets/miners.md', aggregatorArticle({ title: 'Solar miners expand', topics: ['Mining'] }));
  await content.write(
    'tech/upgrade.md',
    ['---', 'title: Ethereum upgrade ships', "publishedAt: '2026-11-21T11:00:00Z'", 'source: { name: Ledger Wire }', '---', '## Impact on the crypto market', '- Lower fees for rollups', ''].join('\n'),
  );
  await content.write('broken.md', '---\npublishedDateTime: 2026-11-21T10:00:00Z\n---\n');
  const problems: string[] = [];
  const open = (extra: Partial<ArchiveOptions> = {}) =>
    openArchive({ dir: content.root, cacheDir: cache.root, readOptions: { topics: createTopicCanonicaliser() }, onCacheProblem: (m) => problems.push(m), ...extra });
  /** Opens the archive, waits until it is loaded and its cache written. */
  const load = async (extra: Partial<ArchiveOptions> = {}) => {
    const a = open(extra);
    const report = await a.ready;
    await a.cacheWritten;
    return { ...a, report };
  };
  const cacheFile = () => cacheFileFor(cache.root, content.root);
  return { content, cache, problems, open, load, cacheFile };
}

const titles = (store: ArticleStore, q: string) => store.search(q, { limit: 10 }).articles.map((a) => a.title);

describe('archive cache', () => {
  it('GIVEN an unchanged archive THEN a restart reads no file, and serves the same articles, search, skipped files and details', async () => {
    const a = await archive();
    const first = await a.load();
    expect(first.report.stats).toMatchObject({ cache: 'absent', parsed: 4, fromCache: 0 });
    expect(existsSync(a.cacheFile())).toBe(true);

    const again = await a.load();
    expect(again.report.stats).toMatchObject({ cache: 'used', parsed: 0, fromCache: 4 });
    expect(again.store.size).toBe(3);
    expect(titles(again.store, 'miners')).toEqual(['Solar miners expand']);
    expect(again.store.suggest('ethereum up').map((x) => x.title)).toEqual(['Ethereum upgrade ships']);
    // A file skipped at the first load is reported again, from the cache.
    expect(again.report.skipped).toEqual([{ file: 'broken.md', path: 'title', message: 'is required but missing' }]);
    // Impact bullets are not in memory: they are read from the file.
    const upgrade = again.store.resolve('Ethereum upgrade ships')!;
    expect((await again.store.details(upgrade))?.impact).toEqual(['Lower fees for rollups']);
    expect(a.problems).toEqual([]);
  });

  it('GIVEN a file changed, one added and one deleted THEN only those are read, and search follows', async () => {
    const a = await archive();
    await a.load();
    const changed = await a.content.write('markets/miners.md', aggregatorArticle({ title: 'Wind miners shrink', topics: ['Mining'] }));
    const later = new Date(Date.now() + 5000);
    await utimes(changed, later, later);
    await a.content.write('markets/new.md', aggregatorArticle({ title: 'Stablecoin rules agreed' }));
    await unlink(join(a.content.root, 'markets/etf.md'));

    const again = await a.load();
    expect(again.report.stats).toMatchObject({ cache: 'used', parsed: 2, fromCache: 2 });
    expect(titles(again.store, 'miners')).toEqual(['Wind miners shrink']);
    expect(titles(again.store, 'solar')).toEqual([]);
    expect(titles(again.store, 'stablecoin')).toEqual(['Stablecoin rules agreed']);
    expect(titles(again.store, 'etf')).toEqual([]);
    expect(again.store.all().map((x) => x.title).sort()).toEqual(['Ethereum upgrade ships', 'Stablecoin rules agreed', 'Wind miners shrink']);

    // The cache written after that load holds the new state: the next start reads nothing.
    const third = await a.load();
    expect(third.report.stats).toMatchObject({ cache: 'used', parsed: 0, fromCache: 4 });
    expect(titles(third.store, 'miners')).toEqual(['Wind miners shrink']);
  });

  const damaged: Array<[string, (file: string) => Promise<void>, RegExp]> = [
    [
      'a flipped byte in the payload',
      async (file) => {
        const bytes = await readFile(file);
        bytes[bytes.length - 10]! ^= 0xff;
        await writeFile(file, bytes);
      },
      /checksum mismatch/,
    ],
    [
      'a flipped byte in the first record segment',
      async (file) => {
        const bytes = await readFile(file);
        // After the 32-byte header: the section table (8 bytes, then 16 per section), then the first segment.
        const segments = bytes.readUInt32LE(32);
        bytes[32 + 8 + (segments + 2) * 16 + 5]! ^= 0xff;
        await writeFile(file, bytes);
      },
      /checksum mismatch/,
    ],
    [
      'a flipped byte in the section table',
      async (file) => {
        const bytes = await readFile(file);
        bytes[32 + 8 + 16 + 12]! ^= 0x01;
        await writeFile(file, bytes);
      },
      /checksum mismatch/,
    ],
    [
      "a flipped byte in the search index's posting lists (read apart from the rest of the index)",
      async (file) => {
        const bytes = await readFile(file);
        const segments = bytes.readUInt32LE(32);
        // The index is the section after the record segments; its lists start where its header says.
        let at = 32 + 8 + (segments + 2) * 16;
        for (let k = 0; k < segments; k++) at += (Number(bytes.readBigUInt64LE(32 + 8 + k * 16)) + 7) & ~7;
        const range = snapshotListsRange(bytes.subarray(at))!;
        expect(range.length).toBeGreaterThan(2);
        bytes[at + range.start + 1]! ^= 0x01;
        await writeFile(file, bytes);
      },
      /checksum mismatch/,
    ],
    ['a truncated file', async (file) => truncate(file, (await readFile(file)).length - 100), /truncated/],
    ['a file cut inside its header', async (file) => truncate(file, 10), /truncated/],
    [
      'another format version',
      async (file) => {
        const bytes = await readFile(file);
        bytes.writeUInt32LE(CACHE_FORMAT_VERSION + 1, 4);
        await writeFile(file, bytes);
      },
      new RegExp(`format version ${CACHE_FORMAT_VERSION + 1}, expected ${CACHE_FORMAT_VERSION}`),
    ],
    ['something else entirely', async (file) => writeFile(file, 'x'.repeat(100)), /not an archive cache/],
  ];
  for (const [what, damage, reason] of damaged) {
    it(`GIVEN ${what} THEN the cache is refused, every file is read, and the cache is rebuilt`, async () => {
      const a = await archive();
      await a.load();
      await damage(a.cacheFile());
      const again = await a.load();
      expect(again.report.stats).toMatchObject({ cache: 'rebuilt', parsed: 4, fromCache: 0 });
      expect(again.report.stats.cacheProblem).toMatch(reason);
      expect(a.problems).toEqual([expect.stringMatching(reason)]);
      expect(again.store.size).toBe(3);
      expect(titles(again.store, 'miners')).toEqual(['Solar miners expand']);
      const third = await a.load();
      expect(third.report.stats).toMatchObject({ cache: 'used', parsed: 0 });
    });
  }

  it('GIVEN a file skipped for a reason that passes (dated too far ahead) THEN the cache never vouches for it, and a later start loads it', async () => {
    const a = await archive();
    await a.content.write('markets/ahead.md', aggregatorArticle({ title: 'Halving arrives early', date: '2026-12-20T09:00:00Z' }));
    const early = await a.load({ readOptions: { topics: createTopicCanonicaliser(), now: () => new Date('2026-12-01T00:00:00Z') } });
    expect(early.report.skipped.map((s) => s.file)).toContain('markets/ahead.md');
    const later = await a.load({ readOptions: { topics: createTopicCanonicaliser(), now: () => new Date('2026-12-21T00:00:00Z') } });
    expect(later.report.stats).toMatchObject({ cache: 'used', parsed: 1, fromCache: 4 });
    expect(titles(later.store, 'halving')).toEqual(['Halving arrives early']);
  });

  it('GIVEN other topic aliases THEN a cache written with the old ones is not served', async () => {
    const a = await archive();
    await a.load();
    const again = await a.load({ readOptions: { topics: createTopicCanonicaliser({ Mining: 'Hashing' }) } });
    expect(again.report.stats).toMatchObject({ cache: 'rebuilt', parsed: 4 });
    expect(again.store.topics().map((t) => t.topic)).toContain('Hashing');
  });

  it('GIVEN the disk is full THEN writing the cache fails with a warning, the archive is served from memory and no cache file is left', async () => {
    const a = await archive();
    const opened = await a.load({ cacheWrite: { tempFile: '/dev/full' } });
    expect(a.problems).toEqual([expect.stringMatching(/not written, going on from memory: ENOSPC/)]);
    expect(opened.store.size).toBe(3);
    expect(titles(opened.store, 'miners')).toEqual(['Solar miners expand']);
    expect(await readdir(a.cache.root)).toEqual([]);
  });

  it('GIVEN the cache folder cannot be created THEN the warning names the problem and the archive still loads', async () => {
    const a = await archive();
    const blocker = join(a.cache.root, 'not-a-folder');
    await writeFile(blocker, '');
    const opened = await a.load({ cacheDir: join(blocker, 'cache') });
    expect(opened.store.size).toBe(3);
    expect(a.problems).toEqual([expect.stringMatching(/not written, going on from memory: (ENOTDIR|EEXIST)/)]);
  });

  it('reports progress in steps up to the whole, moving while the cache is checked, before any article is placed', async () => {
    const a = await archive();
    const first: Array<[number, number]> = [];
    const opening = a.open({ onProgress: (done, total) => first.push([done, total]) });
    expect(opening.store.size).toBe(0);
    await opening.ready;
    // No cache yet: four files to read, join and place.
    const cold = 4 * (LOAD_STEPS.parse + LOAD_STEPS.join + LOAD_STEPS.place);
    expect(first.at(-1)).toEqual([cold, cold]);
    expect(opening.progress()).toEqual({ done: cold, total: cold });
    expectRising(first);
    await opening.cacheWritten;
    const again: Array<[number, number, number]> = [];
    const reopening = a.open({ onProgress: (done, total) => again.push([done, total, reopening.store.size]) });
    await reopening.ready;
    expectRising(again.map(([done, total]) => [done, total]));
    const [done, total] = again.at(-1)!;
    expect(done).toBe(total);
    expect(again.some(([d, , stored]) => d > 0 && stored === 0)).toBe(true);
    expect(reopening.store.size).toBe(3);
    await rm(a.cacheFile());
  });
});

/** Progress never goes back and never passes its total. */
function expectRising(events: Array<[done: number, total: number]>) {
  expect(events.length).toBeGreaterThan(0);
  events.forEach(([done, total], i) => {
    expect(done).toBeLessThanOrEqual(total);
    if (i > 0) expect(done).toBeGreaterThanOrEqual(events[i - 1]![0]);
  });
}

describe('loading on worker threads', () => {
  it('GIVEN the same folder THEN worker threads and inline parsing load the same articles, search and report', async () => {
    const d = await tempDir('archive-workers-');
    dirs.push(d);
    for (let i = 0; i < 40; i++) await d.write(`f${i % 4}/a-${i}.md`, aggregatorArticle({ title: `Story ${i} about ${i % 2 ? 'solar miners' : 'bitcoin funds'}`, url: `https://example.com/${i % 30}` }));
    await d.write('Same Name.md', aggregatorArticle({ title: 'First claim' }));
    await d.write('same-name.md', aggregatorArticle({ title: 'Second claim' }));
    const run = async (threads: number) => {
      const store = new ArticleStore({ details: createFileDetailsReader(d.root) });
      const report = await loadArchive(d.root, store, { threads });
      return {
        report: { ...report, stats: undefined },
        ids: store.all().map((a) => a.id),
        solar: store.search('solar', { limit: 50 }).articles.map((a) => a.id),
        // The file held back for its id is indexed but hidden: only the first claim is found.
        claims: store.search('claim', { limit: 50 }).articles.map((a) => a.title),
        claimsFound: store.search('claim', { limit: 50 }).total,
        dupes: store.duplicates(),
      };
    };
    const inline = await run(0);
    const workers = await run(2);
    expect(workers).toEqual(inline);
    expect(workers.claims).toEqual(['First claim']);
    expect(workers.claimsFound).toBe(1);
    expect(inline.dupes).toBe(10);
    expect(inline.report.skipped).toEqual([expect.objectContaining({ file: 'same-name.md', message: expect.stringMatching(/same id/) })]);
  });

  it('GIVEN a first load large enough for workers to parse while the folder is still listed THEN it loads what an inline load does, a linked folder the listing sorts at the end included', async () => {
    const d = await tempDir('archive-ahead-');
    dirs.push(d);
    // 120 folders of 15: the job starts once 1,500 files are found, before the listing ends.
    await Promise.all(Array.from({ length: 1800 }, (_, i) => d.write(`f${String(i % 120).padStart(3, '0')}/a-${i}.md`, aggregatorArticle({ title: `Early ${i} on ${i % 4 ? 'grid power' : 'token sales'}` }))));
    // A link named `a` lists before the folder `a-c`, but its paths (`a/…`) sort after `a-c/…`: the
    // listing sorts itself at the end, after the workers were given its files in the order found.
    await d.write('a-c/first.md', aggregatorArticle({ title: 'Sorted first on token sales' }));
    await symlink(join(d.root, 'f000'), join(d.root, 'a'));
    const opening = openArchive({ dir: d.root, cacheDir: join(d.root, '.cache') });
    const report = await opening.ready;
    await opening.cacheWritten;
    const inline = new ArticleStore({ details: createFileDetailsReader(d.root) });
    const inlineReport = await loadArchive(d.root, inline, { threads: 0 });
    expect(report.stats).toMatchObject({ cache: 'absent', parsed: 1816 });
    expect(opening.store.all().map((a) => [a.id, a.file, a.title])).toEqual(inline.all().map((a) => [a.id, a.file, a.title]));
    expect(report.skipped).toEqual(inlineReport.skipped);
    expect(opening.store.search('token sales', { limit: 500 }).total).toBe(451);
    expect(inline.search('token sales', { limit: 500 }).total).toBe(451);
    expect(opening.store.search('first', { limit: 5 }).articles.map((a) => a.file)).toEqual(['a-c/first.md']);
  });

  it('GIVEN batches on two workers THEN their joined index searches and hides duplicates as an inline load does, and a restart from its cache parses nothing', async () => {
    const d = await tempDir('archive-pieces-');
    dirs.push(d);
    // Three batches of 250 over two workers: two indexes joined, then written to the cache.
    for (let i = 0; i < 620; i++) await d.write(`f${i % 7}/a-${String(i).padStart(3, '0')}.md`, aggregatorArticle({ title: `Story ${i} about ${i % 3 ? 'solar miners' : 'bitcoin funds'}`, url: `https://example.com/${i % 500}` }));
    const cacheDir = join(d.root, '.cache');
    const run = async (threads: number, cached: boolean) => {
      const opening = openArchive({ dir: d.root, cacheDir: cached ? cacheDir : null, threads });
      const report = await opening.ready;
      await opening.cacheWritten;
      const store = opening.store;
      return {
        stats: { cache: report.stats.cache, parsed: report.stats.parsed },
        ids: store.all().map((a) => a.id),
        solar: store.search('solar', { limit: 700 }).articles.map((a) => a.id),
        total: store.search('bitcoin funds', { limit: 5 }).total,
        dupes: store.duplicates(),
      };
    };
    const inline = await run(0, false);
    const workers = await run(2, true);
    expect({ ...workers, stats: undefined }).toEqual({ ...inline, stats: undefined });
    expect(workers.stats).toEqual({ cache: 'absent', parsed: 620 });
    // Files 0–119 and 500–619 share their URLs: one of each pair is hidden.
    expect(inline.dupes).toBe(120);
    expect(inline.total).toBeGreaterThan(100);
    // The cache written from the joined index serves the same answers, with nothing to parse.
    const restart = await run(2, true);
    expect(restart.stats).toEqual({ cache: 'used', parsed: 0 });
    expect({ ...restart, stats: undefined }).toEqual({ ...inline, stats: undefined });
    // Each worker's share is a segment of the cache, a stretch of the paths: new files before the first,
    // inside the first and after the last are parsed, and every other file still comes from its segment.
    for (const file of ['a/first.md', 'f0/a-000-new.md', 'f3/a-300-new.md', 'z/last.md']) await d.write(file, aggregatorArticle({ title: `New story ${file}` }));
    const grown = await run(2, true);
    expect(grown.stats).toEqual({ cache: 'used', parsed: 4 });
    expect(grown.ids.length).toBe(inline.ids.length + 4);
  });
});

describe('cache records', () => {
  it('GIVEN paths in any script and order THEN records read each back, compare them as strings compare, find their rows, and say whether they rise', async () => {
    const paths = ['b.md', 'a/é.md', 'a/😀.md', 'a/\uffe0.md', 'a/plain.md'];
    const encode = (list: string[]) => {
      const encoder = new RecordsEncoder();
      for (const file of list) encoder.push({ kind: 'excluded', file, size: 1, mtimeMs: 1, reason: 'not news' });
      return encoder.bytes('k');
    };
    const read = await decodeRecords(encode(paths), 'k');
    if (!read.ok) throw new Error(read.message);
    const { records } = read;
    expect(paths.map((_, i) => records.file(i))).toEqual(paths);
    expect(records.filesSorted).toBe(false);
    for (const [i, path] of paths.entries()) {
      expect(records.rowOf(path)).toBe(i);
      expect(records.entry(i)).toMatchObject({ kind: 'excluded', file: path });
      for (const other of [...paths, 'a', 'a/😀.mdx', '']) expect(records.compareFile(i, other)).toBe(path < other ? -1 : path > other ? 1 : 0);
    }
    expect(records.rowOf('c.md')).toBe(-1);
    const sorted = await decodeRecords(encode([...paths].sort()), 'k');
    expect(sorted.ok && sorted.records.filesSorted).toBe(true);
  });

  it('GIVEN records whose paths do not add up to their rows THEN they are refused when read', async () => {
    const encoder = new RecordsEncoder();
    for (const file of ['a.md', 'b.md']) encoder.push({ kind: 'excluded', file, size: 1, mtimeMs: 1, reason: 'not news' });
    const bytes = Buffer.from(encoder.bytes('k'));
    // The two paths, as the JSON column writes them, made into one (the same length).
    const at = bytes.indexOf('a.md\\u0000b.md');
    expect(at).toBeGreaterThan(0);
    bytes.write('a.md______b.md', at);
    expect(await decodeRecords(bytes, 'k')).toEqual({ ok: false, message: expect.stringMatching(/paths do not add up/) });
  });

  it('GIVEN records given as bytes THEN the cache is written from them and lets them go: the array given holds none after', async () => {
    const d = await tempDir('archive-write-');
    dirs.push(d);
    const encoder = new RecordsEncoder();
    encoder.push({ kind: 'excluded', file: 'a.md', size: 1, mtimeMs: 1, reason: 'not news' });
    const segments: Uint8Array[] = [encoder.bytes('k')];
    const empty = createSearchIndex().serialize();
    await writeArchiveCache(join(d.root, 'cache.bin'), 'k', segments, { index: empty, titles: empty });
    expect(segments.map((s) => s.byteLength)).toEqual([0]);
    const read = await readArchiveCache(join(d.root, 'cache.bin'), 'k');
    expect(read.ok && read.contents.records[0]!.entry(0)).toMatchObject({ kind: 'excluded', file: 'a.md', reason: 'not news' });
  });

  // Records read their fields from the columns only when shown, so a table index that points nowhere must be caught as the records are read.
  for (const [what, column, reason] of [
    ['a source', 0, /a source outside its table/],
    ['a topic list', 8, /a topic list outside its table/],
  ] as const) {
    it(`GIVEN records whose ${what} index points outside its table THEN they are refused when read, naming it`, async () => {
      const encoder = new RecordsEncoder();
      const article = storedArticle(makeArticle({ file: 'a.md', id: 'a', source: 'Wire', topics: ['Bitcoin'] }));
      encoder.push({ kind: 'article', file: 'a.md', size: 10, mtimeMs: 1, article });
      const bytes = encoder.bytes('k');
      expect((await decodeRecords(bytes, 'k')).ok).toBe(true);
      // The JSON columns' six lengths, the JSON columns (padded to 8), then one row's sizes, times, dates,
      // scores and richness (8 bytes each), its dedupe hashes (8 each), then its source and topic list (4 each, padded).
      const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let json = 0;
      for (let i = 0; i < 6; i++) json += view.readUInt32LE(i * 4);
      const source = 24 + ((json + 7) & ~7) + 40 + article.dedupe.length * 8;
      view.writeUInt32LE(7, source + column);
      const read = await decodeRecords(bytes, 'k');
      expect(read).toEqual({ ok: false, message: expect.stringMatching(reason) });
    });
  }

  it('GIVEN segments read one after another with one table THEN articles of every segment with the same topics hold one list', async () => {
    const d = await tempDir('archive-lists-');
    dirs.push(d);
    const files = await d.writeNumbered('a', 320, (i) => aggregatorArticle({ title: `Story ${i}`, topics: i % 2 ? ['Bitcoin', 'ETF'] : ['Mining'] }));
    const parts = await parseToParts({ files, settings: { aliases: {}, whole: false }, key: 'k', now: () => Date.now(), onProgress: () => {}, threads: 2, partFiles: 100 });
    expect(parts.length).toBe(2);
    const shared = new Map<string, string[]>();
    const lists: string[][] = [];
    for (const part of parts) {
      const decoded = await decodeRecords(part.records, 'k', shared);
      if (!decoded.ok) throw new Error(decoded.message);
      for (let r = 0; r < decoded.records.length; r++) {
        const e = decoded.records.entry(r);
        if (e.kind === 'article') lists.push(e.article.topics);
      }
    }
    expect(lists).toHaveLength(320);
    // Two distinct lists, each one array, whichever segment the article came from.
    expect(new Set(lists).size).toBe(2);
    expect(new Set(lists.map((l) => l.join(',')))).toEqual(new Set(['Bitcoin,ETF', 'Mining']));
  });

  it('GIVEN paths that are their own ids and paths that are not THEN a restart reads every id back as parsed, and the cache holds only the ids that differ', async () => {
    const d = await tempDir('archive-ids-');
    const cache = await tempDir('archive-ids-cache-');
    dirs.push(d, cache);
    const long = `deep/${'very-long-name-'.repeat(8)}end.md`;
    for (const file of ['news/plain-slug-story.md', 'News/Big Story.md', 'a/café au lait.md', 'x.md', long]) await d.write(file, aggregatorArticle({ title: `About ${file}` }));
    const parsed = new ArticleStore();
    await loadContentDir(d.root, parsed);
    const ids = (store: ArticleStore) => store.all().map((a) => [a.file, a.id]).sort();
    expect(ids(parsed)).toContainEqual(['News/Big Story.md', 'news/big-story']);
    expect(ids(parsed)).toContainEqual([long, expect.stringMatching(/^deep\/very-long-name-.*-[0-9a-f]{8}$/)]);
    const first = openArchive({ dir: d.root, cacheDir: cache.root });
    await first.ready;
    await first.cacheWritten;
    const again = openArchive({ dir: d.root, cacheDir: cache.root });
    expect((await again.ready).stats).toMatchObject({ cache: 'used', parsed: 0, fromCache: 5 });
    expect(ids(again.store)).toEqual(ids(parsed));
    for (const [, id] of ids(parsed)) expect(again.store.get(id!)?.id).toBe(id);
    // Written only where it is not the path without `.md`.
    const bytes = Buffer.concat(await Promise.all((await readdir(cache.root)).map((f) => readFile(join(cache.root, f)))));
    expect(bytes.includes('"news/big-story"')).toBe(true);
    expect(bytes.includes('"a/cafe-au-lait"')).toBe(true);
    expect(bytes.includes('"news/plain-slug-story"')).toBe(false);
    expect(bytes.includes('"x"')).toBe(false);
  });

  it('GIVEN titles, URLs and upstream ids in any script, some absent or empty THEN a restart from the cache reads each back exactly as parsed', async () => {
    const d = await tempDir('archive-text-');
    const cache = await tempDir('archive-text-cache-');
    dirs.push(d, cache);
    const titles = ['Ünïcödé — “quoted” café', 'Bitcoin 🚀 to the moon', '比特币 价格 上涨', 'Plain ASCII title', 'Ελληνικά και עברית'];
    for (const [i, title] of titles.entries()) {
      await d.write(`b/agg-${i}.md`, aggregatorArticle({ title, url: i % 2 ? `https://example.com/ä/${i}?q=ü` : undefined }));
      // Schema A: an upstream id (text, a number, an emoji) and no URL.
      const externalId = [`ext-${i}`, String(1000 + i), '🚀-42', '', 'id ü'][i]!;
      await d.write(`a/rss-${i}.md`, ['---', `title: "${title} (rss)"`, "publishedAt: '2026-11-21T11:00:00Z'", ...(externalId ? [`externalId: "${externalId}"`] : []), '---', 'Body.', ''].join('\n'));
    }
    // The parsed articles, kept whole, as the truth to compare with.
    const parsed = new ArticleStore();
    await loadContentDir(d.root, parsed);
    const byFile = (store: ArticleStore) => Object.fromEntries(store.all().map((a) => [a.file, plainArticle(a)]));
    expect(Object.keys(byFile(parsed))).toHaveLength(10);
    const first = openArchive({ dir: d.root, cacheDir: cache.root });
    await first.ready;
    await first.cacheWritten;
    const again = openArchive({ dir: d.root, cacheDir: cache.root });
    const report = await again.ready;
    expect(report.stats).toMatchObject({ cache: 'used', parsed: 0, fromCache: 10 });
    expect(byFile(again.store)).toEqual(byFile(parsed));
    expect(byFile(first.store)).toEqual(byFile(parsed));
    expect(again.store.resolve('比特币 价格 上涨')?.title).toBe('比特币 价格 上涨');
    expect(again.store.get('a/rss-2')?.externalId).toBe('🚀-42');
    expect(again.store.get('a/rss-3')?.externalId).toBeNull();
    expect(again.store.get('b/agg-1')?.url).toBe('https://example.com/%C3%A4/1?q=%C3%BC');
    expect(again.store.get('a/rss-0')?.url).toBeNull();
  });
});
