import { createSearchIndex, tokenize, type AbsorbKeys, type SnapshotBytes, type SnapshotIndex, type TypoCorrection } from '../search/search-index.ts';
import { mergeSnapshots, mergeSnapshotsSteps } from '../search/merge-snapshots.ts';
import { hashString, slotsFor, smallHash, staysAfterHole } from '../search/open-addressing.ts';
import { foldText, prepareQuery } from '../search/query.ts';
import { runStepsPausing } from '../search/steps.ts';
import type { Article, ArticleDetails, ArticleDetailsReader, ParsedArticle, Sentiment } from './article.ts';
import { DuplicateClusters, HashKeyMap } from './dedupe.ts';
import { sortNewestFirst } from './newest-first.ts';
import { isColumnRecord, plainArticle, publishedMs, storedArticle, titleHash, type StoredArticle } from './stored-article.ts';
import { createTopicCanonicaliser, topicKey, type TopicCanonicaliser } from './topics.ts';

/** Where parsed articles go: the file edge calls these as files appear, change and disappear. */
export interface ArticleSink {
  set(file: string, article: ParsedArticle): void;
  delete(file: string): void;
  /**
   * The file that holds `id`, when the sink keeps ids unique. After `set`, a different file here means
   * the article was held back because another file already has its id (`Same Name.md`, `same-name.md`).
   */
  idOwner?(id: string): string | undefined;
}

/** How the archive cache reads an index snapshot with its posting lists apart (see `SplitSnapshot`). */
export { SNAPSHOT_HEADER_BYTES, snapshotChunks, snapshotListsRange, type SnapshotBytes, type SplitSnapshot } from '../search/search-index.ts';

/**
 * The store's two indexes as bytes, for the archive cache or from a worker thread (see `SnapshotIndex.serialize`);
 * as read back from the cache, each may be in two parts (`SnapshotBytes`).
 */
export interface IndexSnapshots<B extends SnapshotBytes = Uint8Array> {
  index: B;
  titles: B;
}

/** Filters for listing articles, newest first. `from` is inclusive, `to` exclusive. */
export interface ArticleQuery {
  topic?: string;
  sentiment?: Sentiment;
  from?: Date;
  to?: Date;
  limit?: number;
  offset?: number;
}

/** One page of search results. */
export interface SearchPage {
  /** The query as run (trimmed, and cut to 200 characters). */
  query: string;
  truncated: boolean;
  /** Matches in all, before paging. */
  total: number;
  articles: Article[];
  /** Query words that also matched close spellings (`etherium` → `ethereum`): absent from the archive, or far rarer there. */
  corrections: TypoCorrection[];
  /** When nothing matches: the archive words closest to the query's unknown words ("did you mean ethereum?"). */
  suggestions: string[];
}

/** What a search may be narrowed to, and its order. `from` is inclusive. */
export interface SearchFilters {
  topic?: string;
  sentiment?: Sentiment;
  /** A source name, in any case. */
  source?: string;
  from?: Date;
  sort?: 'relevance' | 'newest';
}

/** A change listeners hear about. */
export type StoreChange = { type: 'set' | 'delete'; id: string };

const time = publishedMs;

/**
 * The store's two indexes built away from it (in a worker thread, which parses a share of the files),
 * keyed by file as the store keys them; `snapshot` goes to {@link ArticleStore.absorbIndex}.
 */
export function createIndexBuilder(): { add(file: string, article: ParsedArticle): void; snapshot(): IndexSnapshots } {
  const index = createSearchIndex();
  const titles = createSearchIndex({ fields: ['title'] });
  return {
    add(file, article) {
      index.add(article, file);
      titles.add(article, file);
    },
    snapshot: () => ({ index: index.serialize(), titles: titles.serialize() }),
  };
}

/** Index snapshots of disjoint files (the shares of a load parsed on worker threads) joined into one pair, files in the order given. */
export function mergeIndexSnapshots(list: readonly IndexSnapshots[]): IndexSnapshots<SnapshotBytes> {
  return { index: mergeSnapshots(list.map((s) => s.index)), titles: mergeSnapshots(list.map((s) => s.titles)) };
}

/**
 * `mergeIndexSnapshots`, awaiting `pause` between steps, so a large load keeps answering while its
 * shares are joined. `intact`: the bytes are known to be as written (see `AbsorbOptions`).
 */
