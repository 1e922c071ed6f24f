import { describe, expect, it } from 'vitest';
import { ArticleStore } from '../../src/content/store.ts';
import { openDatabase } from '../../src/db/database.ts';
import { createSqliteDigestStore } from '../../src/db/sqlite-digest-store.ts';
import { createArrivalLog } from '../../src/scheduler/arrivals.ts';
import { createFollowBatcher, FOLLOW_BATCH_MS } from '../../src/scheduler/follows.ts';
import { createFollowMatcher } from '../../src/search/follow-match.ts';
import { makeArticle } from '../support/article-factory.ts';
import { tempDir } from '../support/temp-dir.ts';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

function clockAt(iso: string) {
  let now = new Date(iso).getTime();
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

/** One process: its in-memory articles, its arrival log, and its batcher, on a shared store. */
async function processOn(store: ReturnType<typeof createSqliteDigestStore>, clock: ReturnType<typeof clockAt>, owner: string) {
  const articles = new ArticleStore();
  const arrivals = createArrivalLog({ store, articles, clock });
  await arrivals.load();
  arrivals.watch();
  const batcher = createFollowBatcher({ store, arrivals, clock, logger: silent, owner, leaseMs: 60_000, options: { matcher: createFollowMatcher } });
  return { articles, batcher };
}

describe('follow batches', () => {
  it('GIVEN matches still landing THEN the batch waits until they stop for a few seconds, then claims one rendered delivery with all of them', async () => {
    const store = createSqliteDigestStore(openDatabase(':memory:'));
    const clock = clockAt('2026-11-22T10:00:00Z');
    const p = await processOn(store, clock, 'p');
    await store.addFollow({ guildId: 'g', channelId: 'c', query: 'bitcoin', createdBy: null }, clock.now(), 25);
    clock.advance(1000);
    p.articles.set('a.md', makeArticle({ id: 'a', title: 'Bitcoin climbs', publishedAt: new Date('2026-11-22T09:00:00Z') }));
    p.articles.set('x.md', makeArticle({ id: 'x', title: 'Ether climbs', publishedAt: new Date('2026-11-22T09:00:00Z') }));
    clock.advance(2000);
    expect(await p.batcher.claim()).toEqual([]);
    p.articles.set('b.md', makeArticle({ id: 'b', title: 'Miners sell', topics: ['Bitcoin'], publishedAt: new Date('2026-11-22T09:30:00Z') }));
    clock.advance(5000);
    const [d] = await p.batcher.claim();
    expect(d).toMatchObject({ reason: 'follow', channelId: 'c', status: 'claimed', leaseOwner: 'p', articleCount: 2 });
    expect(d!.payloads![0]!.content).toMatch(/^🔔 \*\*2 new articles\*\* for “bitcoin”\n-# ref [0-9a-z]{12}$/);
    const description = (d!.payloads![0]!.embeds![0] as { description: string }).description;
    // Newest first; the non-matching story is not there.
    expect(description.indexOf('Miners sell')).toBeLessThan(description.indexOf('Bitcoin climbs'));
    expect(description).not.toContain('Ether climbs');
    // A new match right after waits for the batch interval.
    p.articles.set('c.md', makeArticle({ id: 'c', title: 'Bitcoin again', publishedAt: new Date('2026-11-22T09:40:00Z') }));
    clock.advance(FOLLOW_BATCH_MS - 1);
    expect(await p.batcher.claim()).toEqual([]);
    clock.advance(1);
    expect((await p.batcher.claim()).map((x) => x.articleCount)).toEqual([1]);
    await store.close();
  });

  it('GIVEN two processes on one database seeing the same files THEN each batch is claimed by exactly one of them', async () => {
    const dir = await tempDir();
    try {
      const path = `${dir.root}/shared.sqlite`;
      const storeA = createSqliteDigestStore(openDatabase(path));
      const storeB = createSqliteDigestStore(openDatabase(path));
      const clock = clockAt('2026-11-22T10:00:00Z');
      const a = await processOn(storeA, clock, 'a');
      const b = await processOn(storeB, clock, 'b');
      for (let i = 0; i < 5; i++) await storeA.addFollow({ guildId: 'g', channelId: `c${i}`, query: 'bitcoin', createdBy: null }, clock.now(), 25);
      clock.advance(1000);
      for (const p of [a, b]) for (let i = 0; i < 30; i++) p.articles.set(`n${i}.md`, makeArticle({ id: `n${i}`, title: `Bitcoin story ${i}`, publishedAt: new Date('2026-11-22T09:00:00Z') }));
      clock.advance(10_000);
      const [x, y] = await Promise.all([a.batcher.claim(), b.batcher.claim()]);
      const all = [...x, ...y];
      expect(all.map((d) => d.channelId).sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
      expect(all.every((d) => d.articleCount === 30)).toBe(true);
      expect(await a.batcher.claim()).toEqual([]);
      await storeA.close();
      await storeB.close();
    } finally {
      await dir.cleanup();
    }
  });

  it('GIVEN a follow with no match for an hour THEN its window moves on without a message, so a check never rescans the past', async () => {
    const store = createSqliteDigestStore(openDatabase(':memory:'));
    const clock = clockAt('2026-11-22T10:00:00Z');
    const p = await processOn(store, clock, 'p');
    await store.addFollow({ guildId: 'g', channelId: 'c', query: 'solana', createdBy: null }, clock.now(), 25);
    p.articles.set('a.md', makeArticle({ id: 'a', title: 'Bitcoin climbs', publishedAt: new Date('2026-11-22T09:00:00Z') }));
    clock.advance(61 * 60_000);
    expect(await p.batcher.claim()).toEqual([]);
    expect((await store.listFollows('g'))[0]).toMatchObject({ coveredTo: new Date(clock.now().getTime() - 5000), lastBatchAt: null });
    expect(await store.listDeliveries('g')).toEqual([]);
    await store.close();
  });
});
