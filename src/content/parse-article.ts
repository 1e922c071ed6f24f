import { createHash } from 'node:crypto';
import matter from 'gray-matter';
import type { z } from 'zod';
import { inferSentiment, parseSentiment } from '../classify/sentiment.ts';
import { foldText } from '../search/query.ts';
import type { Article, ContentIssue, RelatedArticle } from './article.ts';
import { extractImpact, firstParagraph } from './impact.ts';
import { repairText, safeUrl } from './normalise.ts';
import { SchemaA, SchemaB, detectSchema } from './schemas.ts';
import { createTopicCanonicaliser, type TopicCanonicaliser } from './topics.ts';

/** One content file, as read by the file edge. `file` is relative to the content dir, with `/`. */
export interface ContentFile {
  file: string;
  text: string;
}

/** The outcome of parsing one file: never an exception. */
export type ParseResult =
  | { kind: 'article'; article: Article }
  | { kind: 'excluded'; file: string; reason: string }
  | { kind: 'issue'; issue: ContentIssue };

/** Options shared by every parse of one load. */
export interface ParseOptions {
  topics?: TopicCanonicaliser;
}

class JavaScriptFrontMatterError extends Error {}

const refuseJavaScript = () => {
  throw new JavaScriptFrontMatterError('JavaScript front matter is not allowed: content is untrusted and is never executed');
};

/**
 * gray-matter `eval`s `---js` / `---javascript` front matter by default. Overriding both engines with
 * a function that throws is what keeps a content file from running code in the bot's process.
 */
export const SAFE_MATTER_OPTIONS = { engines: { javascript: refuseJavaScript, js: refuseJavaScript } } as const;

const defaultTopics = createTopicCanonicaliser();

/** Maximum id length: an id travels as an autocomplete value, which Discord caps at 100 characters. */
export const MAX_ID_LENGTH = 100;

/** The stable id of a file: its relative path without `.md`, slugified, at most 100 characters. */
export function articleId(file: string): string {
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

function zodIssue(file: string, error: z.ZodError): ParseResult {
  const first = error.issues[0]!;
  const path = first.path.map(String).join('.');
  let message = first.message;
  if (first.code === 'invalid_type' && /received undefined/i.test(message)) message = 'is required but missing';
  return issue(file, path, `${path ? `${path}: ` : ''}${message}`);
}

function yamlMessage(err: unknown): string {
  const e = err as { reason?: string; mark?: { line?: number; column?: number }; message?: string };
  if (e.reason && e.mark) return `Invalid YAML front matter: ${e.reason} (line ${(e.mark.line ?? 0) + 1}, column ${(e.mark.column ?? 0) + 1})`;
  return `Invalid front matter: ${String(e.message ?? err).split('\n')[0]}`;
}

/**
 * Turns one Markdown file into an `Article`, or says precisely why it cannot (`{file, path, message}`),
 * or that it is deliberately unpublished. Never throws: one bad file must not stop a load.
 */
export function parseArticle(input: ContentFile, options: ParseOptions = {}): ParseResult {
  const { file, text } = input;
  const topics = options.topics ?? defaultTopics;
  if (!/^\uFEFF?---/.test(text)) return issue(file, '', 'No front matter: the file must start with a --- block');
  let parsed: matter.GrayMatterFile<string>;
  try {
    parsed = matter(text, SAFE_MATTER_OPTIONS as unknown as Parameters<typeof matter>[1]);
  } catch (err) {
    if (err instanceof JavaScriptFrontMatterError) return issue(file, '', err.message);
    const message = String((err as Error)?.message ?? err);
    if (/engine "[^"]*" is not registered/.test(message)) return issue(file, '', `Unsupported front-matter language: only YAML is accepted (${message})`);
    return issue(file, '', yamlMessage(err));
  }
  const data = parsed.data as Record<string, unknown>;
  if (!data || typeof data !== 'object' || Object.keys(data).length === 0) return issue(file, '', 'Empty front matter: expected YAML fields such as title and a publication date');
  const schema = detectSchema(data);
  if (!schema) return issue(file, 'publishedAt', 'publishedAt (schema A) or publishedDateTime (schema B) is required but missing');
  try {
    return schema === 'rss-rewritten' ? fromSchemaA(file, data, parsed.content, topics) : fromSchemaB(file, data, parsed.content, topics);
  } catch (err) {
    // Defensive: a normaliser bug must still only cost this one file.
    return issue(file, '', `Could not read this article: ${(err as Error).message}`);
  }
}

/** Checks both schemas share beyond zod: a known sentiment word, and a title that is not empty once repaired. */
function checkCommon(file: string, sentiment: string | undefined, title: string): ParseResult | null {
  if (sentiment !== undefined && sentiment !== '' && parseSentiment(sentiment) === null) {
    return issue(file, 'sentiment', `sentiment: "${sentiment}" is not one of POSITIVE, NEGATIVE, NEUTRAL`);
  }
  return repairText(title) ? null : issue(file, 'title', 'title: is empty');
}

function sentimentOf(raw: unknown, title: string, summary: string) {
  const given = parseSentiment(raw);
  return given ? { sentiment: given, sentimentSource: 'frontmatter' as const } : { sentiment: inferSentiment(`${title}. ${summary}`), sentimentSource: 'inferred' as const };
}

function fromSchemaA(file: string, data: Record<string, unknown>, body: string, topics: TopicCanonicaliser): ParseResult {
  const r = SchemaA.safeParse(data);
  if (!r.success) return zodIssue(file, r.error);
  const a = r.data;
  if (a.draft === true) return { kind: 'excluded', file, reason: 'draft: true' };
  const invalid = checkCommon(file, a.sentiment, a.title);
  if (invalid) return invalid;
  const title = repairText(a.title);
  const summary = repairText(a.description) || firstParagraph(body);
  const cover = a.coverImage;
  const article: Article = {
    id: articleId(file),
    file,
    schema: 'rss-rewritten',
    title,
    url: null,
    source: repairText(a.source?.name) || null,
    publishedAt: a.publishedAt,
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

function fromSchemaB(file: string, data: Record<string, unknown>, body: string, topics: TopicCanonicaliser): ParseResult {
  const r = SchemaB.safeParse(data);
  if (!r.success) return zodIssue(file, r.error);
  const b = r.data;
  if (b.published === false) return { kind: 'excluded', file, reason: 'published: false' };
  const invalid = checkCommon(file, b.sentiment, b.title);
  if (invalid) return invalid;
  const title = repairText(b.title);
  const summary = repairText(b.excerpt) || firstParagraph(body);
  const related: RelatedArticle[] = (b.related ?? [])
    .map((x) => ({
      title: repairText(x.title),
      url: safeUrl(x.webUrl),
      source: repairText(x.provider?.name) || null,
      publishedAt: x.publishedDateTime ?? null,
    }))
    .filter((x) => x.title);
  const article: Article = {
    id: articleId(file),
    file,
    schema: 'aggregator',
    title,
    url: safeUrl(b.webUrl) ?? safeUrl(b.originalUrl),
    source: repairText(b.provider?.name) || null,
    publishedAt: b.publishedDateTime,
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
