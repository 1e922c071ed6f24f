import { SENTIMENTS, type Article, type Sentiment } from '../content/article.ts';
import { publishedMs } from '../content/stored-article.ts';
import { topicKey } from '../content/topics.ts';
import { calendarDays, localDate } from '../calendar/period.ts';

/** What a digest covers. `from` is inclusive, `to` exclusive. */
export interface DigestOptions {
  from: Date;
  to: Date;
  timezone: string;
  /** Only articles with one of these topics (case-insensitive); all when absent or empty. */
  topics?: readonly string[] | null;
  /**
   * When an article counts as arrived, to place it in the period: its publish time by default. The
   * delivery engine passes the later of the publish time and when the bot first saw the file, so an
   * article saved after the digest that covered its publish time lands in the next one.
   */
  arrivedAt?: (a: Article) => Date;
  /** How many top stories open the digest: 0–10, {@link DEFAULT_TOP_STORIES} when absent. */
  topStories?: number;
  /** How many sources carry an article's story (its duplicate cluster); 1 for every article when absent. */
  sourcesOf?: (a: Article) => number;
}

/** Top stories a digest opens with unless its subscription says otherwise. */
export const DEFAULT_TOP_STORIES = 5;
/** The most top stories a subscription may ask for. */
export const MAX_TOP_STORIES = 10;

/** One of the period's most important stories, with what ranked it. */
export interface TopStory {
  article: Article;
  /** Sources carrying the same story (1 when only this one). */
  sources: number;
  /** The ranking value: higher is more important. */
  importance: number;
}

/** The articles of one topic inside a sentiment group, best first. */
export interface DigestTopic {
  topic: string;
  articles: Article[];
}

/** One sentiment's articles, by topic. */
export interface DigestGroup {
  sentiment: Sentiment;
  count: number;
  topics: DigestTopic[];
}

/** A composed digest: pure data, rendered separately for Discord, the CLI or JSON. */
export interface Digest {
  /** The local date of `from`, `YYYY-MM-DD`. */
  date: string;
  from: Date;
  to: Date;
  timezone: string;
  total: number;
  counts: Record<Sentiment, number>;
  groups: DigestGroup[];
  /** The period's most important stories, most important first (also listed in `groups`). */
  top: TopStory[];
}