export async function mergeIndexSnapshotsInSlices(list: readonly IndexSnapshots[], pause: () => Promise<void>, intact = false): Promise<IndexSnapshots<SnapshotBytes>> {
  return {
    index: await runStepsPausing(mergeSnapshotsSteps(list.map((s) => s.index), intact), pause),
    titles: await runStepsPausing(mergeSnapshotsSteps(list.map((s) => s.titles), intact), pause),
  };
}

/**
 * Articles by id, in one flat array with open addressing (linear probing; the key is read from the
 * article itself). A `Map` of 100,000 ids costs 3.7 MB; this costs 1.5 MB.
 *
 * Each slot keeps its id's hash beside the article, and a probe compares the hashes first: comparing
 * ids meant reading an article, then its id, at every step of a probe run, and at a million articles
 * those reads were the largest part of placing them.
 */
class ArticlesById {
  /** `undefined` marks a free slot; at most 80% full. */
  private slots: Array<StoredArticle | undefined> = new Array<StoredArticle | undefined>(16).fill(undefined);
  /** The hash of each slot's id (see `hashString`). */
  private hashes = new Int32Array(16);
  private mask = 15;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: string): StoredArticle | undefined {
    return this.slots[this.find(id, hashString(id))];
  }

  /** Makes room for `articles` articles in all, so a bulk load does not grow the table step by step. */
  reserve(articles: number): void {
    const size = slotsFor(articles, this.slots.length);
    if (size > this.slots.length) this.resize(size);
  }

  /** Files `article` under its id, in place of the article that held it. */
  set(article: StoredArticle): void {
    const h = hashString(article.id);
    let s = this.find(article.id, h);
    if (this.slots[s] === undefined) {
      const size = slotsFor(this.count + 1, this.slots.length);
      if (size > this.slots.length) {
        this.resize(size);
        s = this.find(article.id, h);
      }
      this.count++;
      this.hashes[s] = h;
    }
    this.slots[s] = article;
  }

  delete(id: string): void {
    let s = this.find(id, hashString(id));
    if (this.slots[s] === undefined) return;
    this.count--;
    // Backward-shift deletion: later articles of the probe run move up, so no tombstone is left behind.
    const { slots, hashes, mask } = this;
    for (let j = (s + 1) & mask; slots[j] !== undefined; j = (j + 1) & mask) {
      if (staysAfterHole(hashes[j]! & mask, s, j)) continue;
      slots[s] = slots[j];
      hashes[s] = hashes[j]!;
      s = j;
    }
    slots[s] = undefined;
  }

  /** Every article held, in no particular order. */
  *values(): Generator<StoredArticle> {
    for (const a of this.slots) if (a !== undefined) yield a;
  }

  /** The slot holding the article with `id` (whose hash is `h`), or the free slot where it would go. */
  private find(id: string, h: number): number {
    const { slots, hashes, mask } = this;
    let s = h & mask;
    for (let a = slots[s]; a !== undefined && (hashes[s] !== h || a.id !== id); a = slots[s]) s = (s + 1) & mask;
    return s;
  }

  /** Moves every article to a table of `size` slots, by the hashes held. */
  private resize(size: number) {
    const oldSlots = this.slots;
    const oldHashes = this.hashes;
    const slots = (this.slots = new Array<StoredArticle | undefined>(size).fill(undefined));
    const hashes = (this.hashes = new Int32Array(size));
    const mask = (this.mask = size - 1);
    for (let i = 0; i < oldSlots.length; i++) {
      const a = oldSlots[i];
      if (a === undefined) continue;
      const h = oldHashes[i]!;
      let s = h & mask;
      while (slots[s] !== undefined) s = (s + 1) & mask;
      slots[s] = a;
      hashes[s] = h;
    }
  }
}

/** A record as the store marks it: by a field of its own (`hiddenBy`, see `stored-article.ts`). */
type Markable = StoredArticle & { hiddenBy?: object };

/**
 * The holders a store does not show, as a set whose membership is a field of each record: a restart
 * adds and removes every article once (placed hidden, then shown), and a `Set` of records cost a
 * hash lookup each time, and its table. A record belongs to one store (the store interns it in place).
 */
class HiddenRecords {
  size = 0;

