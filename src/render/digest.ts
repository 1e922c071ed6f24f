import type { Article } from '../content/article.ts';
import { DISCORD_LIMITS as L } from '../payload/limits.ts';
import { NO_MENTIONS, wirePayload, type ChartFile, type DigestPart, type Embed, type EmbedField, type MessagePayload } from '../payload/types.ts';
import { link, safeText, truncate } from './markdown.ts';
import { INFERRED_MARK, INFERRED_NOTE, SENTIMENT_STYLE, sentimentText } from './style.ts';
import type { Digest, DigestGroup, TopStory } from '../digest/compose.ts';
import type { MoodLine } from '../digest/mood.ts';
import { formatLongDate, localDate } from '../calendar/period.ts';

/**
 * A digest never takes more than this many messages: a day with thousands of articles is shown
 * best-first per topic, and the rest is counted ("…and N more") rather than flooding the channel.
 */
export const MAX_DIGEST_MESSAGES = 10;

/** Room kept free under the 6,000-character message cap, so rounding in counts can never tip it over. */
const MESSAGE_BUDGET = L.embedTotal - 100;

/** One article as a digest line: linked title, source, and the inferred-sentiment mark. */
export function digestLine(a: Article): string {
  const source = a.source ? ` — ${safeText(a.source, 60)}` : '';
  const mark = a.sentimentSource === 'inferred' ? ` ${INFERRED_MARK}` : '';
  return `• ${link(a.title, a.url, 180)}${source}${mark}`;
}

const more = (n: number) => `…and ${n} more`;

interface Limits {
  perTopic: number;
  topicsPerGroup: number;
}

/** Packs fields into embeds and embeds into messages, honouring every per-embed and per-message limit. */
class Packer {
  readonly messages: { embeds: Embed[]; chars: number }[] = [];
  private embed: Embed | null = null;
  private head: { title: string; color: number; footer?: string; timestamp: string } | null = null;

  /** Opens the first message with an embed of its own (the top stories), counted against the budget. */
  seed(embed: Embed, chars: number) {
    this.messages.push({ embeds: [embed], chars });
  }

  startGroup(title: string, color: number, footer: string | undefined, timestamp: string) {
    this.head = { title, color, footer, timestamp };
    this.embed = null;
  }

  addField(field: EmbedField) {
    const size = field.name.length + field.value.length;
    const msg = this.messages.at(-1);
    const fits = this.embed && msg && (this.embed.fields?.length ?? 0) < L.embedFields && msg.chars + size <= MESSAGE_BUDGET;
    if (!fits) this.openEmbed(size);
    this.embed!.fields!.push(field);
    this.messages.at(-1)!.chars += size;
  }

  private openEmbed(nextFieldSize: number) {
    const head = this.head!;
    const continued = this.embed !== null;
    const title = truncate(continued ? `${head.title} (cont.)` : head.title, L.embedTitle);
    const base = title.length + (head.footer?.length ?? 0);
    let msg = this.messages.at(-1);
    if (!msg || msg.embeds.length >= L.embedsPerMessage || msg.chars + base + nextFieldSize > MESSAGE_BUDGET) {
      msg = { embeds: [], chars: 0 };
      this.messages.push(msg);
    }
    this.embed = { title, color: head.color, fields: [], timestamp: head.timestamp, ...(head.footer ? { footer: { text: head.footer } } : {}) };
    msg.embeds.push(this.embed);
    msg.chars += base;
  }
}

/** Splits lines into field values of at most 1,024 characters. */
function fieldValues(lines: string[]): string[] {
  const values: string[] = [];
  let current = '';
  for (const line of lines) {
    const l = truncate(line, L.fieldValue);
    if (current && current.length + 1 + l.length > L.fieldValue) {
      values.push(current);
      current = l;
    } else current = current ? `${current}\n${l}` : l;
  }
  if (current) values.push(current);
  return values;
}

/** Lines are escaped once per render, not once per layout attempt. */
type LineOf = (a: Article) => string;

function groupFields(group: DigestGroup, limits: Limits, lineOf: LineOf): EmbedField[] {
  const fields: EmbedField[] = [];
  const shownTopics = group.topics.slice(0, limits.topicsPerGroup);
  for (const t of shownTopics) {
    const shown = t.articles.slice(0, limits.perTopic);
    const lines = shown.map(lineOf);
    if (t.articles.length > shown.length) lines.push(more(t.articles.length - shown.length));
    const name = safeText(t.topic, 200);
    fieldValues(lines).forEach((value, i) => fields.push({ name: i === 0 ? `${name} (${t.articles.length})` : `${name} (cont.)`, value }));
  }
  const hidden = group.topics.slice(limits.topicsPerGroup);
  if (hidden.length > 0) {
    const n = hidden.reduce((sum, t) => sum + t.articles.length, 0);
    fields.push({ name: `Other topics (${hidden.length})`, value: `${more(n)} in ${hidden.length} more topic${hidden.length === 1 ? '' : 's'}` });
  }
  return fields;
}

