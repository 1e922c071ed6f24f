import type { Article } from '../content/article.ts';
import { DISCORD_LIMITS as L } from '../payload/limits.ts';
import { NO_MENTIONS, type Embed, type EmbedField, type MessagePayload } from '../payload/types.ts';
import { link, safeText, truncate } from './markdown.ts';
import { INFERRED_MARK, INFERRED_NOTE, SENTIMENT_STYLE } from './style.ts';
import type { Digest, DigestGroup } from '../digest/compose.ts';
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

function header(d: Digest, title: string | undefined, parts: number): string {
  const day = formatLongDate(d.date);
  const lastDay = localDate(new Date(d.to.getTime() - 1), d.timezone);
  const span = lastDay !== d.date ? `${day} – ${formatLongDate(lastDay)}` : day;
  const counts = (['positive', 'negative', 'neutral'] as const).map((s) => `${SENTIMENT_STYLE[s].emoji} ${d.counts[s]} ${s}`).join(' · ');
  const heading = `📰 **${safeText(title ?? 'Daily digest', 100)} — ${span}** (${safeText(d.timezone, 64)})`;
  const total = `**${d.total}** article${d.total === 1 ? '' : 's'}: ${counts}`;
  return truncate(`${heading}\n${total}${parts > 1 ? `\n_Part 1 of ${parts}_` : ''}`, L.content);
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

function layout(d: Digest, limits: Limits, lineOf: LineOf): { embeds: Embed[] }[] {
  const packer = new Packer();
  const timestamp = d.from.toISOString();
  for (const group of d.groups) {
    const style = SENTIMENT_STYLE[group.sentiment];
    const inferred = group.topics.some((t) => t.articles.slice(0, limits.perTopic).some((a) => a.sentimentSource === 'inferred'));
    packer.startGroup(`${style.emoji} ${style.label} · ${group.count}`, style.color, inferred ? INFERRED_NOTE : undefined, timestamp);
    for (const field of groupFields(group, limits, lineOf)) packer.addField(field);
  }
  return packer.messages;
}

/**
 * Renders a digest into Discord messages: a header with the date and counts per sentiment, then one
 * embed per sentiment (its colour), one field per topic with linked titles and sources. Splits over
 * as many messages as needed (at most `MAX_DIGEST_MESSAGES`); when that is not enough, each topic
 * shows its best articles and ends with an exact "…and N more". Every payload is within Discord's limits.
 */
export function renderDigest(d: Digest, options: { title?: string } = {}): MessagePayload[] {
  if (d.total === 0) {
    return [{ content: `📰 No new articles for ${formatLongDate(d.date)} (${safeText(d.timezone, 64)}).`, allowed_mentions: NO_MENTIONS }];
  }
  const cache = new Map<Article, string>();
  const lineOf: LineOf = (a) => {
    let line = cache.get(a);
    if (line === undefined) cache.set(a, (line = digestLine(a)));
    return line;
  };
  const largest = Math.max(...d.groups.flatMap((g) => g.topics.map((t) => t.articles.length)));
  const mostTopics = Math.max(...d.groups.map((g) => g.topics.length));
  let limits: Limits = { perTopic: largest, topicsPerGroup: mostTopics };
  let messages = layout(d, limits, lineOf);
  if (messages.length > MAX_DIGEST_MESSAGES) {
    const fits = (l: Limits) => layout(d, l, lineOf).length <= MAX_DIGEST_MESSAGES;
    // The largest per-topic cap that fits; then, if the topics alone overflow, cap the topics too.
    const perTopic = largestFitting(1, largest, (n) => fits({ perTopic: n, topicsPerGroup: mostTopics }));
    limits = { perTopic, topicsPerGroup: mostTopics };
    if (!fits(limits)) limits = { perTopic, topicsPerGroup: largestFitting(1, mostTopics, (n) => fits({ perTopic, topicsPerGroup: n })) };
    messages = layout(d, limits, lineOf);
  }
  return messages.map((m, i) => ({
    ...(i === 0 ? { content: header(d, options.title, messages.length) } : { content: `_Part ${i + 1} of ${messages.length}_` }),
    embeds: m.embeds,
    allowed_mentions: NO_MENTIONS,
  }));
}
