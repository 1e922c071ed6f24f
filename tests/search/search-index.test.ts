import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArticleStore } from '../../src/content/store.ts';
import { MAX_QUERY_LENGTH, QueryError, prepareQuery } from '../../src/search/query.ts';
import { mergeSnapshots, mergeSnapshotsSteps } from '../../src/search/merge-snapshots.ts';
import { MAX_TERMS_PER_ARTICLE, SnapshotError, createSearchIndex, indexLimitNotice, snapshotChunks, snapshotListsRange, type SnapshotBytes, type SplitSnapshot } from '../../src/search/search-index.ts';
import { makeArticle } from '../support/article-factory.ts';

/** A snapshot's bytes as `serialize` writes them, joined from its chunks (a split one's head, lists and padding). */
const wholeBytes = (snapshot: SnapshotBytes) => new Uint8Array(Buffer.concat(snapshotChunks(snapshot)));

function storeOf(...articles: ReturnType<typeof makeArticle>[]) {
  const s = new ArticleStore();
  for (const a of articles) s.set(a.file, a);
  return s;
}

describe('search', () => {
  it('GIVEN "mus" THEN it finds Musk by prefix', () => {
    const s = storeOf(makeArticle({ id: 'm', title: 'Elon Musk posts a meme' }), makeArticle({ id: 'o', title: 'Other story' }));
    expect(s.search('mus').articles.map((a) => a.id)).toEqual(['m']);
  });

  it('GIVEN different case and diacritics THEN they are folded', () => {
    const s = storeOf(makeArticle({ id: 'm', title: 'Musk and the Zürich bank' }));
    expect(s.search('MÜSK').total).toBe(1);
    expect(s.search('zurich').total).toBe(1);
  });

  it('GIVEN a title match and a summary-only match THEN the title match ranks first', () => {
    const s = storeOf(
      makeArticle({ id: 'summary', title: 'Markets wrap', summary: 'Musk was mentioned in passing among many other words here' }),
      makeArticle({ id: 'title', title: 'Musk unveils a plan', summary: 'Details of the plan.' }),
    );
    expect(s.search('musk').articles.map((a) => a.id)).toEqual(['title', 'summary']);
  });

  it('GIVEN equal scores THEN newer articles come first', () => {
    const s = storeOf(
      makeArticle({ id: 'old', title: 'Bitcoin report', publishedAt: new Date('2026-01-01T00:00:00Z') }),
      makeArticle({ id: 'new', title: 'Bitcoin report', url: 'https://e.com/2', publishedAt: new Date('2026-06-01T00:00:00Z') }),
    );
    // Same title within 48 h would be a duplicate; these are months apart, so both stay.
    expect(s.search('bitcoin').articles.map((a) => a.id)).toEqual(['new', 'old']);
  });

  it('searches topics, source and impact bullets too', () => {
    const s = storeOf(
      makeArticle({ id: 't', title: 'One', topics: ['Stablecoins'] }),
      makeArticle({ id: 's', title: 'Two', source: 'Ledger Wire' }),
      makeArticle({ id: 'i', title: 'Three', impact: ['Liquidity may tighten'] }),
    );
    expect(s.search('stablecoins').articles.map((a) => a.id)).toEqual(['t']);
    expect(s.search('ledger').articles.map((a) => a.id)).toEqual(['s']);
    expect(s.search('liquidity').articles.map((a) => a.id)).toEqual(['i']);
  });

  it('GIVEN regex metacharacters THEN they are plain text and do not throw', () => {
    const s = storeOf(makeArticle({ id: 'c', title: 'C++ tooling (beta) ships' }));
    expect(s.search('c++ (beta)').articles.map((a) => a.id)).toEqual(['c']);
    expect(() => s.search('.* [ ( \\')).not.toThrow();
  });

  it('GIVEN an empty or whitespace query THEN a clear QueryError', () => {
    const s = storeOf();
    expect(() => s.search('   ')).toThrow(QueryError);
    expect(() => s.search('')).toThrow(/Type at least one word/);
  });

  it('GIVEN a query over 200 characters THEN it is cut and flagged', () => {
    const long = `musk ${'x'.repeat(300)}`;
    expect(prepareQuery(long)).toEqual({ text: long.slice(0, MAX_QUERY_LENGTH), truncated: true });
    const s = storeOf(makeArticle({ id: 'm', title: 'Musk' }));
    const r = s.search(long);
    expect(r.truncated).toBe(true);
    expect(r.query).toHaveLength(200);
  });

  it('GIVEN a word that matches nothing next to one that does THEN it falls back to any word', () => {
    const s = storeOf(makeArticle({ id: 'm', title: 'Musk speaks' }));
    expect(s.search('musk qwertyzzz').articles.map((a) => a.id)).toEqual(['m']);
  });

  it('filters by topic and sentiment, and pages with offset', () => {
    const s = storeOf(
      ...Array.from({ length: 7 }, (_, i) => makeArticle({ id: `m${i}`, title: `Musk item ${i}`, sentiment: i % 2 ? 'negative' : 'positive', topics: [i < 3 ? 'AI' : 'Payments'], publishedAt: new Date(Date.UTC(2026, 0, 1 + i)) })),
    );
    expect(s.search('musk', { sentiment: 'negative' }).total).toBe(3);
    expect(s.search('musk', { topic: 'ai' }).total).toBe(3);
    const p2 = s.search('musk', { limit: 5, offset: 5 });
    expect(p2.total).toBe(7);
    expect(p2.articles).toHaveLength(2);
  });
});

