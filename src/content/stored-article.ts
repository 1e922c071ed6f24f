import type { Article, ParsedArticle, Sentiment } from './article.ts';
import { FNV_OFFSET, FNV_PRIME, smallHash } from '../search/open-addressing.ts';
import { foldText } from '../search/query.ts';
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
 * What every stored record reads through its prototype: the publication time as a `Date` (made when
 * read: a `Date` per article cost 96 bytes and one more object for every collection to trace), the
 * richness from thousandths, and the dedupe keys as an array (made when read: an array per article was
 * two objects more, and a number object for the richness one more).
 */
const recordMethods = {
  get publishedAt(): Date {
    return new Date(publishedMs(this as unknown as Article));
  },
  get richness(): number {
    return (this as unknown as RecordFields).richnessMilli / 1000;
  },
  get dedupe(): readonly number[] {
    const r = this as unknown as RecordFields;
    const n = r.keyCount;
    return n === 0 ? NO_KEYS : n === 1 ? [r.key0] : n === 2 ? [r.key0, r.key1] : [r.key0, r.key1, r.key2];
  },
};

/** Where a record splits its publication time into two small integers (see `RecordFields.publishedHi`). */
const PUBLISHED_SPLIT = 2 ** 21;

/** A record's own fields: the article's, with its numbers where they cost no object of their own. */
interface RecordFields extends Omit<StoredArticle, 'publishedAt' | 'richness' | 'dedupe'> {
  /** Set by the store that holds the record, not shown (see `ArticleStore`). */
  hiddenBy: object | undefined;
  /**
   * The publication time in epoch milliseconds, as `publishedHi * 2^21 + publishedLo`: two small
   * integers kept in the record itself. A number past 2^31 would be an object of its own, made apart
   * from the record (which V8 makes in the old generation) and moved by the young generation's
   * collections to anywhere: sorting a million articles by it then read memory at random.
   */
  readonly publishedHi: number;
  readonly publishedLo: number;
  /** Exact: a richness is a sum of multiples of 0.004 and 0.1 (see `richness`). */
  readonly richnessMilli: number;
  /** The dedupe keys (at most three, 31-bit) in the record's own fields. */
  readonly keyCount: number;
  readonly key0: number;
  readonly key1: number;
  readonly key2: number;
}

/**
 * A stored article, one argument per field (the archive cache's columns: a restart makes a million, and
 * an object of fields and an array of keys for each were garbage); `keyCount` keys, at most three (a
 * URL, an upstream id and a title), are in `key0`…`key2`.
 *
 * An object literal over {@link recordMethods}, made in this one place. A literal, not an instance of a
 * class: V8 follows how long a literal's objects live, site by site, and once nearly all survive it makes
 * them straight in the old generation. A restart makes a million records that all live; made by `new`,
 * each was copied twice by the young generation's collections first.
 */
export function storedRecord(
  id: string,
  file: string,
  title: string,
  url: string | null,
  source: string | null,
  publishedMs: number,
  topics: string[],
  sentiment: Sentiment,
  sentimentSource: Article['sentimentSource'],
  score: number,
  externalId: string | null,
  richness: number,
  keyCount: number,
  key0: number,
  key1: number,
  key2: number,
): StoredArticle {
  if (keyCount > 3) throw new Error(`A stored article holds at most 3 dedupe keys, not ${keyCount}`);
  const publishedHi = Math.floor(publishedMs / PUBLISHED_SPLIT);
  const fields: RecordFields & { __proto__: typeof recordMethods } = {
    __proto__: recordMethods,
    hiddenBy: undefined,
    id,
    file,
    title,
    url,
    source,
    publishedHi,
    publishedLo: publishedMs - publishedHi * PUBLISHED_SPLIT,
    topics,
    sentiment,
    sentimentSource,
    score,
    externalId,
    richnessMilli: Math.round(richness * 1000),
    keyCount,
    key0,
    key1,
    key2,
  };
  return fields as unknown as StoredArticle;
}

/**
 * The text fields of stored articles kept as bytes (the archive cache's text column), read into a string
 * when asked for: field 0 is the title, 1 the URL, 2 the upstream id (null for none).
 */
export interface RowText {
  text(row: number, field: 0 | 1 | 2): string | null;
  /** `foldedTitleHash` of the row's title, as stored beside it (no string made: a restart files every title by it). */
  titleHash(row: number): number;
}

/**
 * A segment of stored articles kept as columns (the archive cache's record segments), read by row: a
 * {@link columnRecord} keeps only its row and what the store looks at for every article.
 */
export interface RowColumns extends RowText {
  source(row: number): string | null;
  topics(row: number): string[];
  sentiment(row: number): Sentiment;
  sentimentSource(row: number): Article['sentimentSource'];
  score(row: number): number;
  richness(row: number): number;
  /** Copies the row's dedupe keys (see `dedupeHashes`, at most three) into `into`; returns how many. */
  keys(row: number, into: number[]): number;
  /** The row's dedupe keys, as a new array. */
  dedupe(row: number): readonly number[];
}

/** One ASCII code into a folded title's hash: folding ASCII only lowers A–Z, so the code is lowered as it is hashed. */
const foldedStep = (h: number, c: number) => Math.imul(h ^ (c >= 65 && c <= 90 ? c + 32 : c), FNV_PRIME);

/**
 * `smallHash(foldText(title))`, without the folded copy for an ASCII title (the common case; see
 * `foldedStep`). The store files every title by it.
 */
export function foldedTitleHash(title: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < title.length; i++) {
    const c = title.charCodeAt(i);
    if (c > 0x7f) return smallHash(foldText(title));
    h = foldedStep(h, c);
  }
  return h >>> 1;
}

