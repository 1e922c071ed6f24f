import type { Article, ParsedArticle, Sentiment } from './article.ts';
import { dedupeHashes, richness } from './dedupe.ts';

/**
 * An article as the store holds it: the in-memory fields, and how rich the parsed copy was (dedupe
 * keeps the richest copy of a story, and the fields that measure it are not kept).
 */
export type StoredArticle = Article & {
  readonly richness: number;
  /** Its dedupe keys, hashed (see `dedupeHashes`). */
  readonly dedupe: readonly number[];
};

/** The dedupe keys of an article that has none, shared. */
const NO_KEYS: readonly number[] = Object.freeze([]);

/**
 * A stored article whose numbers are kept where they cost no object of their own: the publication
 * time as a number (`publishedAt` is made when read: a `Date` per article cost 96 bytes and one more
 * object for every collection to trace), the richness in thousandths and the dedupe keys (at most
 * three, 31-bit) as small integers in the record's own fields (`dedupe` makes their array when read:
 * an array per article was two objects more, and a number object for the richness one more). Sorting
 * and filtering read `publishedMs`, through {@link publishedMs}.
 */
class StoredRecord implements StoredArticle {
  /**
   * Set by the store that holds the record, not shown (see `ArticleStore`): a field of its own instead
   * of a set of a million records, which a restart filled and emptied once per article.
   */
  hiddenBy: object | undefined = undefined;
  /** Exact: a richness is a sum of multiples of 0.004 and 0.1 (see `richness`). */
  private readonly richnessMilli: number;
  private readonly keyCount: number;
  private readonly key0: number;
  private readonly key1: number;
  private readonly key2: number;

  constructor(
    readonly id: string,
    readonly file: string,
    readonly title: string,
    readonly url: string | null,
    readonly source: string | null,
    readonly publishedMs: number,
    readonly topics: string[],
    readonly sentiment: Sentiment,
    readonly sentimentSource: Article['sentimentSource'],
    readonly score: number,
    readonly externalId: string | null,
    richness: number,
    dedupe: readonly number[],
  ) {
    // `dedupeKeys` makes at most three: a URL, an upstream id and a title.
    if (dedupe.length > 3) throw new Error(`A stored article holds at most 3 dedupe keys, not ${dedupe.length}`);
    this.richnessMilli = Math.round(richness * 1000);
    this.keyCount = dedupe.length;
    this.key0 = dedupe[0] ?? 0;
    this.key1 = dedupe[1] ?? 0;
    this.key2 = dedupe[2] ?? 0;
  }

  get publishedAt(): Date {
    return new Date(this.publishedMs);
  }

  get richness(): number {
    return this.richnessMilli / 1000;
  }

  get dedupe(): readonly number[] {
    const n = this.keyCount;
    return n === 0 ? NO_KEYS : n === 1 ? [this.key0] : n === 2 ? [this.key0, this.key1] : [this.key0, this.key1, this.key2];
  }
}

/** The fields of a stored article, with its publication time as epoch milliseconds. */
export type StoredFields = Omit<StoredArticle, 'publishedAt'> & { publishedMs: number };

/** A stored article from its fields (the archive cache's records). */
export function makeStoredArticle(f: StoredFields): StoredArticle {
  return new StoredRecord(f.id, f.file, f.title, f.url, f.source, f.publishedMs, f.topics, f.sentiment, f.sentimentSource, f.score, f.externalId, f.richness, f.dedupe);
}

/** An article's publication time in epoch milliseconds, without making a `Date` for a stored one. */
export function publishedMs(a: Article): number {
  return a instanceof StoredRecord ? a.publishedMs : a.publishedAt.getTime();
}

/** An article's own fields as a plain object, `publishedAt` included (a stored one makes it when read). */
export function plainArticle(a: Article): Article {
  const { id, file, title, url, source, publishedAt, topics, sentiment, sentimentSource, score, externalId } = a;
  return { id, file, title, url, source, publishedAt, topics, sentiment, sentimentSource, score, externalId };
}

/** The in-memory part of a parsed article. */
export function storedArticle(a: ParsedArticle): StoredArticle {
  return new StoredRecord(a.id, a.file, a.title, a.url, a.source, a.publishedAt.getTime(), a.topics, a.sentiment, a.sentimentSource, a.score, a.externalId, richness(a), dedupeHashes(a));
}

