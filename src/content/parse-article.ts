import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { inferSentiment, parseSentiment } from '../classify/sentiment.ts';
import { foldText } from '../search/query.ts';
import { indexLimitNotice } from '../search/search-index.ts';
import type { ContentIssue, ParsedArticle, RelatedArticle } from './article.ts';
import { parseArticleDate } from './dates.ts';
import { readFrontMatter } from './front-matter.ts';
import { extractImpact, firstParagraph } from './impact.ts';
import { repairText, safeUrl } from './normalise.ts';
import { detectSchema, readSchemaA, readSchemaB } from './schemas.ts';
import { createTopicCanonicaliser, type TopicCanonicaliser } from './topics.ts';

export { SAFE_MATTER_OPTIONS } from './front-matter.ts';

/** One content file, as read by the file edge. `file` is relative to the content dir, with `/`. */
export interface ContentFile {
  file: string;
  text: string;
}

/**
 * The outcome of parsing one file: never an exception. An article may come with notices: it loads,
 * but something about it was cut (see `indexLimitNotice`), and the load report says so.
 */
export type ParseResult =
  | { kind: 'article'; article: ParsedArticle; notices?: ContentIssue[] }
  | { kind: 'excluded'; file: string; reason: string }
  | { kind: 'issue'; issue: ContentIssue };

/** What every parse of one load shares. */
export interface ParseOptions {
  /** The current time, for the date range (a day ahead at most). Passed in: the parser never reads the clock. */
  now: Date;
  /** IANA zone of timestamps written without one (`CONTENT_TIMEZONE`); UTC by default. */
  timeZone?: string;
  topics?: TopicCanonicaliser;
}

const defaultTopics = createTopicCanonicaliser();

/** Sentiment is inferred from the start of the text: enough to judge the tone, and bounded for huge summaries. */
const MAX_SENTIMENT_CHARS = 5000;

/** Maximum id length: an id travels as an autocomplete value, which Discord caps at 100 characters. */
export const MAX_ID_LENGTH = 100;

/**
 * A path that is its own slug: lower-case ASCII words joined by single hyphens, in folders, ending in
 * `.md`. Every step of `articleId` leaves such a path as it is, so it skips them (most files look so).
 */
const SLUG_PATH = /^[a-z0-9_]+(?:-[a-z0-9_]+)*(?:\/[a-z0-9_]+(?:-[a-z0-9_]+)*)*\.md$/;

