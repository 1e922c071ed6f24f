import { SENTIMENTS, type Article, type Sentiment } from '../content/article.ts';
import { topicKey } from '../content/topics.ts';
import { calendarDay, localDate } from '../calendar/period.ts';

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
}

const byRank = (a: Article, b: Article) =>
  b.score - a.score || b.publishedAt.getTime() - a.publishedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

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
  for (const a of articles) {
    const t = (options.arrivedAt ? options.arrivedAt(a) : a.publishedAt).getTime();
    if (t < from || t >= to || seen.has(a.id)) continue;
    const primary = wanted ? a.topics.find((x) => wanted.has(topicKey(x))) : a.topics[0];
    if (!primary) continue;
    seen.add(a.id);
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
  };
}

/** Where a digest reads its articles from; `ArticleStore` fits. `from` is inclusive, `to` exclusive. */
export interface ArticleSource {
  query(q: { from: Date; to: Date }): Article[];
}

/**
 * The digest of one local calendar day (`YYYY-MM-DD`, midnight to midnight in `timezone`): the one
 * definition behind both `/news digest` and `news digest`, so the preview and the CLI never disagree.
 * Throws `RangeError` for a date that does not exist; callers validate the user's input first.
 */
export function composeDayDigest(source: ArticleSource, day: { date: string; timezone: string; topics?: readonly string[] | null }): Digest {
  const { from, to } = calendarDay(day.date, day.timezone);
  return composeDigest(source.query({ from, to }), { from, to, timezone: day.timezone, topics: day.topics });
}
