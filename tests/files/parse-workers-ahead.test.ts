import { once } from 'node:events';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { openArchive } from '../../src/files/archive.ts';
import { endParseWorkersAhead, parseWorkersWaiting, startParseWorkersAhead } from '../../src/files/parse-workers-ahead.ts';
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
});