describe('search index — what one article may add', () => {
  it('GIVEN an article of thousands of distinct words THEN only a bounded number are indexed, and the cut is described', () => {
    const words = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}x`);
    const huge = makeArticle({ id: 'huge', title: 'Huge article', summary: words.join(' ') });
    // Exact words only: a word past the bound is one edit from words before it, which typo tolerance would find.
    const index = createSearchIndex({ typos: false });
    index.add(huge);
    expect(index.search('w1x').total).toBe(1);
    expect(index.search(words[19_999]!).total).toBe(0);
    expect(index.terms).toBeLessThanOrEqual(MAX_TERMS_PER_ARTICLE + 10);
    expect(indexLimitNotice(huge)).toMatch(/first 2,000 distinct words/);
  });

  it('GIVEN a field over the character bound THEN only its start is indexed, and the cut is described', () => {
    const long = makeArticle({ id: 'long', title: 'Long', summary: `${'same '.repeat(10_000)} needle` });
    const index = createSearchIndex();
    index.add(long);
    expect(index.search('needle').total).toBe(0);
    expect(indexLimitNotice(long)).toBe('only the first 20,000 characters of its summary are searchable');
  });

  it('GIVEN an ordinary article THEN nothing is cut', () => {
    expect(indexLimitNotice(makeArticle({ summary: 'A normal summary of a normal story.', impact: ['one', 'two'] }))).toBeNull();
  });
});

describe('index snapshots', () => {
  const corpus = () => [
    makeArticle({ id: 'a', title: 'Musk buys a bank', summary: 'Zürich lenders react', publishedAt: new Date('2026-11-20T10:00:00Z') }),
    makeArticle({ id: 'b', title: 'Bitcoin funds record inflows', impact: ['Musk comments on funds'], publishedAt: new Date('2026-11-21T10:00:00Z') }),
    makeArticle({ id: 'c', title: 'Solar miners expand', publishedAt: new Date('2026-11-19T10:00:00Z') }),
  ];
  const queries = ['musk', 'mus', 'zurich', 'funds musk', 'solar', 'nothing here'];
  /** The corpus indexed whole, and in two shares (the first two articles, then the last). */
  const indexedInTwo = () => {
    const whole = createSearchIndex();
    const left = createSearchIndex();
    const right = createSearchIndex();
    corpus().forEach((a, i) => {
      whole.add(a);
      (i < 2 ? left : right).add(a);
    });
    return { whole, left, right };
  };

  it('GIVEN an index serialized and absorbed into a new one THEN every query answers the same', () => {
    const original = createSearchIndex();
    for (const a of corpus()) original.add(a);
    original.remove('c');
    const copy = createSearchIndex({ snapshot: original.serialize() });
    for (const q of queries) expect(copy.search(q)).toEqual(original.search(q));
    expect(copy.size).toBe(2);
  });

  it('GIVEN a snapshot absorbed into an empty index THEN the index holds nothing of the snapshot: it answers the same after the snapshot is overwritten', () => {
    const original = createSearchIndex();
    for (const a of corpus()) original.add(a);
    const snapshot = original.serialize();
    const copy = createSearchIndex({ snapshot });
    const before = queries.map((q) => copy.search(q));
    // Were its posting lists views into the snapshot, this would rewrite them (and the snapshot would stay in memory with them).
    snapshot.fill(0x81);
    expect(queries.map((q) => copy.search(q))).toEqual(before);
    expect(before[0]!.hits.map((h) => h.id)).toEqual(['a', 'b']);
  });

  /** A snapshot taken apart as the archive cache reads it: the bytes without the posting lists, and the lists in a buffer of their own. */
  const split = (bytes: Uint8Array): SplitSnapshot => {
    const range = snapshotListsRange(bytes)!;
    const head = new Uint8Array(bytes.length - range.padded);
    head.set(bytes.subarray(0, range.start));
    head.set(bytes.subarray(range.start + range.padded), range.start);
    return { head, lists: bytes.slice(range.start, range.start + range.length) };
  };

  it('GIVEN a snapshot read with its posting lists apart THEN it answers as the whole snapshot does, keeps none of the rest, and its keys can be shared', () => {
    const original = createSearchIndex();
    const titles = createSearchIndex({ fields: ['title'] });
    for (const a of corpus()) {
      original.add(a);
      titles.add(a);
    }
    const whole = createSearchIndex({ snapshot: original.serialize() });
    const parts = split(original.serialize());
    const apart = createSearchIndex({ snapshot: parts });
    expect(queries.map((q) => apart.search(q))).toEqual(queries.map((q) => whole.search(q)));
    expect([...apart.keys()]).toEqual([...whole.keys()]);
    // Nothing of the head is held: overwritten, the index answers the same.
    const before = queries.map((q) => apart.search(q));
    parts.head.fill(0x81);
    expect(queries.map((q) => apart.search(q))).toEqual(before);
    expect(before[0]!.hits.map((h) => h.id)).toEqual(['a', 'b']);
    // Keys offered from a split snapshot that names the same documents are taken as they are.
    const offered = ['a', 'b', 'c'];
    const sameTitles = createSearchIndex({ fields: ['title'] });
    sameTitles.absorb(split(titles.serialize()), { sameAs: { snapshot: split(original.serialize()), keys: offered } });
    expect([...sameTitles.keys()]).toEqual(offered);
  });

  it('GIVEN the caller\'s sorted paths beside a snapshot THEN every key reads back as written, in any script, with files new, gone or out of order', () => {
    const path = fc.oneof(
      fc.stringMatching(/^[a-z0-9/_.-]{1,20}$/),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
      // UTF-8 and UTF-16 sort an astral character and one just below it apart differently; and the UTF-8
      // bytes of `Ã` (C3 83) are the code units of `Ã\u0083`, which must not pass for it.
      fc.constantFrom('a/😀.md', 'a/\uffe0.md', 'a/\ue000.md', 'é.md', 'e.md', 'z.md', '比特币.md', 'Ã.md', 'Ã\u0083.md'),
    );
    fc.assert(
      fc.property(fc.uniqueArray(path, { minLength: 1, maxLength: 30 }), fc.uniqueArray(path, { maxLength: 10 }), fc.integer({ min: 0, max: 100 }), (keys, extra, keep) => {
        const keyed = keys.filter((k) => !k.includes('\0'));
        fc.pre(keyed.length > 0);
        const original = createSearchIndex();
        keyed.forEach((key, i) => original.add(makeArticle({ id: `x${i}`, title: `Story ${i} bitcoin` }), key));
        // Some of the snapshot's files listed (the rest gone), new ones besides, sorted as a listing is.
        const listed = [...new Set([...keyed.filter((_, i) => (i * 37 + keep) % 100 < keep), ...extra])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const copy = createSearchIndex();
        copy.absorb(original.serialize(), { listed });
        expect(copy.keyList()).toEqual(keyed);
        expect(copy.search('bitcoin', { limit: 50 }).hits.map((h) => h.id).sort()).toEqual([...keyed].sort());
      }),
      { numRuns: 300 },
    );
  });

  it('GIVEN posting lists apart of another length than the snapshot says THEN it is refused and the index is unchanged', () => {
    const original = createSearchIndex();
    for (const a of corpus()) original.add(a);
    const parts = split(original.serialize());
    const index = createSearchIndex();
    expect(() => index.absorb({ head: parts.head, lists: parts.lists.subarray(0, parts.lists.length - 1) })).toThrow(SnapshotError);
    expect(index.size).toBe(0);
    expect(snapshotListsRange(new Uint8Array(40))).toBeNull();
  });

  it('GIVEN keys offered from another snapshot THEN they are taken only when that snapshot names the same documents', () => {
    const titles = createSearchIndex({ fields: ['title'] });
    const main = createSearchIndex();
    const other = createSearchIndex();
    for (const a of corpus()) {
      titles.add(a);
      main.add(a);
    }
    other.add(corpus()[0]!);
    const offered = ['a', 'b', 'c'];
    const same = createSearchIndex({ fields: ['title'] });
    same.absorb(titles.serialize(), { sameAs: { snapshot: main.serialize(), keys: offered } });
    expect([...same.keys()]).toEqual(offered);
    expect(same.search('solar').hits.map((h) => h.id)).toEqual(['c']);
    // Another snapshot's keys do not match: the absorbed one's own are decoded.
    const own = createSearchIndex({ fields: ['title'] });
    own.absorb(titles.serialize(), { sameAs: { snapshot: other.serialize(), keys: ['a'] } });
    expect([...own.keys()]).toEqual(['a', 'b', 'c']);
    expect(own.search('bitcoin').hits.map((h) => h.id)).toEqual(['b']);
  });

  it('GIVEN two partial indexes absorbed into one THEN it answers as one built whole; hidden documents stay out until shown', () => {
    const { whole, left, right } = indexedInTwo();
    const joined = createSearchIndex();
    joined.absorb(left.serialize());
    joined.absorb(right.serialize());
    for (const q of queries) expect(joined.search(q)).toEqual(whole.search(q));
    joined.setHidden('b', true);
    expect(joined.search('funds').hits).toEqual([]);
    joined.setHidden('b', false);
    expect(joined.search('funds').hits.map((h) => h.id)).toEqual(['b']);
  });

  it('GIVEN a document found by its number THEN hiding and showing it by number acts as by key; a number for no document changes nothing', () => {
    const { whole } = indexedInTwo();
    const d = whole.docOf('b');
    expect(d).toBeGreaterThanOrEqual(0);
    expect(whole.keyAt(d)).toBe('b');
    whole.setHiddenAt(d, true);
    expect(whole.search('funds').hits).toEqual([]);
    whole.setHiddenAt(d, false);
    expect(whole.search('funds').hits.map((h) => h.id)).toEqual(['b']);
    expect(whole.docOf('nope')).toBe(-1);
    expect(whole.keyAt(-1)).toBeUndefined();
    // Removed, its number holds no document: hiding it, or numbers out of range, changes no answer.
    whole.remove('b');
    const answers = queries.map((q) => whole.search(q));
    expect(answers.some((a) => a.hits.length > 0)).toBe(true);
    for (const n of [d, -1, 10_000]) whole.setHiddenAt(n, true);
    expect(queries.map((q) => whole.search(q))).toEqual(answers);
  });

  it('GIVEN searches and snapshots between adds THEN the index is, byte for byte, the one built in one go', () => {
    const titles = ['Musk’s “Zürich” bank', 'Bitcoin ETF inflows', 'Ethereum İstanbul upgrade', 'Solana miners', 'MUSK again', 'Zürich café — naïve'];
    const articles = Array.from({ length: 60 }, (_, i) =>
      makeArticle({ id: `a${i}`, title: `${titles[i % titles.length]} ${i % 7}`, summary: `Story ${i} about ${titles[(i * 5) % titles.length]}`, publishedAt: new Date(Date.UTC(2026, 10, 1 + (i % 20))) }),
    );
    const whole = createSearchIndex();
    const stepped = createSearchIndex();
    articles.forEach((a, i) => {
      whole.add(a);
      stepped.add(a);
      if (i % 7 === 3) expect(stepped.search('musk zurich').total).toBe(whole.search('musk zurich').total);
      if (i % 11 === 5) stepped.serialize();
      if (i % 13 === 8) stepped.closestWords('etherium');
      if (i % 17 === 16) {
        whole.remove(`a${i - 3}`);
        stepped.remove(`a${i - 3}`);
      }
    });
    expect(stepped.serialize()).toEqual(whole.serialize());
    for (const q of queries) expect(stepped.search(q)).toEqual(whole.search(q));
  });

  it('GIVEN shares of an archive indexed apart (as on worker threads) THEN their merged snapshot is, byte for byte, the whole index’s', () => {
    const titles = ['Musk’s “Zürich” bank', 'Bitcoin ETF inflows', 'Ethereum İstanbul upgrade', 'Solana miners', 'MUSK again', 'Zürich café — naïve'];
    const articles = Array.from({ length: 300 }, (_, i) =>
      makeArticle({ id: `a${i}`, title: `${titles[i % titles.length]} ${i % 7} w${i}`, summary: `Story ${i} about ${titles[(i * 5) % titles.length]}`, publishedAt: new Date(Date.UTC(2026, 10, 1 + (i % 20))) }),
    );
    const whole = createSearchIndex();
    for (const a of articles) whole.add(a);
    for (const cuts of [[150], [1, 2, 299], [40, 41, 200, 260], [0, 300]]) {
      const bounds = [0, ...cuts, articles.length];
      const shares = bounds.slice(1).map((end, k) => {
        const share = createSearchIndex();
        for (const a of articles.slice(bounds[k], end)) share.add(a);
        return share.serialize();
      });
      const merged = mergeSnapshots(shares);
      expect(wholeBytes(merged)).toEqual(whole.serialize());
      // In steps (as a large load joins them, answering commands between steps): the same bytes, a pause per share at least.
      const steps = mergeSnapshotsSteps(shares);
      let pauses = 0;
      let step = steps.next();
      for (; !step.done; step = steps.next()) pauses++;
      expect(step.value).toEqual(merged);
      expect(pauses).toBeGreaterThanOrEqual(shares.length);
      const absorbed = createSearchIndex({ snapshot: merged });
      for (const q of [...queries, 'w299', 'w0', 'istanbul']) expect(absorbed.search(q)).toEqual(whole.search(q));
    }
  });

  it('GIVEN shares keyed by empty, non-ASCII and NUL-free paths, and an empty share THEN the merge copies their key bytes into the whole’s keys, with its lists apart', () => {
    const keyed: Array<[string, string]> = [['', 'Musk solar'], ['a/é.md', 'Bitcoin miners'], ['b/🚀.md', 'Musk rockets'], ['c.md', 'Zürich banks']];
    const whole = createSearchIndex();
    keyed.forEach(([key, title], i) => whole.add(makeArticle({ id: `id${i}`, title, publishedAt: new Date(Date.UTC(2026, 10, 1 + i)) }), key));
    for (const bounds of [[0, 1, 4], [0, 0, 1, 1, 3, 4], [0, 2, 4, 4]]) {
      const shares = bounds.slice(1).map((end, k) => {
        const share = createSearchIndex();
        keyed.slice(bounds[k], end).forEach(([key, title]) => share.add(makeArticle({ id: `id${keyed.findIndex(([kk]) => kk === key)}`, title, publishedAt: new Date(Date.UTC(2026, 10, 1 + keyed.findIndex(([kk]) => kk === key))) }), key));
        return share.serialize();
      });
      const merged = mergeSnapshots(shares) as SplitSnapshot;
      expect(wholeBytes(merged)).toEqual(whole.serialize());
      // The lists in memory of their own, exactly as long as the header says; the head holds none of them.
      const range = snapshotListsRange(merged.head)!;
      expect(merged.lists.buffer).not.toBe(merged.head.buffer);
      expect(merged.lists.byteLength).toBe(range.length);
      expect(merged.head.byteLength).toBe(range.end - range.padded);
      const absorbed = createSearchIndex({ snapshot: merged });
      expect(absorbed.search('musk').hits.map((h) => h.id).sort()).toEqual(['', 'b/🚀.md']);
      expect(absorbed.search('zurich').hits.map((h) => h.id)).toEqual(['c.md']);
    }
  });

  it('GIVEN a share whose key section holds fewer keys than its documents THEN merging throws a SnapshotError', () => {
    const share = (keys: string[]) => {
      const index = createSearchIndex();
      keys.forEach((key, i) => index.add(makeArticle({ id: key, title: `Story ${i}`, publishedAt: new Date(Date.UTC(2026, 10, 1 + i)) }), key));
      return index.serialize();
    };
    const bytes = share(['ab', 'cd']);
    // The NUL between the two keys made a letter: the section now reads as one key for two documents.
    const section = new TextEncoder().encode('ab\0cd');
    const at = Buffer.from(bytes).indexOf(Buffer.from(section));
    expect(at).toBeGreaterThan(0);
    const broken = bytes.slice();
    broken[at + 2] = 0x78;
    expect(() => mergeSnapshots([share(['x']), broken], true)).toThrow(SnapshotError);
  });

  it('GIVEN a snapshot whole or split THEN its chunks join into the bytes serialize wrote; a split one whose lists disagree with its header is refused', () => {
    const index = createSearchIndex();
    for (const a of corpus()) index.add(a);
    const bytes = index.serialize();
    expect(snapshotChunks(bytes)).toEqual([bytes]);
    const range = snapshotListsRange(bytes)!;
    const split: SplitSnapshot = { head: new Uint8Array([...bytes.subarray(0, range.start), ...bytes.subarray(range.start + range.padded)]), lists: bytes.slice(range.start, range.start + range.length) };
    expect(wholeBytes(split)).toEqual(bytes);
    expect(() => snapshotChunks({ head: split.head, lists: split.lists.subarray(1) })).toThrow(SnapshotError);
  });

  it('GIVEN a snapshot whose posting list is damaged THEN absorbing throws a SnapshotError and changes nothing', () => {
    const index = createSearchIndex();
    for (const a of corpus()) index.add(a);
    const bytes = index.serialize();
    // The posting lists sit just before the keys: the keys start with the first key, "a".
    const header = new Uint32Array(bytes.buffer, bytes.byteOffset, 8);
    const [, , docs, terms, , , , postingBytes] = header;
    const listsAt = [32, docs! * 8, docs!, terms! * 4, terms! * 4, terms! * 4].reduce((at, n) => at + ((n + 7) & ~7), 0);
    for (const damage of [(b: Uint8Array) => (b[listsAt] = 0), (b: Uint8Array) => b.fill(0xff, listsAt, listsAt + postingBytes!)]) {
      const broken = bytes.slice();
      damage(broken);
      const target = createSearchIndex();
      expect(() => target.absorb(broken)).toThrow(SnapshotError);
      expect(target.size).toBe(0);
    }
  });

  /** The section of each list's last document (i32 per word), as a view into `bytes`. */
  const lastsOf = (bytes: Uint8Array) => {
    const [, , docs, terms] = new Uint32Array(bytes.buffer, bytes.byteOffset, 8);
    const at = [32, docs! * 8, docs!, terms! * 4, terms! * 4].reduce((n, size) => n + ((size + 7) & ~7), 0);
    return new Int32Array(bytes.buffer, bytes.byteOffset + at, terms!);
  };

  it('GIVEN intact bytes THEN absorbing takes each list’s stored last document: answers, and words added after, are as with a checked absorb', () => {
    const original = createSearchIndex();
    for (const a of corpus()) original.add(a);
    const bytes = original.serialize();
    const checked = createSearchIndex();
    checked.absorb(bytes);
    const intact = createSearchIndex();
    intact.absorb(bytes, { intact: true });
    for (const q of queries) expect(intact.search(q)).toEqual(checked.search(q));
    // A new document's postings count their gaps from each list's last document.
    const later = makeArticle({ id: 'd', title: 'Musk and solar funds', publishedAt: new Date('2026-11-22T10:00:00Z') });
    checked.add(later);
    intact.add(later);
    for (const q of [...queries, 'solar funds']) expect(intact.search(q)).toEqual(checked.search(q));
    expect(intact.search('musk').hits.map((h) => h.id)).toContain('d');
    expect(intact.serialize()).toEqual(checked.serialize());
  });

  it('GIVEN a snapshot whose last documents disagree with its lists THEN a checked absorb throws; an intact one throws when they cannot be right', () => {
    const index = createSearchIndex();
    for (const a of corpus()) index.add(a);
    const bytes = index.serialize();
    const lasts = lastsOf(bytes);
    const word = lasts.findIndex((d) => d > 0);
    expect(word).toBeGreaterThanOrEqual(0);
    // Plausible but wrong: only reading the list through shows it.
    const shifted = bytes.slice();
    lastsOf(shifted)[word]! -= 1;
    expect(() => createSearchIndex().absorb(shifted)).toThrow(SnapshotError);
    // Impossible whatever the lists say: past the last document, or none for a list that has postings.
    for (const value of [3, -1, -2]) {
      const broken = bytes.slice();
      lastsOf(broken)[word] = value;
      const target = createSearchIndex();
      expect(() => target.absorb(broken, { intact: true })).toThrow(SnapshotError);
      expect(target.size).toBe(0);
    }
  });

  it('GIVEN shares merged as intact bytes THEN the merged snapshot is the one a checked merge makes', () => {
    const { whole, left, right } = indexedInTwo();
    const shares = [left.serialize(), right.serialize()];
    const merged = mergeSnapshots(shares, true);
    expect(merged).toEqual(mergeSnapshots(shares));
    // Absorbed with its lists read through (which checks its stored last documents), it answers as the whole.
    const absorbed = createSearchIndex({ snapshot: merged });
    for (const q of queries) expect(absorbed.search(q)).toEqual(whole.search(q));
  });

  it('GIVEN bytes that are not a snapshot, a cut one, or one of other fields THEN absorbing throws and changes nothing', () => {
    const index = createSearchIndex();
    index.add(corpus()[0]!);
    const bytes = index.serialize();
    const target = createSearchIndex();
    expect(() => target.absorb(new Uint8Array(64))).toThrow(SnapshotError);
    expect(() => target.absorb(bytes.slice(0, bytes.length - 16))).toThrow(SnapshotError);
    expect(() => createSearchIndex({ fields: ['title'] }).absorb(bytes)).toThrow(/other fields/);
    expect(target.size).toBe(0);
  });
});

describe('search index — document keys', () => {
  it('GIVEN thousands of keys added, removed (enough to compact the index) and added again THEN has, keyOf, size, keys and hits agree with a Map of the live keys', () => {
    const index = createSearchIndex();
    const model = new Map<string, string>();
    const add = (key: string, word: string) => {
      index.add(makeArticle({ id: key, title: `${word} story`, summary: '', publishedAt: new Date(Date.UTC(2026, 10, 1)) }), key);
      model.delete(key);
      model.set(key, word);
    };
    for (let i = 0; i < 3000; i++) add(`batch-${i % 7}/article-${i}.md`, i % 2 ? 'odd' : 'even');
    // Over a quarter of the documents removed: the index drops them and renumbers the rest.
    for (let i = 0; i < 3000; i += 4) {
      index.remove(`batch-${i % 7}/article-${i}.md`);
      model.delete(`batch-${i % 7}/article-${i}.md`);
    }
    for (let i = 1; i < 3000; i += 4) {
      index.remove(`batch-${i % 7}/article-${i}.md`);
      model.delete(`batch-${i % 7}/article-${i}.md`);
    }
    for (let i = 0; i < 3000; i += 8) add(`batch-${i % 7}/article-${i}.md`, 'back');
    for (let i = 2; i < 3000; i += 8) add(`batch-${i % 7}/article-${i}.md`, 'moved');
    index.remove('never/added.md');

    expect(index.size).toBe(model.size);
    expect([...index.keys()]).toEqual([...model.keys()]);
    for (let i = 0; i < 3000; i++) {
      const key = `batch-${i % 7}/article-${i}.md`;
      expect(index.has(key)).toBe(model.has(key));
      expect(index.keyOf(key)).toBe(model.has(key) ? key : undefined);
    }
    expect(index.has('never/added.md')).toBe(false);
    for (const word of ['odd', 'even', 'back', 'moved']) {
      const expected = [...model].filter(([, w]) => w === word).map(([k]) => k).sort();
      expect(index.search(word, { limit: 5000 }).hits.map((h) => h.id).sort()).toEqual(expected);
    }
    index.setHidden('batch-0/article-0.md', true);
    expect(index.search('back', { limit: 5000 }).hits.map((h) => h.id)).not.toContain('batch-0/article-0.md');
  });
});
