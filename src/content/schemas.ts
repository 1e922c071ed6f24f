import { z } from 'zod';

/**
 * The two front-matter schemas found in the wild. Unknown fields are allowed (feeds add them all
 * the time) and most fields are optional: only what the bot cannot do without is required.
 *
 * Unknown fields are stripped (`z.object`), not kept (`z.looseObject`): nothing reads them, and copying
 * them into every parsed value cost more than checking the known ones. Either way they are never an error.
 */

const text = z.string();
const num = z.coerce.number().finite();
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
/**
 * A date as written. It is checked afterwards, strictly, by `parseArticleDate` (`dates.ts`): that needs
 * the current time and the content time zone, which a schema built once cannot know.
 */
const date = z.preprocess((v) => (v === '' || v === null ? undefined : v), z.unknown());
const image = z.object({ url: text.optional(), width: num.optional(), height: num.optional() });
const provider = z.object({ name: text.optional(), domain: text.optional(), images: z.array(image).optional() });
const topicList = z.array(z.union([text, num.transform(String)])).optional();

/** Schema A: an RSS story rewritten and expanded, with `##` sections in the body. */
export const SchemaA = z.object({
  title: text.min(1, 'is empty'),
  description: text.optional(),
  publishedAt: date,
  updatedAt: date.optional(),
  lang: text.optional(),
  externalId: z.union([text, num.transform(String)]).optional(),
  source: z.object({ name: text.optional(), key: text.optional(), type: text.optional() }).optional(),
  category: text.optional(),
  tags: topicList,
  stickyWeight: num.optional(),
  sentiment: text.optional(),
  score: num.optional(),
  draft: bool.optional(),
  coverImage: z.object({ raw: text.optional(), full: text.optional(), regular: text.optional(), small: text.optional(), thumb: text.optional() }).optional(),
  ai: z.object({ rewritten: bool.optional() }).optional(),
});
export type SchemaA = z.infer<typeof SchemaA>;

/** Schema B: an aggregator entry, usually with no body. */
export const SchemaB = z.object({
  category: text.optional(),
  title: text.min(1, 'is empty'),
  excerpt: text.optional(),
  publishedDateTime: date,
  originalUrl: text.optional(),
  webUrl: text.optional(),
  type: text.optional(),
  quality: num.optional(),
  heat: num.optional(),
  published: bool.optional(),
  provider: provider.optional(),
  topics: topicList,
  images: z.array(image).optional(),
  related: z
    .array(
      z.object({
        title: text.optional(),
        excerpt: text.optional(),
        publishedDateTime: date.optional(),
        webUrl: text.optional(),
        provider: provider.optional(),
      }),
    )
    .optional(),
  sentiment: text.optional(),
  secured: text.optional(),
});
export type SchemaB = z.infer<typeof SchemaB>;

/** Which schema a front matter follows, judged by the date field each one requires. */
export function detectSchema(data: Record<string, unknown>): 'rss-rewritten' | 'aggregator' | null {
  if ('publishedDateTime' in data || 'excerpt' in data || 'webUrl' in data || 'originalUrl' in data) return 'aggregator';
  if ('publishedAt' in data || 'description' in data || 'externalId' in data) return 'rss-rewritten';
  return null;
}

/*
 * Fast paths. Almost every front matter has each field in its final type already: text as text,
 * numbers as finite numbers, flags as booleans, so zod has nothing to coerce or report, and its
 * result is the same values in new objects. `readSchemaA` / `readSchemaB` check exactly that and
 * return those values without zod; anything else (a number as text, a number where text is expected, a
 * missing title, any error) goes through `safeParse`, which alone coerces and explains.
 */

