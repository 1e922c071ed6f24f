import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArticleStore } from '../../src/content/store.ts';
import { makeStoredArticle, type StoredArticle } from '../../src/content/stored-article.ts';
import { foldText } from '../../src/search/query.ts';
import { makeArticle } from '../support/article-factory.ts';

const day = (d: string) => new Date(`${d}T12:00:00Z`);

describe('ArticleStore — dedupe', () => {
  it('GIVEN the same URL in two files THEN it counts once and the richer copy is kept', () => {
    const store = new ArticleStore();
    const poor = makeArticle({ id: 'a', file: 'a.md', url: 'https://example.com/story?utm_source=x', summary: 'short' });
    const rich = makeArticle({ id: 'b', file: 'b.md', url: 'https://www.example.com/story/', summary: 'a much longer summary '.repeat(5), impact: ['a bullet'] });
    store.set('a.md', poor);
    store.set('b.md', rich);
    expect(store.size).toBe(1);
    expect(store.all().map((a) => a.id)).toEqual(['b']);
    expect(store.duplicates()).toBe(1);
  });

  it('GIVEN the same externalId THEN it is a duplicate', () => {
    const store = new ArticleStore();
    store.set('a.md', makeArticle({ id: 'a', externalId: '42', url: null }));
    store.set('b.md', makeArticle({ id: 'b', externalId: '42', url: null, title: 'Different words' }));
    expect(store.size).toBe(1);
  });

  it('GIVEN the same normalised title within 48 h THEN a duplicate; 3 days apart THEN two stories', () => {
    const store = new ArticleStore();
    store.set('a.md', makeArticle({ id: 'a', url: null, title: 'Bitcoin Hits a New High!', publishedAt: day('2026-11-20') }));
    store.set('b.md', makeArticle({ id: 'b', url: null, title: 'bitcoin hits a new high', publishedAt: day('2026-11-21') }));
    expect(store.size).toBe(1);
    store.set('c.md', makeArticle({ id: 'c', url: null, title: 'Bitcoin hits a new high', publishedAt: day('2026-11-25') }));
    expect(store.size).toBe(2);
  });

  it('GIVEN the winning copy is deleted THEN the hidden duplicate becomes visible and searchable', () => {
    const store = new ArticleStore();
    store.set('a.md', makeArticle({ id: 'a', url: 'https://e.com/x', title: 'Solar miners expand', impact: ['x'] }));
    store.set('b.md', makeArticle({ id: 'b', url: 'https://e.com/x', title: 'Solar miners expand' }));
    expect(store.search('solar').articles.map((a) => a.id)).toEqual(['a']);
    store.delete('a.md');
    expect(store.all().map((a) => a.id)).toEqual(['b']);
    expect(store.search('solar').articles.map((a) => a.id)).toEqual(['b']);
  });
});

describe('ArticleStore — room reserved for a bulk load', () => {
  it('GIVEN room reserved for 2,000 articles THEN 1,500 with duplicates, shared titles and a deletion answer exactly as without', () => {
    const fill = (store: ArticleStore) => {
      for (let i = 0; i < 1500; i++) {
        // Every tenth shares a URL with the one before it, every seventh a title: clusters and title lists.
        const url = `https://example.com/s/${i % 10 === 9 ? i - 1 : i}`;
        store.set(`f${i}.md`, makeArticle({ id: `f${i}`, file: `f${i}.md`, url, title: i % 7 === 0 ? 'Shared title' : `Story ${i}`, publishedAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000) }));
      }
      store.delete('f8.md');
      return store;
    };
    const plain = fill(new ArticleStore());
    const reserved = new ArticleStore();
    reserved.reserve(2000, 6000);
    fill(reserved);
    expect(reserved.size).toBe(plain.size);
    expect(reserved.duplicates()).toBe(plain.duplicates());
    expect(reserved.all().map((a) => a.id)).toEqual(plain.all().map((a) => a.id));
    expect(reserved.resolve('Shared title')?.id).toBe(plain.resolve('Shared title')?.id);
    expect(reserved.get('f9')?.id).toBe('f9');
    // The load did exercise the clusters and the title lists: shared URLs and titles were merged.
    expect(plain.duplicates()).toBeGreaterThan(300);
  });
});

