import { SENTIMENTS, type Article, type Sentiment } from '../content/article.ts';
import { calendarDays, localDate } from '../calendar/period.ts';
import type { ArticleSource } from './compose.ts';

/** Articles per sentiment. */
export type SentimentCounts = Record<Sentiment, number>;

/** Whole percentages per sentiment (rounded each, so they may add up to 99 or 101). */
export type SentimentShares = Record<Sentiment, number>;

/** One local day of the mood chart. */
export interface MoodDay {
  /** `YYYY-MM-DD` in the digest's zone. */
  date: string;
  counts: SentimentCounts;
  total: number;
}

/** The period's mood against the usual one, as data and as its one line of text. */
export interface MoodLine {
  /** The period's shares; null when it has no articles. */
  now: SentimentShares | null;
  /** The trailing week's shares; null when it has no articles. */
  usual: SentimentShares | null;
  /** The sentiment whose share rose the most, when it rose by at least {@link MOOD_THRESHOLD} points; null otherwise. */
  lean: Sentiment | null;
  /** e.g. `more negative than usual: 44% vs 31%`. */
  text: string;
}

/** The period's mood line and the chart's days (oldest first, the last one is the digest's own day). */
export interface Mood {
  line: MoodLine;
  days: MoodDay[];
}

/** A share must move by at least this many percentage points to be "more … than usual". */
export const MOOD_THRESHOLD = 5;
/** The mood line compares the period with this many days before it. */
export const TRAILING_DAYS = 7;
/** The chart shows this many days. */
export const CHART_DAYS = 14;

const DAY_MS = 24 * 60 * 60 * 1000;

const zero = (): SentimentCounts => ({ positive: 0, negative: 0, neutral: 0 });
const totalOf = (c: SentimentCounts) => c.positive + c.negative + c.neutral;

/** Shares in whole percent; null for no articles. */
export function shares(c: SentimentCounts): SentimentShares | null {
  const total = totalOf(c);
  if (total === 0) return null;
  const pct = (n: number) => Math.round((100 * n) / total);
  return { positive: pct(c.positive), negative: pct(c.negative), neutral: pct(c.neutral) };
}

/**
 * The one mood line: which sentiment's share rose the most against the trailing average, e.g.
 * `more negative than usual: 44% vs 31%`; `about as usual` when no share moved by
 * {@link MOOD_THRESHOLD} points or more. The usual shares are pooled over the trailing week's
 * articles, so a quiet day weighs as little as it says.
 */
export function moodLine(period: SentimentCounts, trailing: SentimentCounts): MoodLine {
  const now = shares(period);
  const usual = shares(trailing);
  if (!now) return { now, usual, lean: null, text: 'no articles to judge the mood by' };
  const all = `${now.positive}% positive, ${now.negative}% negative, ${now.neutral}% neutral`;
  if (!usual) return { now, usual, lean: null, text: `${all} (no earlier week to compare with)` };
  let lean: Sentiment | null = null;
  let rise = 0;
  for (const s of SENTIMENTS) {
    const d = now[s] - usual[s];
    if (d > rise) [lean, rise] = [s, d];
  }
  if (!lean || rise < MOOD_THRESHOLD) return { now, usual, lean: null, text: `about as usual: ${all}` };
  return { now, usual, lean, text: `more ${lean} than usual: ${now[lean]}% vs ${usual[lean]}%` };
}

/** The date `n` days after `YYYY-MM-DD` (negative: before), as calendar arithmetic. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) + n * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The period's mood: its sentiment shares against the `TRAILING_DAYS` × 24 h before `from`, and the
 * chart's series, articles per sentiment for each of the `CHART_DAYS` local days ending with the day
 * the period ends in. `articles` must cover `[min(from − 7 days, first chart day), to)`; others are ignored.
 */
export function composeMood(
  articles: readonly Article[],
  options: { from: Date; to: Date; timezone: string; arrivedAt?: (a: Article) => Date; days?: number },
): Mood {
  const from = options.from.getTime();
  const to = options.to.getTime();
  const trailingFrom = from - TRAILING_DAYS * DAY_MS;
  const days = options.days ?? CHART_DAYS;
  const last = localDate(new Date(to - 1), options.timezone);
  const series: MoodDay[] = [];
  const byDate = new Map<string, MoodDay>();
  for (let i = days - 1; i >= 0; i--) {
    const day: MoodDay = { date: addDays(last, -i), counts: zero(), total: 0 };
    series.push(day);
    byDate.set(day.date, day);
  }
  const period = zero();
  const trailing = zero();
  const seen = new Set<string>();
  for (const a of articles) {
    if (seen.has(a.id)) continue;
    seen.add(a.id);
    const at = (options.arrivedAt ? options.arrivedAt(a) : a.publishedAt).getTime();
    if (at >= to) continue;
    if (at >= from) period[a.sentiment]++;
    else if (at >= trailingFrom) trailing[a.sentiment]++;
    const day = byDate.get(localDate(new Date(at), options.timezone));
    if (day) {
      day.counts[a.sentiment]++;
      day.total++;
    }
  }
  return { line: moodLine(period, trailing), days: series };
}

/** How far back `composeMood` reads: the earlier of the trailing week and the chart's first day (a day's margin for zones). */
export function moodWindowStart(from: Date, to: Date, days = CHART_DAYS): Date {
  return new Date(Math.min(from.getTime() - TRAILING_DAYS * DAY_MS, to.getTime() - (days + 1) * DAY_MS));
}

/**
 * The mood of one local calendar day (`YYYY-MM-DD` in `timezone`), or of the `days` local days ending with it, read
 * from `source`: what `news digest` and `/news digest` show.
 */
export function composeDayMood(source: ArticleSource, day: { date: string; timezone: string; days?: number }): Mood {
  const { from, to } = calendarDays(day.date, day.timezone, day.days ?? 1);
  return composeMood(source.query({ from: moodWindowStart(from, to), to }), { from, to, timezone: day.timezone });
}
