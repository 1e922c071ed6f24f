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
    const first = createSqliteDigestStore(openDatabase(path));
    const a1 = new ArticleStore();
    a1.set('old.md', makeArticle({ id: 'old', publishedAt: at('2026-11-21T10:00:00Z') }));
    const log1 = createArrivalLog({ store: first, articles: a1, clock });
    await log1.load();
    log1.watch();
    clock.set('2026-11-22T09:30:00Z');
    a1.set('late.md', makeArticle({ id: 'late', publishedAt: at('2026-11-22T07:00:00Z') }));
    await log1.settled();
    await first.close();

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