describe('ArticleStore — incremental updates', () => {
  it('GIVEN a file changes THEN the old title is no longer found and the new one is', () => {
    const store = new ArticleStore();
    store.set('a.md', makeArticle({ id: 'a', title: 'Ethereum upgrade delayed' }));
    expect(store.search('delayed').total).toBe(1);
    store.set('a.md', makeArticle({ id: 'a', title: 'Ethereum upgrade ships' }));
    expect(store.search('delayed').total).toBe(0);
    expect(store.search('ships').articles[0]?.id).toBe('a');
    expect(store.size).toBe(1);
  });

  it('GIVEN a file is removed THEN it leaves the listings, topics and the index', () => {
    const store = new ArticleStore();
    store.set('a.md', makeArticle({ id: 'a', title: 'Mining news', topics: ['Mining'] }));
    store.set('b.md', makeArticle({ id: 'b', title: 'Other news', topics: ['Markets'] }));
    store.delete('a.md');
    expect(store.all().map((a) => a.id)).toEqual(['b']);
    expect(store.topics()).toEqual([{ topic: 'Markets', count: 1 }]);
    expect(store.search('mining').total).toBe(0);
  });

  it('notifies listeners of each change', () => {
    const store = new ArticleStore();
    const seen: string[] = [];
    store.onChange((e) => seen.push(`${e.type}:${e.id}`));
    store.set('a.md', makeArticle({ id: 'a' }));
    store.delete('a.md');
    expect(seen).toEqual(['set:a', 'delete:a']);
  });
});

describe('ArticleStore — queries', () => {
  const store = new ArticleStore();
  store.set('1.md', makeArticle({ id: '1', publishedAt: day('2026-11-19'), topics: ['AI'], sentiment: 'positive' }));
  store.set('2.md', makeArticle({ id: '2', publishedAt: day('2026-11-21'), topics: ['Bitcoin', 'AI'], sentiment: 'negative' }));
  store.set('3.md', makeArticle({ id: '3', publishedAt: day('2026-11-20'), topics: ['Bitcoin'], sentiment: 'positive' }));

  it('lists newest first', () => {
    expect(store.query().map((a) => a.id)).toEqual(['2', '3', '1']);
  });

  it('filters by topic (any case), sentiment and date range', () => {
    expect(store.query({ topic: 'ai' }).map((a) => a.id)).toEqual(['2', '1']);
    expect(store.query({ sentiment: 'positive' }).map((a) => a.id)).toEqual(['3', '1']);
    expect(store.query({ from: day('2026-11-20'), to: day('2026-11-21') }).map((a) => a.id)).toEqual(['3']);
    expect(store.query({ limit: 1, offset: 1 }).map((a) => a.id)).toEqual(['3']);
  });

  it('counts topics, most common first', () => {
    expect(store.topics()).toEqual([
      { topic: 'AI', count: 2 },
      { topic: 'Bitcoin', count: 2 },
    ]);
  });

  it('resolves an id, an exact title, or the best search hit', () => {
    const s = new ArticleStore();
    s.set('x.md', makeArticle({ id: 'news/x', title: 'Tesla Keeps Its Bitcoin' }));
    s.set('y.md', makeArticle({ id: 'news/y', title: 'Dogecoin jumps after a meme' }));
    expect(s.resolve('news/x')?.id).toBe('news/x');
    expect(s.resolve('tesla keeps its bitcoin')?.id).toBe('news/x');
    expect(s.resolve('doge')?.id).toBe('news/y');
    expect(s.resolve('nothing like this')).toBeUndefined();
  });

  it('suggests titles for autocomplete, newest when nothing is typed', () => {
    const s = new ArticleStore();
    for (let i = 0; i < 30; i++) s.set(`${i}.md`, makeArticle({ id: `a${i}`, title: `Story ${i} about markets`, publishedAt: new Date(Date.UTC(2026, 0, 1 + i)) }));
    s.set('m.md', makeArticle({ id: 'musk', title: 'Musk speaks', publishedAt: new Date(Date.UTC(2025, 0, 1)) }));
    expect(s.suggest('', 25)).toHaveLength(25);
    expect(s.suggest('', 25)[0]?.id).toBe('a29');
    expect(s.suggest('mus').map((a) => a.id)).toEqual(['musk']);
  });
});