  has(a: StoredArticle): boolean {
    return (a as Markable).hiddenBy === this;
  }

  add(a: StoredArticle): void {
    if ((a as Markable).hiddenBy === this) return;
    (a as Markable).hiddenBy = this;
    this.size++;
  }

  delete(a: StoredArticle): void {
    if ((a as Markable).hiddenBy !== this) return;
    (a as Markable).hiddenBy = undefined;
    this.size--;
  }
}

/** Interned values stop growing here: past it, an archive with endless distinct sources just keeps copies. */
const MAX_INTERNED = 10_000;

/**
 * All articles in memory, deduplicated, with a search index kept in step. Every change is
 * incremental: a file set or deleted only touches its own duplicate cluster and index entries.
 *
 * Only {@link StoredArticle} fields stay in memory. Details (summary, impact bullets, image, related
 * stories) come from `details`, through the injected reader (the file edge reads the file again);
 * a store made without a reader keeps them in memory instead, which suits small sets and tests.
 *
 * Every parsed file is indexed under its path, winners and hidden duplicates alike: hiding or showing
 * a copy only flips a flag, so a store filled from the archive cache never needs an article's text.
 */
export class ArticleStore implements ArticleSink {
  /** Every parsed article by file, duplicates included. */
  private readonly byFile = new Map<string, StoredArticle>();
  /** Which files hold the same story; the store only shows each cluster's winner. */
  private readonly duplicateClusters = new DuplicateClusters(
    (file) => this.byFile.get(file),
    (file) => this.byFile.get(file)?.richness ?? 0,
  );
  /**
   * The article holding each id: the one in `byFile` with that id (any other file claiming it is held
   * back). Ids come from paths, folded, so two files can claim one id. Shown unless in `notShown`: one
   * map for "who owns the id" and "which article is visible" instead of two of 100,000 entries each.
   */
  private readonly holders = new ArticlesById();
  /** Holders not shown: duplicates hidden behind a richer copy, and an article being placed. */
  private readonly notShown = new HiddenRecords();
  /**
   * Visible ids by a hash of their folded title, for `resolve` by exact title: a number per article
   * instead of a second, folded copy of every title (the title is compared again on a hit). In flat
   * arrays rather than a `Map`: 2 MB instead of 3.7 at 100,000 articles.
   */
  private readonly titles = new HashKeyMap<string | string[]>();
  private index: SnapshotIndex = createSearchIndex();
  /**
   * Titles alone, for autocomplete: a match in a summary is no help when picking an article by name.
   * Without typo tolerance: a half-typed title is a prefix, and a second typo lookup would cost memory.
   */
  private titleIndex: SnapshotIndex = createSearchIndex({ fields: ['title'], typos: false });
  private readonly listeners = new Set<(e: StoreChange) => void>();
  private ordered: StoredArticle[] = [];
  private orderDirty = false;
  private topicCounts: { topic: string; count: number }[] | null = null;
  private sourceCounts: { source: string; count: number }[] | null = null;
  private readonly topicNames: TopicCanonicaliser;
  /** Articles held back because another file holds their id; one is shown when that file goes. */
  private readonly heldBack = new Map<string, StoredArticle>();
  private readonly reader: ArticleDetailsReader | undefined;
  /** Details by file, only for a store without a reader. */
  private readonly detailsByFile: Map<string, ArticleDetails> | undefined;
  /** One copy of each topic list, by its names joined: 100,000 articles share a few dozen. */
  private readonly interned = new Map<string, string[]>();
  /** Topic lists by identity, to the shared copy (bounded with `interned`). */
  private readonly internedLists = new Map<readonly string[], string[]>();
  /** Source names, to the shared copy (bounded with `interned`): looked up by the name itself, with no key string made per article. */
  private readonly sourceNames = new Map<string, string>();

  /**
   * `topics` lets filters accept any alias (`artificial intelligence` finds `AI`); use the loader's table.
   * `details` reads an article's details on demand; without it they are kept in memory.
   */
  constructor(options: { topics?: TopicCanonicaliser; details?: ArticleDetailsReader } = {}) {
    this.topicNames = options.topics ?? createTopicCanonicaliser();
    this.reader = options.details;
    this.detailsByFile = options.details ? undefined : new Map();
  }

