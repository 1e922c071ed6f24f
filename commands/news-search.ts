import type { ChatInputCommandInteraction, SlashCommandSubcommandBuilder } from 'discord.js';
import { parseSentiment } from '../src/classify/sentiment.ts';
import { SENTIMENTS, type ParsedArticle, type Sentiment } from '../src/content/article.ts';
import type { BotContext } from '../src/discord/context.ts';
import { toEdit, toReply } from '../src/discord/respond.ts';
import type { SearchSession } from '../src/discord/search-sessions.ts';
import { UserError } from '../src/errors.ts';
import { renderImpactTopicPage, renderSearchPage } from '../src/render/articles.ts';
import { truncate } from '../src/render/markdown.ts';
import type { MessagePayload } from '../src/payload/types.ts';
import { parseSince, parseSort, SEARCH_SORTS } from '../src/search/filters.ts';
import { prepareQuery } from '../src/search/query.ts';
import { pageButtonId } from './news-page-button.ts';

/**
 * `/news search` with its filters, and `/news impact topic:`, the two paged answers of `/news`. Both
 * keep their query and filters in a search session, so the ◀ ▶ buttons show the same search.
 */

/** Results per search page: five embeds' worth of articles stays readable on a phone. */
export const SEARCH_PAGE_SIZE = 5;
/** Articles per impact page: five articles' bullets fit one message's 6,000 characters of embeds. */
export const IMPACT_PAGE_SIZE = 5;
/** The newest articles of a topic whose files are read for impact notes: a busy topic's week, bounded. */
const IMPACT_SCAN = 400;
/** Articles with impact notes kept for paging (20 pages); a longer list asks for a shorter period. */
const IMPACT_KEPT = 100;
/** Files read at once when looking for impact notes. */
const READS_AT_ONCE = 16;

const sentimentChoices = SENTIMENTS.map((s) => ({ name: s, value: s }));
const sortChoices = SEARCH_SORTS.map((s) => ({ name: s === 'relevance' ? 'relevance (best match first)' : 'newest first', value: s }));

/** `/news search`'s options, in Discord's order (the required query first). */
export function searchOptions(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('search')
    .setDescription('Search titles, summaries, topics, sources and impact notes; forgives typos')
    .addStringOption((o) => o.setName('query').setDescription('Words to look for, e.g. musk').setRequired(true))
    .addStringOption((o) => o.setName('topic').setDescription('Only this topic').setAutocomplete(true))
    .addStringOption((o) => o.setName('sentiment').setDescription('Only this sentiment').addChoices(...sentimentChoices))
    .addStringOption((o) => o.setName('source').setDescription('Only this source').setAutocomplete(true))
    .addStringOption((o) => o.setName('since').setDescription('Only since: 24h, 7d, 30d or a date (YYYY-MM-DD)').setAutocomplete(true))
    .addStringOption((o) => o.setName('sort').setDescription('relevance (default) or newest').addChoices(...sortChoices));
}

/** `/news impact`'s options: an article (by title), or a topic and a period. */
export function impactOptions(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('impact')
    .setDescription('Impact on the crypto market: of one article, or of a topic over a period')
    .addStringOption((o) => o.setName('article').setDescription('Start typing a title').setAutocomplete(true))
    .addStringOption((o) => o.setName('topic').setDescription("Instead of an article: a topic's impact notes").setAutocomplete(true))
    .addStringOption((o) => o.setName('since').setDescription('With topic: 24h, 7d (default), 30d or a date').setAutocomplete(true));
}

/** The sentiment option, checked (a client may send any text). */
export function sentimentOption(i: ChatInputCommandInteraction): Sentiment | undefined {
  const raw = i.options.getString('sentiment');
  if (raw === null) return undefined;
  const sentiment = parseSentiment(raw);
  if (sentiment === null) throw new UserError(`“${truncate(raw, 40)}” is not a sentiment. Pick positive, negative or neutral.`);
  return sentiment;
}

/** The topic option as the archive spells it, through the alias table. */
export function topicOption(i: ChatInputCommandInteraction, ctx: BotContext): string | undefined {
  const raw = i.options.getString('topic')?.trim();
  if (!raw) return undefined;
  const known = ctx.store.resolveTopic(raw);
  if (!known) throw new UserError(`There is no topic called “${truncate(raw, 80)}”. Pick one from the suggestions, or run /news topics to see them all.`);
  return known;
}

function sourceOption(i: ChatInputCommandInteraction, ctx: BotContext): string | undefined {
  const raw = i.options.getString('source')?.trim();
  if (!raw) return undefined;
  const known = ctx.store.resolveSource(raw);
  if (!known) throw new UserError(`There is no source called “${truncate(raw, 80)}”. Pick one from the suggestions.`);
  return known;
}

function sinceOption(i: ChatInputCommandInteraction, ctx: BotContext, fallback?: string): SearchSession['since'] {
  const raw = i.options.getString('since')?.trim() || fallback;
  if (!raw) return undefined;
  // parseSince throws a QueryError, which the router shows privately as it is.
  const since = parseSince(raw, ctx.clock.now());
  return { from: since.from.getTime(), label: since.label };
}