/** The mood line as shown under the header: `📊 **Market mood:** more negative than usual: 44% vs 31%`. */
export function moodText(line: MoodLine): string {
  return `📊 **Market mood:** ${line.text}${line.usual ? ' _(this period vs the 7 days before)_' : ''}`;
}

function header(d: Digest, title: string | undefined, parts: number, extra: string[] = []): string {
  const day = formatLongDate(d.date);
  const lastDay = localDate(new Date(d.to.getTime() - 1), d.timezone);
  const span = lastDay !== d.date ? `${day} – ${formatLongDate(lastDay)}` : day;
  const counts = (['positive', 'negative', 'neutral'] as const).map((s) => `${SENTIMENT_STYLE[s].emoji} ${d.counts[s]} ${s}`).join(' · ');
  const heading = `📰 **${safeText(title ?? 'Daily digest', 100)} — ${span}** (${safeText(d.timezone, 64)})`;
  const total = `**${d.total}** article${d.total === 1 ? '' : 's'}: ${counts}`;
  const lines = [heading, total, ...extra, ...(parts > 1 ? [`_Part 1 of ${parts}_`] : [])];
  return truncate(lines.join('\n'), L.content);
}

/** The largest n in [lo, hi] for which `fits(n)` holds (fits is monotone), by bisection; lo if none does. */
function largestFitting(lo: number, hi: number, fits: (n: number) => boolean): number {
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function layout(d: Digest, limits: Limits, lineOf: LineOf, seed?: Embed): { embeds: Embed[] }[] {
  const packer = new Packer();
  if (seed) packer.seed(seed, embedChars(seed));
  const timestamp = d.from.toISOString();
  for (const group of d.groups) {
    const style = SENTIMENT_STYLE[group.sentiment];
    const inferred = group.topics.some((t) => t.articles.slice(0, limits.perTopic).some((a) => a.sentimentSource === 'inferred'));
    packer.startGroup(`${style.emoji} ${style.label} · ${group.count}`, style.color, inferred ? INFERRED_NOTE : undefined, timestamp);
    for (const field of groupFields(group, limits, lineOf)) packer.addField(field);
  }
  return packer.messages;
}

/** Characters an embed counts towards the 6,000 per message. */
function embedChars(e: Embed): number {
  return (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
}

/** The top-stories embed's description stays under this, so groups still fit beside it in one message. */
const TOP_BUDGET = 3000;

/**
 * The top stories as one embed: each its rank and linked title, its source, sentiment and how many
 * sources carry it, and its first impact bullet when it has one. Long lists lose detail in steps
 * (shorter bullets, then none, then no links) rather than stories, so the embed always fits.
 */
export function topStoriesEmbed(top: readonly TopStory[], impacts: ReadonlyMap<string, string> = new Map()): Embed | null {
  if (top.length === 0) return null;
  const block = (t: TopStory, i: number, impactMax: number, linked: boolean) => {
    const a = t.article;
    const title = linked ? link(a.title, a.url, 150) : safeText(a.title, 150);
    const meta = [a.source ? safeText(a.source, 60) : null, sentimentText(a), t.sources > 1 ? `${t.sources} sources` : null].filter(Boolean).join(' · ');
    const impact = impacts.get(a.id);
    const bullet = impact && impactMax > 0 ? `\n> ↳ ${safeText(impact, impactMax)}` : '';
    return `**${i + 1}.** ${title}\n${meta}${bullet}`;
  };
  const levels: Array<[number, boolean]> = [
    [220, true],
    [120, true],
    [0, true],
    [0, false],
  ];
  let description = '';
  for (const [impactMax, linked] of levels) {
    description = top.map((t, i) => block(t, i, impactMax, linked)).join('\n\n');
    if (description.length <= TOP_BUDGET) break;
  }
  return { title: `⭐ Top ${top.length === 1 ? 'story' : `${top.length} stories`}`, description: truncate(description, TOP_BUDGET), color: 0xf0b232 };
}

/** How a digest is rendered. */
export interface DigestRenderOptions {
  title?: string;
  /** First impact bullet per article id, for the top stories (read by the edge; the store keeps no bodies). */
  impacts?: ReadonlyMap<string, string>;
  /** The mood line under the header. */
  mood?: MoodLine;
  /** The mood chart, attached to the first message. */
  chart?: ChartFile;
  /**
   * True when the bot may start a thread in the channel: the first message (header, mood, top stories,
   * chart) goes in the channel, and the full grouped list into a thread started from it.
   */
  thread?: boolean;
}

/** The name of the thread holding a digest's full list (1–100 characters). */
export function digestThreadName(d: Digest): string {
  return truncate(`Full list — ${formatLongDate(d.date)} (${d.total} article${d.total === 1 ? '' : 's'})`, L.threadName);
}

/**
 * Renders a digest into the messages to store and send: a header with the date, the counts per
 * sentiment and the mood line; the top stories; then one embed per sentiment (its colour), one field
 * per topic with linked titles and sources, split over as many messages as needed (at most
 * `MAX_DIGEST_MESSAGES`); when that is not enough, each topic shows its best articles and ends with an
 * exact "…and N more". With `thread`, the first message holds the header and top stories and starts a
 * thread, and the grouped list goes into it. Every payload is within Discord's limits.
 */
export function renderDigestParts(d: Digest, options: DigestRenderOptions = {}): DigestPart[] {
  const extra = options.mood ? [moodText(options.mood)] : [];
  const files = options.chart ? { files: [options.chart], attachments: [{ id: options.chart.id, filename: options.chart.filename, description: 'Market mood: share of positive, negative and neutral articles per day' }] } : {};
  if (d.total === 0) {
    // Nothing to weigh: no mood line, no chart, one short message as before.
    return [{ content: `📰 No new articles for ${formatLongDate(d.date)} (${safeText(d.timezone, 64)}).`, allowed_mentions: NO_MENTIONS }];
  }
  const top = topStoriesEmbed(d.top, options.impacts) ?? undefined;
  const cache = new Map<Article, string>();
  const lineOf: LineOf = (a) => {
    let line = cache.get(a);
    if (line === undefined) cache.set(a, (line = digestLine(a)));
    return line;
  };
  const seed = options.thread ? undefined : top;
  // In a thread the list has the whole message budget; inline, the first message shares it with the header.
  const budget = options.thread ? MAX_DIGEST_MESSAGES - 1 : MAX_DIGEST_MESSAGES;
  const largest = Math.max(...d.groups.flatMap((g) => g.topics.map((t) => t.articles.length)));
  const mostTopics = Math.max(...d.groups.map((g) => g.topics.length));
  let limits: Limits = { perTopic: largest, topicsPerGroup: mostTopics };
  let messages = layout(d, limits, lineOf, seed);
  if (messages.length > budget) {
    const fits = (l: Limits) => layout(d, l, lineOf, seed).length <= budget;
    // The largest per-topic cap that fits; then, if the topics alone overflow, cap the topics too.
    const perTopic = largestFitting(1, largest, (n) => fits({ perTopic: n, topicsPerGroup: mostTopics }));
    limits = { perTopic, topicsPerGroup: mostTopics };
    if (!fits(limits)) limits = { perTopic, topicsPerGroup: largestFitting(1, mostTopics, (n) => fits({ perTopic, topicsPerGroup: n })) };
    messages = layout(d, limits, lineOf, seed);
  }
  if (options.thread) {
    const lead: DigestPart = {
      content: header(d, options.title, 1, [...extra, `🧵 The full list is in the thread below.`]),
      ...(top ? { embeds: [top] } : {}),
      allowed_mentions: NO_MENTIONS,
      ...files,
      placement: { in: 'channel', startThread: { name: digestThreadName(d), auto_archive_duration: 1440 } },
    };
    const list = messages.map((m, i): DigestPart => ({
      content: i === 0 ? `**Full list: ${d.total} article${d.total === 1 ? '' : 's'}**${messages.length > 1 ? ` _(part 1 of ${messages.length})_` : ''}` : `_Part ${i + 1} of ${messages.length}_`,
      embeds: m.embeds,
      allowed_mentions: NO_MENTIONS,
      placement: { in: 'thread' },
    }));
    return [lead, ...list];
  }
  return messages.map((m, i): DigestPart => ({
    ...(i === 0 ? { content: header(d, options.title, messages.length, extra) } : { content: `_Part ${i + 1} of ${messages.length}_` }),
    embeds: m.embeds,
    allowed_mentions: NO_MENTIONS,
    ...(i === 0 ? files : {}),
  }));
}

/**
 * The digest as plain Discord messages, in one channel (no thread, no files): what `/news digest`
 * previews and `news digest --json` prints. See {@link renderDigestParts}.
 */
export function renderDigest(d: Digest, options: Omit<DigestRenderOptions, 'chart' | 'thread'> = {}): MessagePayload[] {
  return renderDigestParts(d, options).map(wirePayload);
}