  /**
   * Makes room for a bulk load of `articles` articles carrying `dedupeKeys` dedupe keys in all (the
   * archive's restore knows both), so its tables are sized once instead of doubling about twenty times.
   */
  reserve(articles: number, dedupeKeys: number): void {
    this.holders.reserve(articles);
    this.titles.reserve(articles);
    this.duplicateClusters.reserve(dedupeKeys);
  }

  /** True for a store made without a reader: it must be given whole parsed articles (`set`), never bare records. */
  get keepsDetails(): boolean {
    return this.detailsByFile !== undefined;
  }

  /** The comparison key of a topic filter typed by a person, through the alias table. */
  topicFilterKey(raw: string): string {
    return topicKey(this.topicNames.canonical(raw) ?? raw);
  }

  /**
   * The label of the loaded topic a person typed, through the alias table and ignoring case
   * (`artificial intelligence` → `AI`), or undefined when no loaded article has that topic.
   */
  resolveTopic(raw: string): string | undefined {
    const key = this.topicFilterKey(raw.trim());
    return this.topics().find((t) => this.topicFilterKey(t.topic) === key)?.topic;
  }

  /**
   * Adds or replaces the article that comes from `file`. If another file already holds its id, the
   * article is held back (see `idOwner`) until that file is deleted: one id never shows two stories,
   * and deleting either file never hides the other.
   */
  set(file: string, article: ParsedArticle): void {
    const stored = this.intern(storedArticle(article));
    const owner = this.holders.get(stored.id)?.file;
    // The file used to hold another id: it gives that one up first (a held-back copy may take it).
    if (owner !== undefined && owner !== file && this.byFile.has(file)) this.delete(file);
    this.index.add(article, file);
    this.titleIndex.add(article, file);
    if (this.detailsByFile) {
      const { schema, summary, impact, imageUrl, aiRewritten, related } = article;
      this.detailsByFile.set(file, { schema, summary, impact, imageUrl, aiRewritten, related });
    }
    this.place(file, stored);
  }

  /**
   * Adds an article whose words are already indexed under `file`: from the archive cache, or parsed
   * in a worker thread whose index arrives with {@link absorbIndex}. Otherwise the same as `set`. Returns
   * false when the article is held back because another file holds its id (see `idOwner`). The record is
   * the store's from here on: its path becomes the index's own copy.
   */
  restore(file: string, article: StoredArticle): boolean {
    // One copy of the path: the index already holds it as its key (from the snapshot), the record takes that one.
    // Taken whenever there is one: strings compare by value, so no test can tell the index's copy from the
    // record's own, and skipping "equal" ones kept a second copy of every path (48 MB at 1M).
    const doc = this.index.docOf(file);
    const shared = this.index.keyAt(doc);
    if (shared !== undefined) (article as { file: string }).file = shared;
    // Its document number too: showing it then sets its flag in both indexes without looking its path up again.
    return this.place(shared ?? file, this.intern(article), doc);
  }

  /**
   * Adds indexes built elsewhere (the archive cache, worker threads) to the store's own; a file already
   * indexed takes the snapshot's words. Nothing changes when the bytes are not a snapshot
   * (`SnapshotError`). Call {@link reconcileIndex} once every article is in.
   */
  absorbIndex(...snapshots: IndexSnapshots<SnapshotBytes>[]): void {
    for (const s of snapshots) {
      const fresh = this.index.size === 0;
      this.index.absorb(s.index);
      this.titleIndex.absorb(s.titles, this.titleKeys(s, fresh));
    }
  }

  /**
   * `absorbIndex`, awaiting `pause` every few thousand documents and words (a restart keeps answering
   * meanwhile). `intact`: the bytes are known to be as written, so their posting lists are not read
   * through; `inPlace`: the caller keeps the bytes anyway, so an empty store's lists stay in them; `listed`:
   * the caller's own strings for the files, sorted, taken as the keys where equal (see `AbsorbOptions`).
   */
  async absorbIndexInSlices(snapshots: IndexSnapshots<SnapshotBytes>, pause: () => Promise<void>, options: { intact?: boolean; inPlace?: boolean; listed?: readonly string[] } = {}): Promise<void> {
    const fresh = this.index.size === 0;
    await this.index.absorbInSlices(snapshots.index, pause, options);
    // The title index names the same files: it takes the main index's keys (see `titleKeys`).
    await this.titleIndex.absorbInSlices(snapshots.titles, pause, { ...this.titleKeys(snapshots, fresh), intact: options.intact, inPlace: options.inPlace });
  }

