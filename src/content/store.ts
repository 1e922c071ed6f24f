import { createSearchIndex, type SearchIndex } from '../search/search-index.ts';
import { foldText, prepareQuery } from '../search/query.ts';
import type { Article, Sentiment } from './article.ts';
import { DuplicateClusters } from './dedupe.ts';
import { createTopicCanonicaliser, topicKey, type TopicCanonicaliser } from './topics.ts';

/** Where parsed articles go: the file edge calls these as files appear, change and disappear. */
export interface ArticleSink {
  set(file: string, article: Article): void;
  delete(file: string): void;
  /**
   * The file that holds `id`, when the sink keeps ids unique. After `set`, a different file here means
   * the article was held back because another file already has its id (`Same Name.md`, `same-name.md`).
   */
  idOwner?(id: string): string | undefined;
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
}

/** A change listeners hear about. */
export type StoreChange = { type: 'set' | 'delete'; id: string };

const time = (a: Article) => a.publishedAt.getTime();
const newestFirst = (a: Article, b: Article) => time(b) - time(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * All articles in memory, deduplicated, with a search index kept in step. Every change is
 * incremental: a file set or deleted only touches its own duplicate cluster and index entries.
 */
export class ArticleStore implements ArticleSink {
  /** Every parsed article by file, duplicates included. */
  private readonly byFile = new Map<string, Article>();
  /** Which files hold the same story; the store only shows each cluster's winner. */
  private readonly duplicateClusters = new DuplicateClusters((file) => this.byFile.get(file));
  /** Visible (winning) articles by id. */
  private readonly visible = new Map<string, Article>();
  private readonly titles = new Map<string, string>();
  private readonly index: SearchIndex = createSearchIndex();
  /** Titles alone, for autocomplete: a match in a summary is no help when picking an article by name. */
  private readonly titleIndex: SearchIndex = createSearchIndex({ fields: ['title'] });
  private readonly listeners = new Set<(e: StoreChange) => void>();
  private ordered: Article[] = [];
  private orderDirty = false;
  private topicCounts: { topic: string; count: number }[] | null = null;
  private readonly topicNames: TopicCanonicaliser;
  /** Which file holds each id. Ids come from paths, folded, so two files can claim one id. */
  private readonly owners = new Map<string, string>();
  /** Articles held back because another file holds their id; one is shown when that file goes. */
  private readonly heldBack = new Map<string, Article>();

  /** `topics` lets filters accept any alias (`artificial intelligence` finds `AI`); use the loader's table. */
  constructor(options: { topics?: TopicCanonicaliser } = {}) {
    this.topicNames = options.topics ?? createTopicCanonicaliser();
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
  set(file: string, article: Article): void {
    const owner = this.owners.get(article.id);
    if (owner !== undefined && owner !== file) {
      this.heldBack.set(file, article);
      return;
    }
    this.heldBack.delete(file);
    this.owners.set(article.id, file);
    const old = this.byFile.get(file);
    if (old && old.id !== article.id && this.owners.get(old.id) === file) this.owners.delete(old.id);
    const before = old ? this.duplicateClusters.cluster(file) : new Set<string>();
    if (old) this.duplicateClusters.unlink(file, old);
    this.byFile.set(file, article);
    this.duplicateClusters.link(file, article);
    // Fast path: an article sharing no key with any other file is its own winner.
    if (before.size <= 1 && this.duplicateClusters.isAlone(article)) {
      this.show(article);
      this.emit({ type: 'set', id: article.id });
      return;
    }
    this.refresh(new Set([...before, ...this.duplicateClusters.cluster(file)]));
    this.emit({ type: 'set', id: article.id });
  }

  /** The file that holds `id`; any other file with the same id is held back. */
  idOwner(id: string): string | undefined {
    return this.owners.get(id);
  }

  /** Removes the article that came from `file`; a duplicate it was hiding, or a file held back for its id, shows again. */
  delete(file: string): void {
    if (this.heldBack.delete(file)) return;
    const article = this.byFile.get(file);
    if (!article) return;
    this.removeFile(file, article);
    this.owners.delete(article.id);
    // The first held-back file (in path order, as a load would have chosen) takes the id over.
    let next: string | undefined;
    for (const [f, a] of this.heldBack) if (a.id === article.id && (next === undefined || f < next)) next = f;
    if (next !== undefined) this.set(next, this.heldBack.get(next)!);
  }

  private removeFile(file: string, article: Article): void {
    const before = this.duplicateClusters.cluster(file);
    this.duplicateClusters.unlink(file, article);
    this.byFile.delete(file);
    this.hide(article);
    before.delete(file);
    this.refresh(before);
    this.emit({ type: 'delete', id: article.id });
  }

  /** The visible article with this id. */
  get(id: string): Article | undefined {
    return this.visible.get(id);
  }

  /** Visible articles (duplicates merged). */
  get size(): number {
    return this.visible.size;
  }

  /** Parsed articles hidden as duplicates of a richer copy. */
  duplicates(): number {
    return this.byFile.size - this.visible.size;
  }

  /** Every visible article, newest first. */
  all(): readonly Article[] {
    if (this.orderDirty) {
      this.ordered = [...this.visible.values()].sort(newestFirst);
      this.orderDirty = false;
    }
    return this.ordered;
  }

  /** Articles matching the filters, newest first. */
  query(q: ArticleQuery = {}): Article[] {
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
    const out: Article[] = [];
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

  /** Ranked full-text search; throws `QueryError` for an empty query. */
  search(raw: string, options: { limit?: number; offset?: number; topic?: string; sentiment?: Sentiment } = {}): SearchPage {
    const { text, truncated } = prepareQuery(raw);
    const topic = options.topic ? this.topicFilterKey(options.topic) : null;
    const filter =
      topic || options.sentiment
        ? (id: string) => {
            const a = this.visible.get(id);
            return !!a && (!options.sentiment || a.sentiment === options.sentiment) && (!topic || a.topics.some((t) => topicKey(t) === topic));
          }
        : undefined;
    const { total, hits } = this.index.search(text, { filter, limit: options.limit ?? 10, offset: options.offset ?? 0 });
    const articles = hits.map((h) => this.visible.get(h.id)).filter((a): a is Article => a !== undefined);
    return { query: text, truncated, total, articles };
  }

  /** Topics with their article counts, most common first. */
  topics(): { topic: string; count: number }[] {
    if (!this.topicCounts) {
      const counts = new Map<string, number>();
      for (const a of this.visible.values()) for (const t of a.topics) counts.set(t, (counts.get(t) ?? 0) + 1);
      this.topicCounts = [...counts].map(([topic, count]) => ({ topic, count })).sort((a, b) => b.count - a.count || a.topic.localeCompare(b.topic));
    }
    return this.topicCounts;
  }

  /** Best title matches for autocomplete; the newest articles when nothing is typed. */
  suggest(text: string, limit = 25): Article[] {
    const typed = text.trim();
    if (!typed) return this.all().slice(0, limit);
    const exact = this.visible.get(typed);
    const { hits } = this.titleIndex.search(typed.slice(0, 100), { limit });
    const out = hits
      .map((h) => this.visible.get(h.id))
      .filter((a): a is Article => a !== undefined);
    if (exact && !out.includes(exact)) out.unshift(exact);
    return out.slice(0, limit);
  }

  /** An article by id, else by exact title, else the best search hit. */
  resolve(idOrQuery: string): Article | undefined {
    const q = idOrQuery.trim();
    if (!q) return undefined;
    const byId = this.visible.get(q) ?? this.visible.get(q.replace(/\.md$/i, ''));
    if (byId) return byId;
    const byTitle = this.titles.get(foldText(q));
    if (byTitle) return this.visible.get(byTitle);
    const hit = this.index.search(prepareQuery(q).text, { limit: 1 }).hits[0];
    return hit ? this.visible.get(hit.id) : undefined;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onChange(listener: (e: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: StoreChange) {
    for (const l of this.listeners) l(e);
  }

  /** Shows the winner of every cluster touching `files` and hides the rest; only winners are visible and indexed. */
  private refresh(files: Set<string>) {
    for (const { members, winner } of this.duplicateClusters.clustersOf(files)) {
      for (const m of members) {
        const a = this.byFile.get(m)!;
        if (m === winner) this.show(a);
        else this.hide(a);
      }
    }
  }

  private show(article: Article) {
    const current = this.visible.get(article.id);
    if (current === article) return;
    if (current) this.titles.delete(foldText(current.title));
    this.visible.set(article.id, article);
    this.titles.set(foldText(article.title), article.id);
    this.index.add(article);
    this.titleIndex.add(article);
    this.changed();
  }

  private hide(article: Article) {
    if (this.visible.get(article.id) !== article) return;
    this.visible.delete(article.id);
    if (this.titles.get(foldText(article.title)) === article.id) this.titles.delete(foldText(article.title));
    this.index.remove(article.id);
    this.titleIndex.remove(article.id);
    this.changed();
  }

  private changed() {
    this.orderDirty = true;
    this.topicCounts = null;
  }
}