describe('ArticleStore — stories that only look alike', () => {
  it('GIVEN "BTC +10%" and "BTC −10%" a day apart THEN two stories, not duplicates', () => {
    const store = new ArticleStore();
    store.set('up.md', makeArticle({ id: 'up', file: 'up.md', url: null, title: 'BTC +10% as ETF inflows surge', publishedAt: day('2026-11-20') }));
    store.set('down.md', makeArticle({ id: 'down', file: 'down.md', url: null, title: 'BTC −10% as ETF inflows surge', publishedAt: day('2026-11-21') }));
    store.set('other.md', makeArticle({ id: 'other', file: 'other.md', url: null, title: 'BTC +12% as ETF inflows surge', publishedAt: day('2026-11-21') }));
    expect(store.size).toBe(3);
    expect(store.duplicates()).toBe(0);
  });

  it('GIVEN the same title with the same sign written two ways THEN still one story', () => {
    const store = new ArticleStore();
    store.set('a.md', makeArticle({ id: 'a', file: 'a.md', url: null, title: 'BTC −10% overnight', publishedAt: day('2026-11-20') }));
    store.set('b.md', makeArticle({ id: 'b', file: 'b.md', url: null, title: 'btc -10% overnight', publishedAt: day('2026-11-21') }));
    expect(store.size).toBe(1);
  });

  it('GIVEN a C# filter THEN C++ stories are never returned, by listing or by search', () => {
    const store = new ArticleStore();
    store.set('sharp.md', makeArticle({ id: 'sharp', file: 'sharp.md', title: 'Language news sharp', topics: ['C#'] }));
    store.set('plus.md', makeArticle({ id: 'plus', file: 'plus.md', title: 'Language news plus', topics: ['C++'] }));
    expect(store.query({ topic: 'C#' }).map((a) => a.id)).toEqual(['sharp']);
    expect(store.query({ topic: 'c++' }).map((a) => a.id)).toEqual(['plus']);
    expect(store.search('language news', { topic: 'C#' }).articles.map((a) => a.id)).toEqual(['sharp']);
    expect(store.resolveTopic('c#')).toBe('C#');
  });
});

describe('ArticleStore — one id per file', () => {
  it('GIVEN two files with the same id THEN the second is held back and named, and deleting either never hides the other', () => {
    const store = new ArticleStore();
    store.set('Same Name.md', makeArticle({ id: 'same-name', file: 'Same Name.md', title: 'First story' }));
    store.set('same-name.md', makeArticle({ id: 'same-name', file: 'same-name.md', title: 'Second story' }));
    expect(store.all().map((a) => a.title)).toEqual(['First story']);
    expect(store.idOwner('same-name')).toBe('Same Name.md');

    store.delete('Same Name.md');
    expect(store.all().map((a) => a.title)).toEqual(['Second story']);
    expect(store.search('second').total).toBe(1);
    expect(store.idOwner('same-name')).toBe('same-name.md');

    store.set('Same Name.md', makeArticle({ id: 'same-name', file: 'Same Name.md', title: 'First story' }));
    store.delete('same-name.md');
    expect(store.all().map((a) => a.title)).toEqual(['First story']);
    expect(store.search('first').total).toBe(1);
  });

  it('GIVEN the held-back file is deleted THEN the shown one stays', () => {
    const store = new ArticleStore();
    store.set('Same Name.md', makeArticle({ id: 'same-name', file: 'Same Name.md', title: 'First story' }));
    store.set('same-name.md', makeArticle({ id: 'same-name', file: 'same-name.md', title: 'Second story' }));
    store.delete('same-name.md');
    expect(store.all().map((a) => a.title)).toEqual(['First story']);
    expect(store.search('first').total).toBe(1);
  });
});