  /**
   * Both indexes key the same files: the title index shares the main one's key strings. Into an empty
   * store (a restart) the main snapshot's keys are the index's keys, in order, and the title snapshot
   * names the same files: it takes them whole, without decoding a second copy.
   */
  private titleKeys(s: IndexSnapshots<SnapshotBytes>, fresh: boolean): AbsorbKeys {
    const share = (key: string) => this.index.keyOf(key) ?? key;
    return fresh ? { share, sameAs: { snapshot: s.index, keys: this.index.keyList() } } : { share };
  }

  /**
   * Makes the indexes agree with the articles after a bulk load: hidden copies hidden, files no longer
   * held forgotten. `pause` is awaited every few thousand keys, so a large archive does not hold the event loop.
   */
  async reconcileIndex(pause?: () => Promise<void>): Promise<void> {
    for (const index of [this.index, this.titleIndex]) {
      let n = 0;
      for (const key of [...index.keys()]) {
        const a = this.byFile.get(key) ?? this.heldBack.get(key);
        if (!a) index.remove(key);
        else index.setHidden(key, this.visibleWith(a.id) !== a);
        if (pause && ++n % 10_000 === 0) await pause();
      }
    }
  }

  /** True when both indexes hold as many files as the store does: after a bulk load from the cache, no stray key is left to forget. */
  indexMatchesFiles(): boolean {
    const held = this.byFile.size + this.heldBack.size;
    return this.index.size === held && this.titleIndex.size === held;
  }

  /** The article held for `file` (shown, hidden as a duplicate, or held back for its id). */
  recordOf(file: string): StoredArticle | undefined {
    return this.byFile.get(file) ?? this.heldBack.get(file);
  }

  /** Both indexes as bytes, for the archive cache. */
  snapshotIndex(): IndexSnapshots {
    return { index: this.index.serialize(), titles: this.titleIndex.serialize() };
  }

  /**
   * The article with its details (summary, impact bullets, image, related stories), read through the
   * store's reader; null when the file is gone or no longer parses.
   */
  async details(article: Article): Promise<ParsedArticle | null> {
    const details = this.detailsByFile ? this.detailsByFile.get(article.file) : await this.reader!.read(article);
    return details ? { ...plainArticle(article), ...details } : null;
  }

  /**
   * Files `article` under `file`; false when it is held back because another file holds its id. `doc`: the
   * file's document in the main index, when the caller looked it up (-1 for not known).
   */
  private place(file: string, article: StoredArticle, doc = -1): boolean {
    const owner = this.holders.get(article.id)?.file;
    if (owner !== undefined && owner !== file) {
      this.heldBack.set(file, article);
      this.index.setHidden(file, true);
      this.titleIndex.setHidden(file, true);
      return false;
    }
    this.heldBack.delete(file);
    const old = this.byFile.get(file);
    // No set for a new file (the common case, 100,000 times in a load): only a replaced one had a cluster.
    const before = old ? this.duplicateClusters.cluster(file) : null;
    if (old) {
      this.duplicateClusters.unlink(file, old);
      if (this.visibleWith(old.id) === old) this.unshow(old);
      // The replaced copy gives up its id (the new one takes it just below, when it is the same id).
      if (this.holders.get(old.id) === old) this.holders.delete(old.id);
      this.notShown.delete(old);
    }
    this.holders.set(article);
    // Not shown until `show` (the fast path below, or `refresh`) says so.
    this.notShown.add(article);
    this.byFile.set(file, article);
    const alone = this.duplicateClusters.link(file, article);
    // Fast path: an article sharing no key with any other file is its own winner.
    if ((before === null || before.size <= 1) && alone) {
      this.show(file, article, doc);
      this.emit({ type: 'set', id: article.id });
      return true;
    }
    this.refresh(new Set([...(before ?? []), ...this.duplicateClusters.cluster(file)]));
    this.emit({ type: 'set', id: article.id });
    return true;
  }

  /** The file that holds `id`; any other file with the same id is held back. */
  idOwner(id: string): string | undefined {
    return this.holders.get(id)?.file;
  }

