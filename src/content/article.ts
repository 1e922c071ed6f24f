import { z } from 'zod';

/** The three sentiments a digest is grouped by, in display order. */
export const SENTIMENTS = ['positive', 'negative', 'neutral'] as const;

/** An article's sentiment. */
export const Sentiment = z.enum(SENTIMENTS);
export type Sentiment = z.infer<typeof Sentiment>;

/** Where an article's sentiment came from: its own front matter, or the lexicon. */
export const SentimentSource = z.enum(['frontmatter', 'inferred']);
export type SentimentSource = z.infer<typeof SentimentSource>;

/** A story the aggregator lists next to the main one. */
export const RelatedArticle = z.object({
  title: z.string(),
  url: z.string().nullable(),
  source: z.string().nullable(),
  publishedAt: z.coerce.date().nullable(),
});
export type RelatedArticle = z.infer<typeof RelatedArticle>;

/**
 * One news article as parsed from its file, whichever front-matter schema it came from. Every text
 * field is already repaired (mojibake, HTML entities) and every URL is http(s) or null, so renderers
 * can trust it. The store keeps only the {@link Article} part in memory; the rest
 * ({@link ArticleDetails}) is read again from the file when a command shows it.
 */
export const ParsedArticle = z.object({
  /** Stable slug from the file path relative to the content dir, without `.md`; at most 100 characters. */
  id: z.string().min(1).max(100),
  /** The path relative to the content dir, with forward slashes. */
  file: z.string(),
  /** Which front-matter schema the file used. */
  schema: z.enum(['rss-rewritten', 'aggregator']),
  title: z.string().min(1),
  url: z.string().nullable(),
  /** The publisher's display name. */
  source: z.string().nullable(),
  publishedAt: z.coerce.date(),
  /** Canonical topic labels in display case (`AI`, `Bitcoin`, `General`...), never empty: `General` when the file has none. */
  topics: z.array(z.string()).min(1),
  summary: z.string(),
  sentiment: Sentiment,
  sentimentSource: SentimentSource,
  /** The "Impact on the crypto market" bullets, as plain text. */
  impact: z.array(z.string()),
  imageUrl: z.string().nullable(),
  /** A ranking signal: higher is more prominent. */
  score: z.number(),
  aiRewritten: z.boolean(),
  related: z.array(RelatedArticle),
  /** The upstream id (schema A), used for dedupe. */
  externalId: z.string().nullable(),
});
export type ParsedArticle = z.infer<typeof ParsedArticle>;

/**
 * What the store holds of an article in memory: what digests, lists, search results and autocomplete
 * show, and what dedupe compares. At 100,000 articles the rest (summaries, impact bullets, images,
 * related stories) would cost more than the search index; it is read on demand ({@link ArticleDetails}).
 */
export const Article = ParsedArticle.pick({
  id: true,
  file: true,
  title: true,
  url: true,
  source: true,
  publishedAt: true,
  topics: true,
  sentiment: true,
  sentimentSource: true,
  score: true,
  externalId: true,
});
export type Article = z.infer<typeof Article>;

/** The part of a parsed article that is not kept in memory: read from the file when `/news impact` or the CLI shows it. */
export type ArticleDetails = Omit<ParsedArticle, keyof Article>;

/** Reads an article's details from wherever it came from (the file edge implements it); null when it is gone or no longer parses. */
export interface ArticleDetailsReader {
  read(article: Article): Promise<ArticleDetails | null>;
}

/** Why one content file was skipped: the file, the field path (dotted, or `''` for the whole file) and a readable reason. */
export const ContentIssue = z.object({
  file: z.string(),
  path: z.string(),
  message: z.string(),
});
export type ContentIssue = z.infer<typeof ContentIssue>;
