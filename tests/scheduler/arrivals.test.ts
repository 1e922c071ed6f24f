import { describe, expect, it } from 'vitest';
import { ArticleStore } from '../../src/content/store.ts';
import { openDatabase } from '../../src/db/database.ts';
import { createSqliteDigestStore } from '../../src/db/sqlite-digest-store.ts';
import { composeDigest } from '../../src/digest/compose.ts';
import { createArrivalLog, MAX_LATE_MS } from '../../src/scheduler/arrivals.ts';
import { createComposeCache } from '../../src/scheduler/compose-cache.ts';
import { makeArticle } from '../support/article-factory.ts';
import { tempDir } from '../support/temp-dir.ts';

const at = (iso: string) => new Date(iso);
const DAY = 24 * 60 * 60 * 1000;

function clockAt(iso: string) {
  let now = at(iso).getTime();
  return { now: () => new Date(now), set: (s: string) => void (now = at(s).getTime()) };
}

/** The ids a digest of [from, to) would carry, as the delivery engine composes it. */
function digestIds(log: ReturnType<typeof createArrivalLog>, from: string, to: string): string[] {
  const d = composeDigest(log.periodArticles({ from: at(from), to: at(to) }), { from: at(from), to: at(to), timezone: 'UTC', arrivedAt: log.arrivedAt });
  return d.groups.flatMap((g) => g.topics.flatMap((t) => t.articles.map((a) => a.id))).sort();
}

/**
 * A first run on the database at `path`: `old` (published the day before) loaded at 09:00, then `late`,
 * published at 07:00, saved at 09:30 while the bot runs. Both arrivals are recorded; the clock is left at 09:30.
 */
async function firstRunWithLateArticle(path: string, clock: ReturnType<typeof clockAt>): Promise<void> {
  const first = createSqliteDigestStore(openDatabase(path));
  const articles = new ArticleStore();
  articles.set('old.md', makeArticle({ id: 'old', publishedAt: at('2026-11-21T10:00:00Z') }));
  const log = createArrivalLog({ store: first, articles, clock });
  await log.load();
  log.watch();
  clock.set('2026-11-22T09:30:00Z');
  articles.set('late.md', makeArticle({ id: 'late', publishedAt: at('2026-11-22T07:00:00Z') }));
  await log.settled();
  await first.close();
}

