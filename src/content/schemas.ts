import { z } from 'zod';

/**
 * The two front-matter schemas found in the wild. Unknown fields are allowed (feeds add them all
 * the time) and most fields are optional: only what the bot cannot do without is required.
 */

const text = z.string();
const num = z.coerce.number().finite();
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
/**
 * A date as written. It is checked afterwards, strictly, by `parseArticleDate` (`dates.ts`): that needs
 * the current time and the content time zone, which a schema built once cannot know.
 */
const date = z.preprocess((v) => (v === '' || v === null ? undefined : v), z.unknown());
const image = z.looseObject({ url: text.optional(), width: num.optional(), height: num.optional() });
const provider = z.looseObject({ name: text.optional(), domain: text.optional(), images: z.array(image).optional() });
const topicList = z.array(z.union([text, num.transform(String)])).optional();

/** Schema A: an RSS story rewritten and expanded, with `##` sections in the body. */
export const SchemaA = z.looseObject({
  title: text.min(1, 'is empty'),
  description: text.optional(),
  publishedAt: date,
  updatedAt: date.optional(),
  lang: text.optional(),
  externalId: z.union([text, num.transform(String)]).optional(),
  source: z.looseObject({ name: text.optional(), key: text.optional(), type: text.optional() }).optional(),
  category: text.optional(),
  tags: topicList,
  stickyWeight: num.optional(),
  sentiment: text.optional(),
  score: num.optional(),
  draft: bool.optional(),
  coverImage: z.looseObject({ raw: text.optional(), full: text.optional(), regular: text.optional(), small: text.optional(), thumb: text.optional() }).optional(),
  ai: z.looseObject({ rewritten: bool.optional() }).optional(),
});
export type SchemaA = z.infer<typeof SchemaA>;

/** Schema B: an aggregator entry, usually with no body. */
export const SchemaB = z.looseObject({
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
      z.looseObject({
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