/** The hash the store files an article's title under (see `foldedTitleHash`); a column-backed record's is stored in its row. */
export function titleHash(a: Article): number {
  const r = a as Partial<ColumnFields>;
  return r.columns !== undefined ? r.columns.titleHash(r.row!) : foldedTitleHash(a.title);
}

/**
 * What a column-backed record reads through its prototype: every field but its id, path and date, from its
 * row (see `columnRecord`); its `publishedAt` is a record's (its own date fields are a record's).
 */
const columnRecordMethods = {
  __proto__: recordMethods,
  get title(): string {
    const r = this as unknown as ColumnFields;
    return r.columns.text(r.row, 0) ?? '';
  },
  get url(): string | null {
    const r = this as unknown as ColumnFields;
    return r.columns.text(r.row, 1);
  },
  get externalId(): string | null {
    const r = this as unknown as ColumnFields;
    return r.columns.text(r.row, 2);
  },
  get source(): string | null {
    const r = this as unknown as ColumnFields;
    return r.columns.source(r.row);
  },
  get topics(): string[] {
    const r = this as unknown as ColumnFields;
    return r.columns.topics(r.row);
  },
  get sentiment(): Sentiment {
    const r = this as unknown as ColumnFields;
    return r.columns.sentiment(r.row);
  },
  get sentimentSource(): Article['sentimentSource'] {
    const r = this as unknown as ColumnFields;
    return r.columns.sentimentSource(r.row);
  },
  get score(): number {
    const r = this as unknown as ColumnFields;
    return r.columns.score(r.row);
  },
  get richness(): number {
    const r = this as unknown as ColumnFields;
    return r.columns.richness(r.row);
  },
  get dedupe(): readonly number[] {
    const r = this as unknown as ColumnFields;
    return r.columns.dedupe(r.row);
  },
};

/** A column-backed record's own fields: its row of a {@link RowColumns}, and what the store reads of every article. */
interface ColumnFields {
  hiddenBy: object | undefined;
  readonly id: string;
  readonly file: string;
  readonly columns: RowColumns;
  readonly row: number;
  /** As in `RecordFields`: sorting a million articles by date reads them, so they are the record's own. */
  readonly publishedHi: number;
  readonly publishedLo: number;
}

/**
 * A stored article that keeps its row of `columns` (row `row`) and reads every other field from there
 * when asked: a restart from the archive cache makes a million of these. A record of every field was 160
 * bytes of heap, with a number object for most scores, and every collection during the load traced it;
 * this one is 80, and the columns it reads are typed arrays that no collection looks into. Its title,
 * URL and upstream id stay as bytes until read (for the few articles a command or a digest shows).
 *
 * Its fields other than `file` and `hiddenBy` cannot be assigned (the store shares nothing more of it:
 * the segment's tables of sources and topic lists hold one copy each already). A literal, made in this
 * one place, for the reason given at {@link storedRecord}.
 */
export function columnRecord(columns: RowColumns, row: number, id: string, file: string, publishedMs: number): StoredArticle {
  const publishedHi = Math.floor(publishedMs / PUBLISHED_SPLIT);
  const fields: ColumnFields & { __proto__: typeof columnRecordMethods } = {
    __proto__: columnRecordMethods,
    hiddenBy: undefined,
    id,
    file,
    columns,
    row,
    publishedHi,
    publishedLo: publishedMs - publishedHi * PUBLISHED_SPLIT,
  };
  return fields as unknown as StoredArticle;
}

/** True for a record whose fields other than its id, path and date live in a {@link RowColumns} (they cannot be assigned). */
export function isColumnRecord(a: Article): boolean {
  return (a as Partial<ColumnFields>).columns !== undefined;
}

/** The fields of a stored article, with its publication time as epoch milliseconds. */
export type StoredFields = Omit<StoredArticle, 'publishedAt'> & { publishedMs: number };

/** A stored article from its fields (the archive cache's records). */
export function makeStoredArticle(f: StoredFields): StoredArticle {
  const d = f.dedupe;
  return storedRecord(f.id, f.file, f.title, f.url, f.source, f.publishedMs, f.topics, f.sentiment, f.sentimentSource, f.score, f.externalId, f.richness, d.length, d[0] ?? 0, d[1] ?? 0, d[2] ?? 0);
}

/**
 * An article's publication time in epoch milliseconds, without making a `Date` for a stored one. Told
 * apart by its own `publishedHi` field, which no other kind of article has: one field read, where
 * comparing prototypes took 40 ns in sorting a million articles newest first.
 */
export function publishedMs(a: Article): number {
  const r = a as Partial<RecordFields>;
  const hi = r.publishedHi;
  return hi !== undefined ? hi * PUBLISHED_SPLIT + r.publishedLo! : a.publishedAt.getTime();
}

/** An article's own fields as a plain object, `publishedAt` included (a stored one makes it when read). */
export function plainArticle(a: Article): Article {
  const { id, file, title, url, source, publishedAt, topics, sentiment, sentimentSource, score, externalId } = a;
  return { id, file, title, url, source, publishedAt, topics, sentiment, sentimentSource, score, externalId };
}

/** The in-memory part of a parsed article. */
export function storedArticle(a: ParsedArticle): StoredArticle {
  const d = dedupeHashes(a);
  return storedRecord(a.id, a.file, a.title, a.url, a.source, a.publishedAt.getTime(), a.topics, a.sentiment, a.sentimentSource, a.score, a.externalId, richness(a), d.length, d[0] ?? 0, d[1] ?? 0, d[2] ?? 0);
}