describe('article arrivals: every article reaches exactly one digest, whatever its publish time', () => {
  it('GIVEN an archive loaded for the first time THEN its articles count at their publish times (no flood), and an article saved later with an older publish time goes in the next digest, once', async () => {
    const db = createSqliteDigestStore(openDatabase(':memory:'));
    const articles = new ArticleStore();
    const clock = clockAt('2026-11-22T09:00:00Z');
    articles.set('old.md', makeArticle({ id: 'old', publishedAt: at('2026-11-10T10:00:00Z') }));
    articles.set('yesterday.md', makeArticle({ id: 'yesterday', publishedAt: at('2026-11-21T10:00:00Z') }));
    const log = createArrivalLog({ store: db, articles, clock });
    await log.load();
    log.watch();
    expect(digestIds(log, '2026-11-21T08:00:00Z', '2026-11-22T08:00:00Z')).toEqual(['yesterday']);
    expect(digestIds(log, '2026-11-22T08:00:00Z', '2026-11-23T08:00:00Z')).toEqual([]);

    // Saved at 09:30 on the 22nd, dated the 21st at 07:00: its own day's digest went out already.
    clock.set('2026-11-22T09:30:00Z');
    articles.set('rewritten.md', makeArticle({ id: 'rewritten', publishedAt: at('2026-11-22T07:00:00Z') }));
    // Dated 20 days back: archive, not news; no digest picks it up.
    articles.set('ancient.md', makeArticle({ id: 'ancient', publishedAt: at('2026-11-02T07:00:00Z') }));
    await log.settled();
    expect(digestIds(log, '2026-11-21T08:00:00Z', '2026-11-22T08:00:00Z')).toEqual(['yesterday']);
    expect(digestIds(log, '2026-11-22T08:00:00Z', '2026-11-23T08:00:00Z')).toEqual(['rewritten']);
    expect(digestIds(log, '2026-11-23T08:00:00Z', '2026-11-24T08:00:00Z')).toEqual([]);
    expect(log.arrivedAt(articles.get('rewritten')!)).toEqual(at('2026-11-22T09:30:00Z'));
    expect(log.arrivedAt(articles.get('ancient')!).getTime() - articles.get('ancient')!.publishedAt.getTime()).toBeGreaterThan(MAX_LATE_MS);
    await db.close();
  });

  it('GIVEN a restart (or a second process) on the same database THEN first-seen instants are kept: the old archive does not flood, a late article stays in its one digest', async () => {
    const dir = await tempDir();
    const path = `${dir.root}/bot.sqlite`;
    const clock = clockAt('2026-11-22T09:00:00Z');
    await firstRunWithLateArticle(path, clock);

    // Next start, a day later: the same files plus one new file saved while the bot was down.
    clock.set('2026-11-23T12:00:00Z');
    const second = createSqliteDigestStore(openDatabase(path));
    const a2 = new ArticleStore();
    a2.set('old.md', makeArticle({ id: 'old', publishedAt: at('2026-11-21T10:00:00Z') }));
    a2.set('late.md', makeArticle({ id: 'late', publishedAt: at('2026-11-22T07:00:00Z') }));
    a2.set('while-down.md', makeArticle({ id: 'while-down', publishedAt: at('2026-11-22T06:00:00Z') }));
    const log2 = createArrivalLog({ store: second, articles: a2, clock });
    await log2.load();
    expect(digestIds(log2, '2026-11-21T08:00:00Z', '2026-11-22T08:00:00Z')).toEqual(['old']);
    expect(digestIds(log2, '2026-11-22T08:00:00Z', '2026-11-23T08:00:00Z')).toEqual(['late']);
    // Seen first at this start: it arrived now, so the digest covering now carries it.
    expect(digestIds(log2, '2026-11-23T08:00:00Z', '2026-11-24T08:00:00Z')).toEqual(['while-down']);
    await second.close();
    await dir.cleanup();
  });

  it('GIVEN a composed period THEN a later late arrival never changes it: the cache key (period, zone, topics) stays correct', async () => {
    const db = createSqliteDigestStore(openDatabase(':memory:'));
    const articles = new ArticleStore();
    const clock = clockAt('2026-11-22T08:00:05Z');
    articles.set('a.md', makeArticle({ id: 'a', publishedAt: at('2026-11-21T10:00:00Z') }));
    const log = createArrivalLog({ store: db, articles, clock });
    await log.load();
    log.watch();
    const cache = createComposeCache({ articles, arrivals: log, now: () => clock.now().getTime(), ttlMs: 0 });
    const input = { from: at('2026-11-21T08:00:00Z'), to: at('2026-11-22T08:00:00Z'), timezone: 'UTC', topics: null, title: 'Daily digest' };
    expect((await cache.get(input)).articleCount).toBe(1);
    // Saved after the period ended, dated inside it: it belongs to the next period, not to this one,
    // even for a server whose digest is composed again now (ttl 0: no cache hit).
    clock.set('2026-11-22T08:00:30Z');
    articles.set('b.md', makeArticle({ id: 'b', publishedAt: at('2026-11-21T20:00:00Z') }));
    expect((await cache.get(input)).articleCount).toBe(1);
    expect((await cache.get({ ...input, from: input.to, to: at('2026-11-23T08:00:00Z') })).articleCount).toBe(1);
    await db.close();
  });

  it('GIVEN a week-long catch-up period THEN late arrivals in it are included, and ones older than the bound are not', async () => {
    const db = createSqliteDigestStore(openDatabase(':memory:'));
    const articles = new ArticleStore();
    const clock = clockAt('2026-11-20T00:00:00Z');
    const log = createArrivalLog({ store: db, articles, clock });
    await log.load();
    log.watch();
    clock.set('2026-11-21T00:00:00Z');
    articles.set('six.md', makeArticle({ id: 'six-days', publishedAt: new Date(clock.now().getTime() - 6 * DAY) }));
    articles.set('eight.md', makeArticle({ id: 'eight-days', publishedAt: new Date(clock.now().getTime() - 8 * DAY) }));
    await log.settled();
    expect(digestIds(log, '2026-11-18T08:00:00Z', '2026-11-25T08:00:00Z')).toEqual(['six-days']);
    await db.close();
  });
});