  /** Removes the article that came from `file`; a duplicate it was hiding, or a file held back for its id, shows again. */
  delete(file: string): void {
    if (this.heldBack.delete(file)) {
      this.forgetWords(file);
      return;
    }
    const article = this.byFile.get(file);
    if (!article) return;
    this.removeFile(file, article);
    if (this.holders.get(article.id) === article) this.holders.delete(article.id);
    this.notShown.delete(article);
    // The first held-back file (in path order, as a load would have chosen) takes the id over.
    let next: string | undefined;
    for (const [f, a] of this.heldBack) if (a.id === article.id && (next === undefined || f < next)) next = f;
    if (next !== undefined) this.restore(next, this.heldBack.get(next)!);
  }

  private forgetWords(file: string) {
    this.index.remove(file);
    this.titleIndex.remove(file);
    this.detailsByFile?.delete(file);
  }

  private removeFile(file: string, article: StoredArticle): void {
    const before = this.duplicateClusters.cluster(file);
    this.duplicateClusters.unlink(file, article);
    this.byFile.delete(file);
    this.hide(file, article);
    this.forgetWords(file);
    before.delete(file);
    this.refresh(before);
    this.emit({ type: 'delete', id: article.id });
  }

  /** The visible article with this id. */
  get(id: string): StoredArticle | undefined {
    return this.visibleWith(id);
  }

  /** Visible articles (duplicates merged). */
  get size(): number {
    return this.holders.size - this.notShown.size;
  }

  /**
   * How many sources carry the same story as this visible article: the distinct publishers of its
   * duplicate cluster (copies with no publisher count once each), at least 1. A digest ranking signal:
   * a story many outlets picked up matters more. Computed on demand, for the few candidates ranked.
   */
  sourceCount(article: Article): number {
    const rec = this.byFile.get(article.file);
    if (!rec || this.duplicateClusters.isAlone(rec)) return 1;
    const sources = new Set<string>();
    for (const f of this.duplicateClusters.cluster(article.file)) {
      const a = this.byFile.get(f);
      if (a) sources.add(a.source ? a.source.toLowerCase() : `file:${f}`);
    }
    return Math.max(1, sources.size);
  }

  /** Parsed articles hidden as duplicates of a richer copy. */
  duplicates(): number {
    return this.byFile.size - this.size;
  }

  /** Every visible article, newest first. */
  all(): readonly StoredArticle[] {
    if (this.orderDirty) {
      // Sized once: a million articles spread from the generator grew the array about twenty times.
      const shown = new Array<StoredArticle>(this.size);
      let k = 0;
      for (const a of this.shownArticles()) shown[k++] = a;
      shown.length = k;
      this.ordered = sortNewestFirst(shown);
      this.orderDirty = false;
    }
    return this.ordered;
  }

