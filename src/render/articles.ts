import type { Article, ParsedArticle } from '../content/article.ts';
import { formatInZone } from '../calendar/period.ts';
import { DISCORD_LIMITS as L } from '../payload/limits.ts';
import { EPHEMERAL_FLAG, NO_MENTIONS, type ActionRow, type Embed, type MessagePayload } from '../payload/types.ts';
import { link, safeText, truncate } from './markdown.ts';
import { INFERRED_MARK, SENTIMENT_STYLE, sentimentText } from './style.ts';

/** Brand colour of lists that mix sentiments. */
const LIST_COLOR = 0x5865f2;

const day = (a: Pick<Article, 'publishedAt'>) => a.publishedAt.toISOString().slice(0, 10);

/** Two compact lines for a list: linked title, then source · date · topics · sentiment. */
export function articleEntry(a: Article, n?: number): string {
  const meta = [a.source && safeText(a.source, 60), day(a), safeText(a.topics.join(', '), 80), `${SENTIMENT_STYLE[a.sentiment].emoji}${a.sentimentSource === 'inferred' ? INFERRED_MARK : ''}`]
    .filter(Boolean)
    .join(' · ');
  return `${n !== undefined ? `**${n}.** ` : ''}${link(a.title, a.url, 200)}\n${meta}`;
}

/** Joins entries into a description of at most 4,096 characters, counting what did not fit. */
function describe(entries: string[], budget: number): { text: string; shown: number } {
  let text = '';
  let shown = 0;
  for (const e of entries) {
    const next = text ? `${text}\n\n${e}` : e;
    if (next.length > budget) break;
    text = next;
    shown++;
  }
  return { text, shown };
}

/** `/news latest`: one embed listing the articles, newest first. */
export function renderArticleList(articles: readonly Article[], options: { title: string; emptyText: string }): MessagePayload {
  if (articles.length === 0) return { content: options.emptyText, allowed_mentions: NO_MENTIONS };
  const { text, shown } = describe(
    articles.map((a, i) => articleEntry(a, i + 1)),
    L.embedDescription - 40,
  );
  const embed: Embed = {
    title: truncate(options.title, L.embedTitle),
    description: shown < articles.length ? `${text}\n\n…and ${articles.length - shown} more` : text,
    color: LIST_COLOR,
    footer: { text: `${SENTIMENT_STYLE.positive.emoji} positive · ${SENTIMENT_STYLE.negative.emoji} negative · ${SENTIMENT_STYLE.neutral.emoji} neutral · ${INFERRED_MARK} inferred` },
  };
  return { embeds: [embed], allowed_mentions: NO_MENTIONS };
}

/** What `renderSearchPage` needs: one page of results and the ids of its ◀ ▶ buttons. */
export interface SearchPageInput {
  query: string;
  truncated: boolean;
  total: number;
  /** Zero-based. */
  page: number;
  pageSize: number;
  articles: readonly Article[];
  customIds: { prev: string; next: string };
  /** The filters in force, as people read them (`topic AI`, `last 7 days`, `newest first`). */
  filters?: readonly string[];
  /** Query words matched through close spellings (`etherium` → `ethereum`). */
  corrections?: readonly { word: string; matches: readonly string[] }[];
  /** When nothing matches: archive words close to the query's ("did you mean ethereum?"). */
  suggestions?: readonly string[];
}

/** "Did you mean **ethereum** or **ether**?" */
function didYouMean(words: readonly string[]): string {
  const bold = words.map((w) => `**${safeText(w, 40)}**`);
  return `Did you mean ${bold.length > 1 ? `${bold.slice(0, -1).join(', ')} or ${bold.at(-1)}` : bold[0]}?`;
}