/** The store, with every id the arrival log writes (each call to `recordFirstSeen`) listed. */
function countingWrites(store: ReturnType<typeof createSqliteDigestStore>) {
  const written: string[][] = [];
  return {
    written,
    store: {
      ...store,
      recordFirstSeen: (items: ReadonlyArray<{ id: string; firstSeen: Date }>) => {
        written.push(items.map((x) => x.id));
        return store.recordFirstSeen(items);
      },
    },
  };
}

describe('article arrivals at start-up: one read of what is stored, writes only for what is new', () => {
  it('GIVEN a restart with every arrival stored THEN it writes nothing, a late article stays late and the rest arrive when published', async () => {
    const dir = await tempDir();
    const path = `${dir.root}/bot.sqlite`;
    const clock = clockAt('2026-11-22T09:00:00Z');
    await firstRunWithLateArticle(path, clock);

    clock.set('2026-11-22T12:00:00Z');
    const counted = countingWrites(createSqliteDigestStore(openDatabase(path)));
    const a2 = new ArticleStore();
    const log2 = createArrivalLog({ store: counted.store, articles: a2, clock });
    // As the bot does: the stored arrivals are read before the archive is in.
    log2.preload();
    a2.set('late.md', makeArticle({ id: 'late', publishedAt: at('2026-11-22T07:00:00Z') }));
    a2.set('old.md', makeArticle({ id: 'old', publishedAt: at('2026-11-21T10:00:00Z') }));
    await log2.load();
    log2.watch();
    expect(counted.written).toEqual([]);
    expect(log2.arrivedAt(a2.get('late')!)).toEqual(at('2026-11-22T09:30:00Z'));
    expect(log2.arrivedAt(a2.get('old')!)).toEqual(at('2026-11-21T10:00:00Z'));
    expect(digestIds(log2, '2026-11-21T08:00:00Z', '2026-11-22T08:00:00Z')).toEqual(['old']);
    // Published before 08:00 on the 22nd, first seen after: in the next digest, not in its own day's.
    expect(digestIds(log2, '2026-11-22T08:00:00Z', '2026-11-23T08:00:00Z')).toEqual(['late']);
    // Changing a known file is no new arrival: it keeps its instant, and follows are not woken.
    a2.set('old.md', makeArticle({ id: 'old', title: 'Old, corrected', publishedAt: at('2026-11-21T10:00:00Z') }));
    await log2.settled();
    expect(log2.lastNewAt()).toBe(0);
    expect(log2.arrivedAt(a2.get('old')!)).toEqual(at('2026-11-21T10:00:00Z'));
    await counted.store.close();
    await dir.cleanup();
  });

  it('GIVEN a file added while the bot was down THEN the restart writes only that one, as arrived at the restart, and the digest covering the restart carries it', async () => {
    const dir = await tempDir();
    const path = `${dir.root}/bot.sqlite`;
    const clock = clockAt('2026-11-22T09:00:00Z');
    const first = createSqliteDigestStore(openDatabase(path));
    const a1 = new ArticleStore();
    a1.set('a.md', makeArticle({ id: 'a', publishedAt: at('2026-11-21T10:00:00Z') }));
    a1.set('b.md', makeArticle({ id: 'b', publishedAt: at('2026-11-21T11:00:00Z') }));
    await createArrivalLog({ store: first, articles: a1, clock }).load();
    await first.close();

    clock.set('2026-11-23T12:00:00Z');
    const counted = countingWrites(createSqliteDigestStore(openDatabase(path)));
    const a2 = new ArticleStore();
    const log = createArrivalLog({ store: counted.store, articles: a2, clock });
    log.preload();
    a2.set('a.md', makeArticle({ id: 'a', publishedAt: at('2026-11-21T10:00:00Z') }));
    a2.set('b.md', makeArticle({ id: 'b', publishedAt: at('2026-11-21T11:00:00Z') }));
    a2.set('new.md', makeArticle({ id: 'while-down', publishedAt: at('2026-11-22T06:00:00Z') }));
    await log.load();
    expect(counted.written).toEqual([['while-down']]);
    expect(log.arrivedAt(a2.get('while-down')!)).toEqual(at('2026-11-23T12:00:00Z'));
    expect(digestIds(log, '2026-11-22T08:00:00Z', '2026-11-23T08:00:00Z')).toEqual([]);
    expect(digestIds(log, '2026-11-23T08:00:00Z', '2026-11-24T08:00:00Z')).toEqual(['while-down']);
    // The next restart finds it stored, at the same instant.
    clock.set('2026-11-24T12:00:00Z');
    const again = countingWrites(createSqliteDigestStore(openDatabase(path)));
    const log3 = createArrivalLog({ store: again.store, articles: a2, clock });
    await log3.load();
    expect(again.written).toEqual([]);
    expect(log3.arrivedAt(a2.get('while-down')!)).toEqual(at('2026-11-23T12:00:00Z'));
    await counted.store.close();
    await again.store.close();
    await dir.cleanup();
  });

  it('GIVEN two processes on one database, the second having read the stored arrivals before the first recorded an article THEN both agree on the first instant: the row wins', async () => {
    const dir = await tempDir();
    const path = `${dir.root}/bot.sqlite`;
    const clock = clockAt('2026-11-22T09:00:00Z');
    const storeA = createSqliteDigestStore(openDatabase(path));
    const storeB = createSqliteDigestStore(openDatabase(path));
    const articlesA = new ArticleStore();
    const logA = createArrivalLog({ store: storeA, articles: articlesA, clock });
    await logA.load();
    logA.watch();
    const articlesB = new ArticleStore();
    const logB = createArrivalLog({ store: storeB, articles: articlesB, clock });
    // B starts: it reads what is stored (nothing of the new article yet), then loads its archive.
    logB.preload();
    clock.set('2026-11-22T09:30:00Z');
    const late = () => makeArticle({ id: 'rewritten', publishedAt: at('2026-11-22T07:00:00Z') });
    articlesA.set('rewritten.md', late());
    await logA.settled();
    clock.set('2026-11-22T10:15:00Z');
    articlesB.set('rewritten.md', late());
    await logB.load();
    expect(logA.arrivedAt(articlesA.get('rewritten')!)).toEqual(at('2026-11-22T09:30:00Z'));
    expect(logB.arrivedAt(articlesB.get('rewritten')!)).toEqual(at('2026-11-22T09:30:00Z'));
    expect(digestIds(logB, '2026-11-22T08:00:00Z', '2026-11-23T08:00:00Z')).toEqual(['rewritten']);
    expect(digestIds(logA, '2026-11-22T08:00:00Z', '2026-11-23T08:00:00Z')).toEqual(['rewritten']);
    await storeA.close();
    await storeB.close();
    await dir.cleanup();
  });

  it('GIVEN a known article whose file changes to a publish time before it was first seen THEN it arrives when first seen, as a restart would say', async () => {
    const dir = await tempDir();
    const path = `${dir.root}/bot.sqlite`;
    const clock = clockAt('2026-11-22T09:00:00Z');
    const db = createSqliteDigestStore(openDatabase(path));
    const articles = new ArticleStore();
    const log = createArrivalLog({ store: db, articles, clock });
    await log.load();
    log.watch();
    // Seen at 09:00 with a publish time still to come (10:00): it arrives when published.
    articles.set('s.md', makeArticle({ id: 'scheduled', publishedAt: at('2026-11-22T10:00:00Z') }));
    await log.settled();
    expect(log.arrivedAt(articles.get('scheduled')!)).toEqual(at('2026-11-22T10:00:00Z'));
    // Corrected to 06:00: it was first seen at 09:00, so it arrived then.
    clock.set('2026-11-22T11:00:00Z');
    articles.set('s.md', makeArticle({ id: 'scheduled', publishedAt: at('2026-11-22T06:00:00Z') }));
    await log.settled();
    expect(log.arrivedAt(articles.get('scheduled')!)).toEqual(at('2026-11-22T09:00:00Z'));
    expect(log.lastNewAt()).toBe(at('2026-11-22T09:00:00Z').getTime());
    const restarted = createArrivalLog({ store: db, articles, clock });
    await restarted.load();
    expect(restarted.arrivedAt(articles.get('scheduled')!)).toEqual(at('2026-11-22T09:00:00Z'));
    expect(digestIds(log, '2026-11-22T08:00:00Z', '2026-11-23T08:00:00Z')).toEqual(['scheduled']);
    expect(digestIds(restarted, '2026-11-22T08:00:00Z', '2026-11-23T08:00:00Z')).toEqual(['scheduled']);
    await db.close();
    await dir.cleanup();
  });
});