/** The stable id of a file: its relative path without `.md`, slugified, at most 100 characters. */
export function articleId(file: string): string {
  if (file.length <= MAX_ID_LENGTH + 3 && SLUG_PATH.test(file)) return file.slice(0, -3);
  const slug = foldText(file.replace(/\\/g, '/').replace(/\.md$/i, ''))
    .replace(/[^a-z0-9/_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/(^|\/)-+|-+(?=\/|$)/g, '$1')
    .replace(/\/{2,}/g, '/')
    .replace(/^\/+|\/+$/g, '');
  const id = slug || 'article';
  if (id.length <= MAX_ID_LENGTH) return id;
  // Cut long paths but keep distinct files distinct: the hash is of the full original path.
  const hash = createHash('sha1').update(file).digest('hex').slice(0, 8);
  return `${id.slice(0, MAX_ID_LENGTH - 9).replace(/[-/]+$/, '')}-${hash}`;
}

function issue(file: string, path: string, message: string): ParseResult {
  return { kind: 'issue', issue: { file, path, message } };
}

/** The value at a zod issue's path, to say what was found there. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

function kindOf(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return Number.isFinite(value) ? 'a number' : 'not a finite number';
  if (typeof value === 'boolean') return `${value}`;
  return typeof value;
}

const EXPECTED: Record<string, string> = { string: 'text', number: 'a number', boolean: 'true or false', array: 'a list', object: 'an object with fields' };

/**
 * The first schema problem as `{path, message}`. The path is not repeated in the message (the report
 * prints `file: path: message`), and the message says what was expected and what was found.
 */
function zodIssue(file: string, data: unknown, error: z.ZodError): ParseResult {
  const first = error.issues[0]!;
  const path = first.path.map(String).join('.');
  const found = valueAt(data, first.path);
  let message = first.message;
  if (first.code === 'invalid_type') {
    const expected = EXPECTED[String(first.expected)] ?? String(first.expected);
    message = found === undefined ? 'is required but missing' : `must be ${expected}, not ${kindOf(found)}`;
  } else if (first.code === 'invalid_union') {
    // The schemas' only unions are text-or-number fields (tags, topics, externalId).
    message = `must be text or a number, not ${kindOf(found)}`;
  }
  return issue(file, path, message);
}

/** The article's dates, each checked strictly, or the first one that is wrong, with its path. */
function checkDates(file: string, fields: ReadonlyArray<[path: string, value: unknown, required: boolean]>, options: ParseOptions): { issue: ParseResult } | { dates: Map<string, Date> } {
  const dates = new Map<string, Date>();
  for (const [path, value, required] of fields) {
    if (value === undefined) {
      if (required) return { issue: issue(file, path, 'is required but missing') };
      continue;
    }
    const r = parseArticleDate(value, options);
    if (!r.ok) return { issue: issue(file, path, r.reason) };
    dates.set(path, r.date);
  }
  return { dates };
}

/**
 * Turns one Markdown file into a `ParsedArticle`, or says precisely why it cannot (`{file, path, message}`),
 * or that it is deliberately unpublished. Never throws: one bad file must not stop a load.
 */
export function parseArticle(input: ContentFile, options: ParseOptions): ParseResult {
  const { file, text } = input;
  const front = readFrontMatter(text);
  if (!front.ok) return issue(file, '', front.message);
  const schema = detectSchema(front.data);
  if (!schema) return issue(file, 'publishedAt', 'publishedAt (schema A) or publishedDateTime (schema B) is required but missing');
  try {
    const result = schema === 'rss-rewritten' ? fromSchemaA(file, front.data, front.body, options) : fromSchemaB(file, front.data, front.body, options);
    if (result.kind !== 'article') return result;
    const cut = indexLimitNotice(result.article);
    return cut ? { ...result, notices: [{ file, path: '', message: cut }] } : result;
  } catch (err) {
    // Defensive: a normaliser bug must still only cost this one file.
    return issue(file, '', `Could not read this article: ${(err as Error).message}`);
  }
}

/** Checks both schemas share beyond zod: a known sentiment word, and a title that is not empty once repaired. */
function checkCommon(file: string, sentiment: string | undefined, title: string): ParseResult | null {
  if (sentiment !== undefined && sentiment !== '' && parseSentiment(sentiment) === null) {
    return issue(file, 'sentiment', `"${sentiment.slice(0, 40)}" is not one of POSITIVE, NEGATIVE, NEUTRAL`);
  }
  return repairText(title) ? null : issue(file, 'title', 'is empty');
}

function sentimentOf(raw: unknown, title: string, summary: string) {
  const given = parseSentiment(raw);
  return given ? { sentiment: given, sentimentSource: 'frontmatter' as const } : { sentiment: inferSentiment(`${title}. ${summary}`.slice(0, MAX_SENTIMENT_CHARS)), sentimentSource: 'inferred' as const };
}

function fromSchemaA(file: string, data: Record<string, unknown>, body: string, options: ParseOptions): ParseResult {
  const topics = options.topics ?? defaultTopics;
  const r = readSchemaA(data);
  if (!r.success) return zodIssue(file, data, r.error);
  const a = r.data;
  if (a.draft === true) return { kind: 'excluded', file, reason: 'draft: true' };
  const checked = checkDates(file, [['publishedAt', a.publishedAt, true], ['updatedAt', a.updatedAt, false]], options);
  if ('issue' in checked) return checked.issue;
  const invalid = checkCommon(file, a.sentiment, a.title);
  if (invalid) return invalid;
  const title = repairText(a.title);
  const summary = repairText(a.description) || firstParagraph(body);
  const cover = a.coverImage;
  const article: ParsedArticle = {
    id: articleId(file),
    file,
    schema: 'rss-rewritten',
    title,
    url: null,
    source: repairText(a.source?.name) || null,
    publishedAt: checked.dates.get('publishedAt')!,
    topics: topics.canonicalList([...(a.tags ?? []), a.category]),
    summary,
    ...sentimentOf(a.sentiment, title, summary),
    impact: extractImpact(body),
    imageUrl: safeUrl(cover?.regular) ?? safeUrl(cover?.full) ?? safeUrl(cover?.small) ?? safeUrl(cover?.raw) ?? safeUrl(cover?.thumb),
    score: (a.stickyWeight ?? 0) * 100 + (a.score ?? 0),
    aiRewritten: a.ai?.rewritten ?? false,
    related: [],
    externalId: a.externalId ? String(a.externalId) : null,
  };
  return { kind: 'article', article };
}

function fromSchemaB(file: string, data: Record<string, unknown>, body: string, options: ParseOptions): ParseResult {
  const topics = options.topics ?? defaultTopics;
  const r = readSchemaB(data);
  if (!r.success) return zodIssue(file, data, r.error);
  const b = r.data;
  if (b.published === false) return { kind: 'excluded', file, reason: 'published: false' };
  const checked = checkDates(
    file,
    [['publishedDateTime', b.publishedDateTime, true], ...(b.related ?? []).map((x, i): [string, unknown, boolean] => [`related.${i}.publishedDateTime`, x.publishedDateTime, false])],
    options,
  );
  if ('issue' in checked) return checked.issue;
  const invalid = checkCommon(file, b.sentiment, b.title);
  if (invalid) return invalid;
  const title = repairText(b.title);
  const summary = repairText(b.excerpt) || firstParagraph(body);
  const related: RelatedArticle[] = (b.related ?? [])
    .map((x, i) => ({
      title: repairText(x.title),
      url: safeUrl(x.webUrl),
      source: repairText(x.provider?.name) || null,
      publishedAt: checked.dates.get(`related.${i}.publishedDateTime`) ?? null,
    }))
    .filter((x) => x.title);
  const article: ParsedArticle = {
    id: articleId(file),
    file,
    schema: 'aggregator',
    title,
    url: safeUrl(b.webUrl) ?? safeUrl(b.originalUrl),
    source: repairText(b.provider?.name) || null,
    publishedAt: checked.dates.get('publishedDateTime')!,
    topics: topics.canonicalList([...(b.topics ?? []), b.category]),
    summary,
    ...sentimentOf(b.sentiment, title, summary),
    impact: extractImpact(body),
    imageUrl: (b.images ?? []).map((i) => safeUrl(i.url)).find((u) => u !== null) ?? null,
    // Quality and heat are 0–100 each; their mean keeps B on the same scale as A's score.
    score: ((b.quality ?? 0) + (b.heat ?? 0)) / 2,
    aiRewritten: false,
    related,
    externalId: null,
  };
  return { kind: 'article', article };
}