describe('ArticleStore — changes in any order', () => {
  const files = ['a.md', 'b.md', 'c.md', 'd.md', 'e.md', 'f.md'];
  const version = fc.record({
    url: fc.constantFrom(null, 'https://e.com/1', 'https://e.com/2', 'https://www.e.com/1/'),
    externalId: fc.constantFrom(null, 'x1', 'x2'),
    title: fc.constantFrom('Bitcoin rallies', 'bitcoin rallies!', 'Ether slips', 'Solar miners expand'),
    day: fc.integer({ min: 20, max: 24 }),
    summary: fc.constantFrom('short', 'a much longer summary of the story '.repeat(4)),
  });
  type Version = typeof version extends fc.Arbitrary<infer V> ? V : never;
  const change = fc.oneof(
    fc.record({ file: fc.constantFrom(...files), set: version }),
    fc.record({ file: fc.constantFrom(...files), set: fc.constant(null) }),
  );
  const articleOf = (file: string, v: Version) =>
    makeArticle({ id: file.replace(/\.md$/, ''), file, url: v.url, externalId: v.externalId, title: v.title, summary: v.summary, publishedAt: new Date(Date.UTC(2026, 10, v.day, 12)) });
  const view = (store: ArticleStore) => ({
    size: store.size,
    duplicates: store.duplicates(),
    all: store.all().map((a) => a.id),
    byId: files.map((f) => store.get(f.replace(/\.md$/, ''))?.file ?? null),
    owners: files.map((f) => store.idOwner(f.replace(/\.md$/, '')) ?? null),
    // Which of two shown copies of one title `resolve` picks depends on the order they came in: only the title is compared.
    byTitle: ['Bitcoin rallies', 'Ether slips', 'Solar miners expand'].map((t) => foldText(store.resolve(t)?.title ?? '')),
    search: ['bitcoin', 'ether', 'solar'].map((w) => store.search(w, { limit: 10 }).articles.map((a) => a.id)),
    topics: store.topics(),
  });

  it('GIVEN any sequence of files added, changed and deleted THEN the store shows what a store given only the final files shows', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 40 }), (changes) => {
        const store = new ArticleStore();
        const final = new Map<string, Version>();
        for (const c of changes) {
          if (c.set) {
            store.set(c.file, articleOf(c.file, c.set));
            final.set(c.file, c.set);
          } else {
            store.delete(c.file);
            final.delete(c.file);
          }
        }
        const fresh = new ArticleStore();
        for (const f of [...final.keys()].sort()) fresh.set(f, articleOf(f, final.get(f)!));
        expect(view(store)).toEqual(view(fresh));
      }),
      { numRuns: 300 },
    );
  });

  it('GIVEN thousands of files added, most deleted, some added again THEN every id finds its article or none', () => {
    const store = new ArticleStore();
    const live = new Map<string, string>();
    const put = (i: number, title: string) => {
      const file = `batch-${i % 9}/article-${i}.md`;
      store.set(file, makeArticle({ id: `batch-${i % 9}/article-${i}`, file, title, url: `https://e.com/${i}/${title.length}`, publishedAt: new Date(Date.UTC(2026, 10, 1, 0, i)) }));
      live.set(`batch-${i % 9}/article-${i}`, title);
    };
    for (let i = 0; i < 3000; i++) put(i, `Story ${i}`);
    for (let i = 0; i < 3000; i++) {
      if (i % 3 === 0) continue;
      store.delete(`batch-${i % 9}/article-${i}.md`);
      live.delete(`batch-${i % 9}/article-${i}`);
    }
    for (let i = 1; i < 3000; i += 6) put(i, `Story ${i} again`);
    expect(store.size).toBe(live.size);
    expect(store.duplicates()).toBe(0);
    expect(store.all().length).toBe(live.size);
    for (let i = 0; i < 3000; i++) {
      const id = `batch-${i % 9}/article-${i}`;
      expect(store.get(id)?.title).toBe(live.get(id));
      expect(store.idOwner(id)).toBe(live.has(id) ? `${id}.md` : undefined);
    }
    expect(store.resolve('Story 7 again')?.id).toBe('batch-7/article-7');
  });

  it('GIVEN a file that comes to hold another id THEN the old id is gone and the new one is the file\'s', () => {
    const store = new ArticleStore();
    store.set('a.md', makeArticle({ id: 'old-id', file: 'a.md', title: 'Ether slips' }));
    store.set('a.md', makeArticle({ id: 'new-id', file: 'a.md', title: 'Ether slips again' }));
    expect(store.get('old-id')).toBeUndefined();
    expect(store.idOwner('old-id')).toBeUndefined();
    expect(store.get('new-id')?.title).toBe('Ether slips again');
    expect(store.idOwner('new-id')).toBe('a.md');
    expect(store.resolve('Ether slips again')?.id).toBe('new-id');
    expect(store.resolve('Ether slips')?.id).toBe('new-id');
    expect(store.size).toBe(1);
    expect(store.duplicates()).toBe(0);
  });
});