const byRank = (a: Article, b: Article) =>
  b.score - a.score || publishedMs(b) - publishedMs(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Each further source carrying a story counts like this many points of front-matter score. */
const SOURCE_WEIGHT = 15;
/** A story published at the end of the period gets this many points more than one at its start. */
const RECENCY_WEIGHT = 10;

/**
 * How important a story is, from what its front matter says (`score`: `stickyWeight × 100 + score` in
 * schema A, `(quality + heat) / 2` in schema B, so a sticky story leads), how many sources carry it,
 * and how recent it is within the period (0 at its start, 1 at its end).
 */
export function importance(a: Article, sources: number, recency: number): number {
  return a.score + SOURCE_WEIGHT * (Math.max(1, sources) - 1) + RECENCY_WEIGHT * Math.min(1, Math.max(0, recency));
}

/** Clamps a requested number of top stories to 0–10; anything not a number gives the default. */
export function topStoryCount(n: number | null | undefined): number {
  if (typeof n !== 'number' || !Number.isFinite(n)) return DEFAULT_TOP_STORIES;
  return Math.min(MAX_TOP_STORIES, Math.max(0, Math.floor(n)));
}

/**
 * The `n` most important of `articles` (see {@link importance}), ties to the newer, then by id, so
 * the choice is the same on every run. `from`/`to` place each article in the period for recency.
 */
export function rankTopStories(
  articles: readonly Article[],
  options: { n: number; from: Date; to: Date; sourcesOf?: (a: Article) => number; arrivedAt?: (a: Article) => Date },
): TopStory[] {
  const n = topStoryCount(options.n);
  if (n === 0 || articles.length === 0) return [];
  const from = options.from.getTime();
  const span = Math.max(1, options.to.getTime() - from);
  const ranked = articles.map((article) => {
    const sources = options.sourcesOf ? options.sourcesOf(article) : 1;
    const at = (options.arrivedAt ? options.arrivedAt(article) : article.publishedAt).getTime();
    return { article, sources, importance: importance(article, sources, (at - from) / span) };
  });
  ranked.sort(
    (x, y) =>
      y.importance - x.importance ||
      publishedMs(y.article) - publishedMs(x.article) ||
      (x.article.id < y.article.id ? -1 : x.article.id > y.article.id ? 1 : 0),
  );
  return ranked.slice(0, n);
}

/**
 * Groups the period's articles by sentiment (positive, negative, neutral), then by topic (largest
 * first, then by name), each topic's articles by score then recency. Every article appears once,
 * under its primary topic, so counts add up.
 */
export function composeDigest(articles: readonly Article[], options: DigestOptions): Digest {
  const from = options.from.getTime();
  const to = options.to.getTime();
  const wanted = options.topics && options.topics.length > 0 ? new Set(options.topics.map(topicKey)) : null;
  const counts: Record<Sentiment, number> = { positive: 0, negative: 0, neutral: 0 };
  const buckets = new Map<Sentiment, Map<string, Article[]>>();
  const seen = new Set<string>();
  const included: Article[] = [];
  for (const a of articles) {
    const t = (options.arrivedAt ? options.arrivedAt(a) : a.publishedAt).getTime();
    if (t < from || t >= to || seen.has(a.id)) continue;
    const primary = wanted ? a.topics.find((x) => wanted.has(topicKey(x))) : a.topics[0];
    if (!primary) continue;
    seen.add(a.id);
    included.push(a);
    counts[a.sentiment]++;
    let topics = buckets.get(a.sentiment);
    if (!topics) buckets.set(a.sentiment, (topics = new Map()));
    let list = topics.get(primary);
    if (!list) topics.set(primary, (list = []));
    list.push(a);
  }
  const groups: DigestGroup[] = [];
  for (const sentiment of SENTIMENTS) {
    const topics = buckets.get(sentiment);
    if (!topics) continue;
    const list = [...topics]
      .map(([topic, items]) => ({ topic, articles: items.sort(byRank) }))
      .sort((a, b) => b.articles.length - a.articles.length || a.topic.localeCompare(b.topic));
    groups.push({ sentiment, count: counts[sentiment], topics: list });
  }
  return {
    date: localDate(options.from, options.timezone),
    from: options.from,
    to: options.to,
    timezone: options.timezone,
    total: seen.size,
    counts,
    groups,
    top: rankTopStories(included, { n: options.topStories ?? DEFAULT_TOP_STORIES, from: options.from, to: options.to, sourcesOf: options.sourcesOf, arrivedAt: options.arrivedAt }),
  };
}

/** Where a digest reads its articles from; `ArticleStore` fits. `from` is inclusive, `to` exclusive. */
export interface ArticleSource {
  query(q: { from: Date; to: Date }): Article[];
  /** How many sources carry an article's story (`ArticleStore.sourceCount`); 1 for all when absent. */
  sourceCount?(a: Article): number;
}

/**
 * The digest of one local calendar day (`YYYY-MM-DD`, midnight to midnight in `timezone`): the one
 * definition behind both `/news digest` and `news digest`, so the preview and the CLI never disagree.
 * Throws `RangeError` for a date that does not exist; callers validate the user's input first.
 */
export function composeDayDigest(
  source: ArticleSource,
  day: { date: string; timezone: string; topics?: readonly string[] | null; topStories?: number; days?: number },
): Digest {
  // `days` > 1 reads the local days ending with `date`: the CLI's view of a weekly digest.
  const { from, to } = calendarDays(day.date, day.timezone, day.days ?? 1);
  const sourcesOf = source.sourceCount ? (a: Article) => source.sourceCount!(a) : undefined;
  return composeDigest(source.query({ from, to }), { from, to, timezone: day.timezone, topics: day.topics, topStories: day.topStories, sourcesOf });
}

/** Where the impact bullets of top stories are read from: `ArticleStore.details` fits (the file edge reads the file). */
export interface ImpactReader {
  details(a: Article): Promise<{ impact: readonly string[] } | null>;
}

/**
 * The first impact bullet of each top story, by article id. The store keeps no bodies, so the bullets
 * are read on demand, for the few top stories only; one whose file cannot be read simply has none.
 */
export async function readTopImpacts(reader: ImpactReader | undefined, digest: Pick<Digest, 'top'>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!reader) return out;
  await Promise.all(
    digest.top.map(async ({ article }) => {
      const details = await reader.details(article).catch(() => null);
      const first = details?.impact.find((b) => b.trim().length > 0);
      if (first) out.set(article.id, first);
    }),
  );
  return out;
}