type Fields = Record<string, unknown>;
type Read<T> = { success: true; data: T } | { success: false; error: z.ZodError };

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const optText = (v: unknown) => v === undefined || typeof v === 'string';
const optNum = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));
const optBool = (v: unknown) => v === undefined || typeof v === 'boolean';
/** What the `date` preprocess makes of a value: empty and null are "not given". */
const dateOf = (v: unknown) => (v === '' || v === null ? undefined : v);
const optObject = (v: unknown, check: (o: Fields) => boolean) => v === undefined || (isObject(v) && check(v));
const optList = (v: unknown, check: (item: unknown) => boolean) => v === undefined || (Array.isArray(v) && v.every(check));
const textList = (v: unknown) => optList(v, (t) => typeof t === 'string');
const plainImage = (i: unknown) => isObject(i) && optText(i.url) && optNum(i.width) && optNum(i.height);
const plainProvider = (p: Fields) => optText(p.name) && optText(p.domain) && optList(p.images, plainImage);

/** Schema A as `SchemaA.safeParse` reads it. */
export function readSchemaA(d: Fields): Read<SchemaA> {
  const ok =
    typeof d.title === 'string' &&
    d.title.length > 0 &&
    optText(d.description) &&
    optText(d.lang) &&
    optText(d.externalId) &&
    optText(d.category) &&
    optText(d.sentiment) &&
    optNum(d.stickyWeight) &&
    optNum(d.score) &&
    optBool(d.draft) &&
    textList(d.tags) &&
    optObject(d.source, (s) => optText(s.name) && optText(s.key) && optText(s.type)) &&
    optObject(d.coverImage, (c) => optText(c.raw) && optText(c.full) && optText(c.regular) && optText(c.small) && optText(c.thumb)) &&
    optObject(d.ai, (a) => optBool(a.rewritten));
  if (!ok) return SchemaA.safeParse(d);
  // Every field named, in one order, absent ones undefined: one shape for every article, so the code that
  // reads them stays specialised to it (with only the fields given, each combination was a shape of its own).
  const data = {
    title: d.title,
    description: d.description,
    publishedAt: dateOf(d.publishedAt),
    updatedAt: dateOf(d.updatedAt),
    lang: d.lang,
    externalId: d.externalId,
    source: d.source,
    category: d.category,
    tags: d.tags,
    stickyWeight: d.stickyWeight,
    sentiment: d.sentiment,
    score: d.score,
    draft: d.draft,
    coverImage: d.coverImage,
    ai: d.ai,
  };
  return { success: true, data: data as SchemaA };
}

/** Schema B as `SchemaB.safeParse` reads it. */
export function readSchemaB(d: Fields): Read<SchemaB> {
  const ok =
    typeof d.title === 'string' &&
    d.title.length > 0 &&
    optText(d.category) &&
    optText(d.excerpt) &&
    optText(d.originalUrl) &&
    optText(d.webUrl) &&
    optText(d.type) &&
    optText(d.sentiment) &&
    optText(d.secured) &&
    optNum(d.quality) &&
    optNum(d.heat) &&
    optBool(d.published) &&
    textList(d.topics) &&
    optObject(d.provider, plainProvider) &&
    optList(d.images, plainImage) &&
    optList(d.related, (r) => isObject(r) && optText(r.title) && optText(r.excerpt) && optText(r.webUrl) && optObject(r.provider, plainProvider));
  if (!ok) return SchemaB.safeParse(d);
  // One shape for every article, as in `readSchemaA`.
  const related = Array.isArray(d.related)
    ? d.related.map((r: Fields) => ({ title: r.title, excerpt: r.excerpt, publishedDateTime: dateOf(r.publishedDateTime), webUrl: r.webUrl, provider: r.provider }))
    : undefined;
  const data = {
    category: d.category,
    title: d.title,
    excerpt: d.excerpt,
    publishedDateTime: dateOf(d.publishedDateTime),
    originalUrl: d.originalUrl,
    webUrl: d.webUrl,
    type: d.type,
    quality: d.quality,
    heat: d.heat,
    published: d.published,
    provider: d.provider,
    topics: d.topics,
    images: d.images,
    related,
    sentiment: d.sentiment,
    secured: d.secured,
  };
  return { success: true, data: data as SchemaB };
}

