import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { openArchive } from '../../src/files/archive.ts';
import { cacheFileFor } from '../../src/files/cache-file.ts';
import { endParseWorkersAhead, parseWorkersWaiting, startParseWorkersAhead, startParseWorkersForFirstLoad } from '../../src/files/parse-workers-ahead.ts';
import { aggregatorArticle, tempDir } from '../support/temp-dir.ts';

const dirs: Array<{ cleanup(): Promise<void> }> = [];
afterEach(async () => {
  endParseWorkersAhead();
  while (dirs.length) await dirs.pop()!.cleanup();
});

/** Counts the messages each worker sends its load (a batch parsed, a part, the end). */
function messagesFrom(workers: readonly Worker[]): number[] {
  const counts = workers.map(() => 0);
  workers.forEach((w, k) => w.on('message', () => counts[k]!++));
  return counts;
}

describe('parse workers started with the process', () => {
  it('GIVEN workers started ahead THEN a first load of a large folder parses on them, and a restart from its cache ends them unused', async () => {
    const d = await tempDir('ahead-');
    dirs.push(d);
    await Promise.all(Array.from({ length: 1600 }, (_, i) => d.write(`f${i % 40}/a-${i}.md`, aggregatorArticle({ title: `Ahead ${i} on ${i % 4 ? 'grid power' : 'token sales'}` }))));
    const cacheDir = join(d.root, '.cache');

    startParseWorkersAhead(2);
    const ahead = parseWorkersWaiting();
    expect(ahead).toHaveLength(2);
    const messages = messagesFrom(ahead);
    const first = openArchive({ dir: d.root, cacheDir });
    expect((await first.ready).stats).toMatchObject({ cache: 'absent', parsed: 1600 });
    await first.cacheWritten;
    expect(parseWorkersWaiting()).toHaveLength(0);
    // Both parsed batches of this load (each of its 7 batches is answered by the worker that parsed it).
    expect(messages.every((n) => n > 0)).toBe(true);
    expect(first.store.search('token sales', { limit: 5 }).total).toBe(400);

    startParseWorkersAhead(2);
    const unused = parseWorkersWaiting();
    const unusedMessages = messagesFrom(unused);
    const exits = unused.map((w) => once(w, 'exit'));
    const restart = openArchive({ dir: d.root, cacheDir });
    expect((await restart.ready).stats).toMatchObject({ cache: 'used', parsed: 0 });
    await Promise.all(exits);
    expect(unusedMessages).toEqual([0, 0]);
    expect(restart.store.search('token sales', { limit: 5 }).total).toBe(400);
  });

  it('GIVEN a worker started ahead that died while it waited THEN it is not taken: the first load parses on the other and a worker of its own', async () => {
    const d = await tempDir('ahead-dead-');
    dirs.push(d);
    await Promise.all(Array.from({ length: 1600 }, (_, i) => d.write(`f${i % 40}/a-${i}.md`, aggregatorArticle({ title: `Survivor ${i} on ${i % 4 ? 'grid power' : 'token sales'}` }))));
    startParseWorkersAhead(2);
    const [dead, alive] = parseWorkersWaiting();
    const exited = once(dead!, 'exit');
    await dead!.terminate();
    await exited;
    expect(parseWorkersWaiting()).toEqual([alive]);
    const messages = messagesFrom([alive!]);
    const opening = openArchive({ dir: d.root, cacheDir: null });
    expect((await opening.ready).stats).toMatchObject({ parsed: 1600 });
    expect(messages[0]).toBeGreaterThan(0);
    expect(opening.store.search('token sales', { limit: 5 }).total).toBe(400);
  });

  it('GIVEN workers started ahead and a folder too small for workers THEN the load parses inline and ends them', async () => {
    const d = await tempDir('ahead-small-');
    dirs.push(d);
    await d.write('one.md', aggregatorArticle({ title: 'Only story' }));
    startParseWorkersAhead(2);
    const exits = parseWorkersWaiting().map((w) => once(w, 'exit'));
    const opening = openArchive({ dir: d.root, cacheDir: null });
    expect((await opening.ready).loaded).toBe(1);
    await Promise.all(exits);
    expect(parseWorkersWaiting()).toHaveLength(0);
  });

  it('GIVEN the configuration npm start reads THEN workers start ahead only when the archive has a cache folder and no cache file in it yet, and never for the sandbox', async () => {
    const d = await tempDir('ahead-env-');
    dirs.push(d);
    const env = { CONTENT_DIR: join(d.root, 'content'), DATABASE_PATH: join(d.root, 'data', 'bot.sqlite'), DISCORD_TOKEN: 'x'.repeat(60) };
    // First start: the cache would be `data/cache/archive-….bin`, and is not there.
    expect(startParseWorkersForFirstLoad(env)).toBeGreaterThan(0);
    expect(parseWorkersWaiting().length).toBeGreaterThan(0);
    endParseWorkersAhead();

    await mkdir(join(d.root, 'data', 'cache'), { recursive: true });
    await writeFile(cacheFileFor(join(d.root, 'data', 'cache'), join(d.root, 'content')), 'any bytes');
    expect(startParseWorkersForFirstLoad(env)).toBe(0);
    // CACHE_DIR moves it: none there yet.
    expect(startParseWorkersForFirstLoad({ ...env, CACHE_DIR: join(d.root, 'elsewhere') })).toBeGreaterThan(0);
    endParseWorkersAhead();
    // No cache at all (turned off, or the sandbox's in-memory database): the load starts its own workers if it needs them.
    expect(startParseWorkersForFirstLoad({ ...env, CACHE_DIR: ':none:' })).toBe(0);
    expect(startParseWorkersForFirstLoad({ ...env, DATABASE_PATH: ':memory:' })).toBe(0);
    // The sandbox (asked for, or no token) keeps its database in memory, and no cache.
    expect(startParseWorkersForFirstLoad({ ...env, CACHE_DIR: join(d.root, 'elsewhere') }, ['--sandbox'])).toBe(0);
    expect(startParseWorkersForFirstLoad({ ...env, CACHE_DIR: join(d.root, 'elsewhere'), DISCORD_TOKEN: undefined })).toBe(0);
    expect(parseWorkersWaiting()).toHaveLength(0);
  });
});