/** `/news search`: one page of ranked results, with ◀ ▶ buttons when there is more than one page. */
export function renderSearchPage(p: SearchPageInput): MessagePayload {
  const quoted = `“${safeText(p.query, 120)}”`;
  const cut = p.truncated ? '\n_Your query was cut to its first 200 characters._' : '';
  const filters = p.filters && p.filters.length > 0 ? safeText(p.filters.join(' · '), 300) : '';
  if (p.total === 0) {
    const what = `No articles match ${quoted}${filters ? ` (${filters})` : ''}.`;
    const hint =
      p.suggestions && p.suggestions.length > 0
        ? didYouMean(p.suggestions)
        : filters
          ? 'Try without some of the filters, or with fewer words.'
          : 'Try fewer or shorter words — prefixes work too (`mus` finds Musk).';
    return { content: truncate(`${what} ${hint}${cut}`, L.content), allowed_mentions: NO_MENTIONS };
  }
  const pages = Math.max(1, Math.ceil(p.total / p.pageSize));
  const first = p.page * p.pageSize + 1;
  const last = first + p.articles.length - 1;
  // Which close spellings matched, so a result without the typed word is not a mystery.
  const spelled = (p.corrections ?? []).map((c) => `“${safeText(c.word, 40)}” → ${c.matches.slice(0, 3).map((m) => safeText(m, 40)).join(', ')}`);
  const note = spelled.length > 0 ? `_Close spellings: ${spelled.join('; ')}_` : '';
  const { text } = describe(
    p.articles.map((a, i) => articleEntry(a, first + i)),
    L.embedDescription - 20 - (note ? note.length + 2 : 0),
  );
  const embed: Embed = {
    title: truncate(`Results ${first}–${last} of ${p.total} for “${p.query}”`, L.embedTitle),
    description: note ? `${note}\n\n${text}` : text,
    color: LIST_COLOR,
    footer: { text: truncate(`Page ${p.page + 1} of ${pages}${filters ? ` · ${filters}` : ''}`, L.footerText) },
  };
  return { ...(cut ? { content: cut.trim() } : {}), embeds: [embed], components: pageButtons(p.page, pages, p.customIds), allowed_mentions: NO_MENTIONS };
}

/** ◀ ▶ buttons, or none for a single page. */
function pageButtons(page: number, pages: number, ids: { prev: string; next: string }): ActionRow[] {
  if (pages <= 1) return [];
  return [
    {
      type: 1,
      components: [
        { type: 2, style: 2, label: '◀ Previous', custom_id: ids.prev, disabled: page === 0 },
        { type: 2, style: 2, label: 'Next ▶', custom_id: ids.next, disabled: page >= pages - 1 },
      ],
    },
  ];
}

/** What `renderImpactTopicPage` needs: one page of a topic's articles with impact notes, in sentiment order. */
export interface ImpactTopicPageInput {
  topic: string;
  /** The period, as people read it (`last 7 days`). */
  period: string;
  /** Articles with impact notes in the period, in all. */
  total: number;
  /** Zero-based. */
  page: number;
  pageSize: number;
  /** This page's articles (with their bullets), positive first, then negative, then neutral. */
  articles: readonly Pick<ParsedArticle, 'title' | 'url' | 'source' | 'publishedAt' | 'sentiment' | 'sentimentSource' | 'impact'>[];
  customIds: { prev: string; next: string };
}

/** Bullets shown per article on an impact page, and the characters each may take: five articles fit one message. */
const IMPACT_BULLETS_SHOWN = 4;
const IMPACT_BULLET_CHARS = 220;

/**
 * `/news impact topic:`: the period's impact bullets for a topic, one embed per sentiment on the page
 * (in the digest's order and colours), with ◀ ▶ buttons when there is more than one page.
 */
export function renderImpactTopicPage(p: ImpactTopicPageInput): MessagePayload {
  const header = `**Impact on the crypto market · ${safeText(p.topic, 100)}** · ${safeText(p.period, 60)}`;
  if (p.total === 0) return { content: `${header}\nNo ${safeText(p.topic, 100)} article in this period has impact notes. Try a longer period, e.g. since:30d.`, allowed_mentions: NO_MENTIONS };
  const pages = Math.max(1, Math.ceil(p.total / p.pageSize));
  const first = p.page * p.pageSize + 1;
  const embeds: Embed[] = [];
  // All of a page's articles may share one sentiment, so one embed's description (4,096, less than the
  // 6,000 all embeds share) bounds the page: each article gets an equal share of it.
  const share = Math.floor((L.embedDescription - 100) / Math.max(1, p.articles.length));
  p.articles.forEach((a, i) => {
    const style = SENTIMENT_STYLE[a.sentiment];
    const meta = [a.source && safeText(a.source, 60), day(a)].filter(Boolean).join(' · ');
    const bullets = a.impact.slice(0, IMPACT_BULLETS_SHOWN).map((b) => `• ${safeText(b, IMPACT_BULLET_CHARS)}`);
    const more = a.impact.length > IMPACT_BULLETS_SHOWN ? `\n…and ${a.impact.length - IMPACT_BULLETS_SHOWN} more` : '';
    const entry = truncate(`**${first + i}.** ${link(a.title, a.url, 150)}\n${meta}\n${bullets.join('\n')}${more}`, share);
    const last = embeds.at(-1);
    const title = `${style.emoji} ${style.label}`;
    if (last && last.title === title) last.description = `${last.description}\n\n${entry}`;
    else embeds.push({ title, color: style.color, description: entry });
  });
  embeds.at(-1)!.footer = { text: `Page ${p.page + 1} of ${pages} · ${p.total} article${p.total === 1 ? '' : 's'} with impact notes` };
  return { content: header, embeds, components: pageButtons(p.page, pages, p.customIds), allowed_mentions: NO_MENTIONS };
}