/** The filters of a session, as a reply names them. */
function filterLabels(s: SearchSession): string[] {
  return [s.topic && `topic ${s.topic}`, s.sentiment, s.source && `source ${s.source}`, s.since?.label, s.sort === 'newest' && 'newest first'].filter((x): x is string => !!x);
}

/** Renders one page of a stored search; shared by the command and the ◀ ▶ buttons. */
function searchPage(ctx: BotContext, session: SearchSession, page: number): MessagePayload {
  const run = (p: number) =>
    ctx.store.search(session.query, {
      topic: session.topic,
      sentiment: session.sentiment,
      source: session.source,
      from: session.since ? new Date(session.since.from) : undefined,
      sort: session.sort,
      limit: SEARCH_PAGE_SIZE,
      offset: p * SEARCH_PAGE_SIZE,
    });
  const result = run(page);
  const pageCount = Math.max(1, Math.ceil(result.total / SEARCH_PAGE_SIZE));
  const clamped = Math.min(page, pageCount - 1);
  const shown = clamped === page ? result : run(clamped);
  return renderSearchPage({
    query: shown.query,
    truncated: shown.truncated,
    total: shown.total,
    page: clamped,
    pageSize: SEARCH_PAGE_SIZE,
    articles: shown.articles,
    filters: filterLabels(session),
    corrections: shown.corrections,
    suggestions: shown.suggestions,
    customIds: { prev: pageButtonId(session.id, Math.max(0, clamped - 1), 'prev'), next: pageButtonId(session.id, clamped + 1, 'next') },
  });
}

/** Reads articles' details a few at a time, in order; an article whose file went is left out. */
async function detailsOf(ctx: BotContext, ids: readonly string[]): Promise<ParsedArticle[]> {
  const out: (ParsedArticle | null)[] = [];
  for (let at = 0; at < ids.length; at += READS_AT_ONCE) {
    const batch = ids.slice(at, at + READS_AT_ONCE).map((id) => {
      const a = ctx.store.get(id);
      return a ? ctx.store.details(a) : Promise.resolve(null);
    });
    out.push(...(await Promise.all(batch)));
  }
  return out.filter((a): a is ParsedArticle => a !== null);
}

async function impactPage(ctx: BotContext, session: SearchSession, page: number): Promise<MessagePayload> {
  const ids = session.impact?.articleIds ?? [];
  const pages = Math.max(1, Math.ceil(ids.length / IMPACT_PAGE_SIZE));
  const clamped = Math.min(page, pages - 1);
  const articles = await detailsOf(ctx, ids.slice(clamped * IMPACT_PAGE_SIZE, (clamped + 1) * IMPACT_PAGE_SIZE));
  return renderImpactTopicPage({
    topic: session.query,
    period: session.since?.label ?? '',
    total: ids.length,
    page: clamped,
    pageSize: IMPACT_PAGE_SIZE,
    articles,
    customIds: { prev: pageButtonId(session.id, Math.max(0, clamped - 1), 'prev'), next: pageButtonId(session.id, clamped + 1, 'next') },
  });
}

/** One page of a stored session, whichever command made it. */
export async function sessionPage(ctx: BotContext, session: SearchSession, page: number): Promise<MessagePayload> {
  return session.impact ? impactPage(ctx, session, page) : searchPage(ctx, session, page);
}

/** `/news search query [topic] [sentiment] [source] [since] [sort]`. */
export async function search(i: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const query = i.options.getString('query', true);
  // Every option is checked before anything is stored or answered: a bad one gets a private explanation.
  const topic = topicOption(i, ctx);
  const sentiment = sentimentOption(i);
  const source = sourceOption(i, ctx);
  const since = sinceOption(i, ctx);
  const rawSort = i.options.getString('sort');
  const sort = rawSort === null ? undefined : parseSort(rawSort);
  // Rejects an empty query (QueryError) before a session is stored for it, without running the search twice.
  prepareQuery(query);
  const session = ctx.searchSessions.create({ userId: i.user.id, query, topic, sentiment, source, since, sort });
  await i.reply(toReply(searchPage(ctx, session, 0)));
}

/**
 * `/news impact topic:<topic> [since]`: the period's impact bullets for the topic (default the last
 * 7 days), positive first, then negative, then neutral, newest first within each, in pages.
 */
export async function impactForTopic(i: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const topic = topicOption(i, ctx)!;
  const since = sinceOption(i, ctx, '7d')!;
  // Impact notes live in the files, not in memory: reading a week of a busy topic can take a moment.
  await i.deferReply();
  const newest = ctx.store.query({ topic, from: new Date(since.from), limit: IMPACT_SCAN });
  const read = await detailsOf(
    ctx,
    newest.map((a) => a.id),
  );
  const order = new Map(SENTIMENTS.map((s, n) => [s, n]));
  const withNotes = read.filter((a) => a.impact.length > 0);
  // A stable sort: newest first stays within each sentiment.
  withNotes.sort((a, b) => order.get(a.sentiment)! - order.get(b.sentiment)!);
  const session = ctx.searchSessions.create({ userId: i.user.id, query: topic, since, impact: { articleIds: withNotes.slice(0, IMPACT_KEPT).map((a) => a.id) } });
  await i.editReply(toEdit(await impactPage(ctx, session, 0)));
}