describe('ArticleStore — indexes from snapshots', () => {
  const reader = { read: async () => null };
  /** A record of its own for the store restoring it, as the archive cache makes one per row. */
  const copy = (a: StoredArticle) =>
    makeStoredArticle({ ...a, publishedMs: a.publishedAt.getTime(), topics: [...a.topics], richness: a.richness, dedupe: a.dedupe });
  it('GIVEN an empty store absorbing a pair of snapshots THEN search and autocomplete answer as in the store they came from', async () => {
    const source = new ArticleStore();
    for (let i = 0; i < 40; i++) source.set(`n/${i}.md`, makeArticle({ id: `n/${i}`, file: `n/${i}.md`, title: `${i % 2 ? 'Solar miners' : 'Bitcoin funds'} story ${i}`, url: `https://e.com/${i}` }));
    const store = new ArticleStore({ details: reader });
    store.absorbIndex(source.snapshotIndex());
    for (const a of source.all()) store.restore(a.file, copy(a));
    await store.reconcileIndex();
    expect(store.search('solar', { limit: 50 }).total).toBe(20);
    expect(store.suggest('bitcoin funds story 1', 5).map((a) => a.id)).toEqual(source.suggest('bitcoin funds story 1', 5).map((a) => a.id));
    expect(store.indexMatchesFiles()).toBe(true);
  });

  it('GIVEN a store that holds files already absorbing more THEN the title index finds the old and the new', async () => {
    const first = new ArticleStore();
    first.set('a/1.md', makeArticle({ id: 'a/1', file: 'a/1.md', title: 'Ether slips' }));
    const second = new ArticleStore();
    second.set('b/2.md', makeArticle({ id: 'b/2', file: 'b/2.md', title: 'Ether rallies' }));
    const store = new ArticleStore({ details: reader });
    for (const from of [first, second]) {
      store.absorbIndex(from.snapshotIndex());
      for (const a of from.all()) store.restore(a.file, copy(a));
    }
    await store.reconcileIndex();
    expect(store.suggest('ether', 5).map((a) => a.id).sort()).toEqual(['a/1', 'b/2']);
  });
});