/** `/news impact`: the article's crypto-market bullets with its title, link, source, date, topics and sentiment (its details are read from the file first). */
export function renderImpact(a: ParsedArticle, options: { timezone?: string } = {}): MessagePayload {
  const style = SENTIMENT_STYLE[a.sentiment];
  const bullets = a.impact.map((b) => `• ${safeText(b, 900)}`);
  let description = '';
  let shown = 0;
  for (const b of bullets) {
    const next = description ? `${description}\n${b}` : b;
    if (next.length > L.embedDescription - 200) break;
    description = next;
    shown++;
  }
  if (shown < bullets.length) description += `\n…and ${bullets.length - shown} more`;
  const embed: Embed = {
    title: truncate(a.title.replace(/\s+/g, ' '), L.embedTitle),
    ...(a.url && a.url.length <= 2048 ? { url: a.url } : {}),
    color: style.color,
    description:
      a.impact.length > 0
        ? `**Impact on the crypto market**\n${description}`
        : `This article has no “Impact on the crypto market” section.${a.summary ? `\n\n${safeText(a.summary, 1500)}` : ''}`,
    fields: [
      { name: 'Source', value: orDash(a.source ? safeText(a.source, 200) : 'Unknown'), inline: true },
      { name: 'Published', value: formatInZone(a.publishedAt, options.timezone ?? 'UTC'), inline: true },
      { name: 'Sentiment', value: sentimentText(a), inline: true },
      { name: 'Topics', value: orDash(safeText(a.topics.join(', '), 1000)), inline: false },
    ],
    footer: { text: truncate(`id: ${a.id}`, L.footerText) },
    ...(a.imageUrl && a.imageUrl.length <= 2048 ? { thumbnail: { url: a.imageUrl } } : {}),
  };
  return { embeds: [embed], allowed_mentions: NO_MENTIONS };
}

/** `/news topics`: every topic with its article count. */
export function renderTopics(list: readonly { topic: string; count: number }[]): MessagePayload {
  if (list.length === 0) return { content: 'No topics yet: no articles are loaded.', allowed_mentions: NO_MENTIONS };
  const total = list.length;
  const lines = list.map((t) => `**${safeText(t.topic, 100)}** · ${t.count}`);
  const { text, shown } = describe(lines, L.embedDescription - 40);
  return {
    embeds: [
      {
        title: `${total} topic${total === 1 ? '' : 's'}`,
        description: shown < lines.length ? `${text.replace(/\n\n/g, '\n')}\n…and ${lines.length - shown} more` : text.replace(/\n\n/g, '\n'),
        color: LIST_COLOR,
        footer: { text: 'Filter with /news latest topic:<name> or /news search … topic:<name>' },
      },
    ],
    allowed_mentions: NO_MENTIONS,
  };
}

/** A plain notice, ephemeral when asked. */
export function renderNotice(text: string, options: { ephemeral?: boolean } = {}): MessagePayload {
  return { content: truncate(text, L.content), allowed_mentions: NO_MENTIONS, ...(options.ephemeral ? { flags: EPHEMERAL_FLAG } : {}) };
}

/** Discord refuses a field whose value is only white space: such a value is shown as a dash. */
function orDash(value: string): string {
  return value.trim() ? value : '—';
}
