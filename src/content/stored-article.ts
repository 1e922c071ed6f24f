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

/**
 * A stored article with its publication time held as a number: `publishedAt` is made when read. A
 * `Date` object per article cost 96 bytes and one more object for every collection to trace (10 MB
 * at 100,000 articles); sorting and filtering read `publishedMs`, through {@link publishedMs}.
 */
class StoredRecord implements StoredArticle {
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
    readonly richness: number,
    readonly dedupe: readonly number[],
  ) {}

  get publishedAt(): Date {
    return new Date(this.publishedMs);
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