  /** Articles matching the filters, newest first. */
  query(q: ArticleQuery = {}): StoredArticle[] {
    const all = this.all();
    const to = q.to?.getTime() ?? Infinity;
    const from = q.from?.getTime() ?? -Infinity;
    // `all` is sorted by time descending: binary-search the first article older than `to`.
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (time(all[mid]!) >= to) lo = mid + 1;
      else hi = mid;
    }
    const topic = q.topic ? this.topicFilterKey(q.topic) : null;
    const offset = q.offset ?? 0;
    const limit = q.limit ?? Infinity;
    const out: StoredArticle[] = [];
    let skipped = 0;
    for (let i = lo; i < all.length && out.length < limit; i++) {
      const a = all[i]!;
      if (time(a) < from) break;
      if (q.sentiment && a.sentiment !== q.sentiment) continue;
      if (topic && !a.topics.some((t) => topicKey(t) === topic)) continue;
      if (skipped++ < offset) continue;
      out.push(a);
    }
    return out;
  }

  /** The visible article indexed under `file` (a search hit), if any. */
  private shown(file: string): StoredArticle | undefined {
    const a = this.byFile.get(file);
    return a && this.visibleWith(a.id) === a ? a : undefined;
  }

  /** Ranked full-text search; throws `QueryError` for an empty query. */
  search(raw: string, options: SearchFilters & { limit?: number; offset?: number } = {}): SearchPage {
    const { text, truncated } = prepareQuery(raw);
    const topic = options.topic ? this.topicFilterKey(options.topic) : null;
    // The loaded spelling, so each match is one string comparison (an unknown source matches nothing).
    const source = options.source ? (this.resolveSource(options.source) ?? options.source) : null;
    const from = options.from?.getTime() ?? null;
    const filter =
      topic || options.sentiment || source !== null || from !== null
        ? (file: string) => {
            const a = this.byFile.get(file);
            return (
              !!a &&
              (!options.sentiment || a.sentiment === options.sentiment) &&
              (from === null || time(a) >= from) &&
              (source === null || a.source === source) &&
              (!topic || a.topics.some((t) => topicKey(t) === topic))
            );
          }
        : undefined;
    const { total, hits, corrections = [] } = this.index.search(text, { filter, limit: options.limit ?? 10, offset: options.offset ?? 0, sort: options.sort });
    const articles = hits.map((h) => this.shown(h.id)).filter((a): a is StoredArticle => a !== undefined);
    // A close spelling already searched (and filtered out) is no suggestion: the filters are what to change.
    const searched = new Set(corrections.flatMap((c) => c.matches));
    const suggestions = total === 0 ? this.closestWords(text).filter((w) => !searched.has(w)) : [];
    return { query: text, truncated, total, articles, corrections, suggestions };
  }

  /** Up to five archive words closest to the query's words the archive does not hold, each word's best first. */
  private closestWords(text: string): string[] {
    const out = new Set<string>();
    const words = [...new Set(tokenize(text))].slice(0, 12);
    for (let rank = 0; rank < 3; rank++) for (const w of words) {
      const close = this.index.closestWords(w, 3)[rank];
      if (close !== undefined && out.size < 5) out.add(close);
    }
    return [...out];
  }

  /** Source names with their article counts, most common first. */
  sources(): { source: string; count: number }[] {
    if (!this.sourceCounts) {
      const counts = new Map<string, number>();
      for (const a of this.shownArticles()) if (a.source !== null) counts.set(a.source, (counts.get(a.source) ?? 0) + 1);
      this.sourceCounts = [...counts].map(([source, count]) => ({ source, count })).sort((a, b) => b.count - a.count || a.source.localeCompare(b.source));
    }
    return this.sourceCounts;
  }

  /** The loaded source a person typed, ignoring case and accents, or undefined when no shown article has it. */
  resolveSource(raw: string): string | undefined {
    const key = foldText(raw.trim());
    return this.sources().find((s) => foldText(s.source) === key)?.source;
  }

  /** Topics with their article counts, most common first. */
  topics(): { topic: string; count: number }[] {
    if (!this.topicCounts) {
      const counts = new Map<string, number>();
      for (const a of this.shownArticles()) for (const t of a.topics) counts.set(t, (counts.get(t) ?? 0) + 1);
      this.topicCounts = [...counts].map(([topic, count]) => ({ topic, count })).sort((a, b) => b.count - a.count || a.topic.localeCompare(b.topic));
    }
    return this.topicCounts;
  }

  /** Best title matches for autocomplete; the newest articles when nothing is typed. */
  suggest(text: string, limit = 25): StoredArticle[] {
    const typed = text.trim();
    if (!typed) return this.all().slice(0, limit);
    const exact = this.visibleWith(typed);
    const { hits } = this.titleIndex.search(typed.slice(0, 100), { limit });
    const out = hits.map((h) => this.shown(h.id)).filter((a): a is StoredArticle => a !== undefined);
    if (exact && !out.includes(exact)) out.unshift(exact);
    return out.slice(0, limit);
  }

  /** An article by id, else by exact title, else the best search hit. */
  resolve(idOrQuery: string): StoredArticle | undefined {
    const q = idOrQuery.trim();
    if (!q) return undefined;
    const byId = this.visibleWith(q) ?? this.visibleWith(q.replace(/\.md$/i, ''));
    if (byId) return byId;
    const folded = foldText(q);
    const byTitle = this.titles.get(smallHash(folded));
    for (const id of typeof byTitle === 'string' ? [byTitle] : [...(byTitle ?? [])].reverse()) {
      const a = this.visibleWith(id);
      if (a && foldText(a.title) === folded) return a;
    }
    const hit = this.index.search(prepareQuery(q).text, { limit: 1 }).hits[0];
    return hit ? this.shown(hit.id) : undefined;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onChange(listener: (e: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: StoreChange) {
    for (const l of this.listeners) l(e);
  }

  /** Shows the winner of every cluster touching `files` and hides the rest; only winners are visible and searchable. */
  private refresh(files: Set<string>) {
    for (const { members, winner } of this.duplicateClusters.clustersOf(files)) {
      for (const m of members) {
        const a = this.byFile.get(m)!;
        if (m === winner) this.show(m, a);
        else this.hide(m, a);
      }
    }
  }

  /** `doc`: the file's document in the main index, if known (see `place`). */
  private show(file: string, article: StoredArticle, doc = -1) {
    if (doc >= 0) this.index.setHiddenAt(doc, false);
    else this.index.setHidden(file, false);
    // The title index numbers the same files alike after a restart (it takes the main index's keys): the
    // same string under the same number is the same document. Otherwise it is looked up.
    if (doc >= 0 && this.titleIndex.keyAt(doc) === file) this.titleIndex.setHiddenAt(doc, false);
    else this.titleIndex.setHidden(file, false);
    const current = this.visibleWith(article.id);
    if (current === article) return;
    if (current) {
      this.forgetTitle(current);
      this.notShown.add(current);
    }
    this.notShown.delete(article);
    this.rememberTitle(article);
    this.changed();
  }

  private hide(file: string, article: StoredArticle) {
    this.index.setHidden(file, true);
    this.titleIndex.setHidden(file, true);
    if (this.visibleWith(article.id) === article) this.unshow(article);
  }

  /** Takes a visible article out of the listings (its words are hidden by the caller, or replaced). */
  private unshow(article: StoredArticle) {
    this.notShown.add(article);
    this.forgetTitle(article);
    this.changed();
  }

  /** The visible article with this id: its holder, unless that one is not shown. */
  private visibleWith(id: string): StoredArticle | undefined {
    const a = this.holders.get(id);
    return a === undefined || this.notShown.has(a) ? undefined : a;
  }

  /** Every visible article, in no particular order. */
  private *shownArticles(): Generator<StoredArticle> {
    for (const a of this.holders.values()) if (!this.notShown.has(a)) yield a;
  }

  private rememberTitle(article: StoredArticle) {
    const h = titleHash(article);
    const ids = this.titles.get(h);
    if (ids === undefined || ids === article.id) this.titles.set(h, article.id);
    else if (typeof ids === 'string') this.titles.set(h, [ids, article.id]);
    else if (!ids.includes(article.id)) ids.push(article.id);
  }

  private forgetTitle(article: StoredArticle) {
    const h = titleHash(article);
    const ids = this.titles.get(h);
    if (ids === article.id) this.titles.delete(h);
    else if (typeof ids === 'object') {
      const rest = ids.filter((id) => id !== article.id);
      if (rest.length === 1) this.titles.set(h, rest[0]!);
      else this.titles.set(h, rest);
    }
  }

  private changed() {
    this.orderDirty = true;
    this.topicCounts = null;
    this.sourceCounts = null;
  }

  /** Shares source names and topic lists between articles. The record is the store's from here on, so it is changed in place. */
  private intern(a: StoredArticle): StoredArticle {
    const own = a as { source: string | null; topics: string[] };
    // A column record reads both from its segment's tables, one copy of each already (and cannot be assigned).
    if (isColumnRecord(a) || this.interned.size + this.sourceNames.size >= MAX_INTERNED) return a;
    // A list already seen as it is (the archive cache hands out one array per distinct list) needs no key:
    // no joined string is made for each of 100,000 restored articles.
    const list = this.internedLists.get(a.topics);
    if (a.source !== null) {
      const seen = this.sourceNames.get(a.source);
      if (seen !== undefined) own.source = seen;
      else this.sourceNames.set(a.source, a.source);
    }
    if (list !== undefined) own.topics = list;
    else {
      const topics = a.topics;
      own.topics = this.once(topics.join('\n'), topics);
      // Only the shared copies are kept by identity: a parsed article's own array is never held.
      if (own.topics === topics) this.internedLists.set(topics, topics);
    }
    return a;
  }

  private once(key: string, value: string[]): string[] {
    const seen = this.interned.get(key);
    if (seen !== undefined) return seen;
    this.interned.set(key, value);
    return value;
  }
}
