import { ApplicationIntegrationType, InteractionContextType, MessageFlags, SlashCommandBuilder, type AutocompleteInteraction, type ChatInputCommandInteraction, type MessageComponentInteraction } from 'discord.js';
import { localDate, parseIsoDate } from '../src/calendar/period.ts';
import { parseSentiment } from '../src/classify/sentiment.ts';
import { SENTIMENTS, type Sentiment } from '../src/content/article.ts';
import { composeDayDigest } from '../src/digest/compose.ts';
import { bySubcommand, type Command } from '../src/discord/command.ts';
import { timezoneFor, topicsFor, type BotContext } from '../src/discord/context.ts';
import { toEdit, toReply, toUpdate } from '../src/discord/respond.ts';
import { UserError } from '../src/errors.ts';
import { DISCORD_LIMITS } from '../src/payload/limits.ts';
import { renderDigest } from '../src/render/digest.ts';
import { renderArticleList, renderImpact, renderSearchPage, renderTopics } from '../src/render/articles.ts';
import { truncate } from '../src/render/markdown.ts';
import { prepareQuery } from '../src/search/query.ts';
import { pageButtonId, parsePageButtonId } from './news-page-button.ts';

/** Results per search page: five embeds' worth of articles stays readable on a phone. */
export const SEARCH_PAGE_SIZE = 5;

const sentimentChoices = SENTIMENTS.map((s) => ({ name: s, value: s }));

const data = new SlashCommandBuilder()
  .setName('news')
  .setDescription('Read and search the news')
  // Server install, in servers only, stated rather than defaulted: enabling user install in the
  // Developer Portal must not make the commands appear in DMs or other servers.
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall)
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((s) =>
    s
      .setName('latest')
      .setDescription('The newest articles')
      .addIntegerOption((o) => o.setName('count').setDescription('How many (1–25, default 10)').setMinValue(1).setMaxValue(25))
      .addStringOption((o) => o.setName('topic').setDescription('Only this topic').setAutocomplete(true))
      .addStringOption((o) => o.setName('sentiment').setDescription('Only this sentiment').addChoices(...sentimentChoices)),
  )
  .addSubcommand((s) =>
    s
      .setName('search')
      .setDescription('Search titles, summaries, topics, sources and impact notes')
      .addStringOption((o) => o.setName('query').setDescription('Words to look for, e.g. musk').setRequired(true))
      .addStringOption((o) => o.setName('topic').setDescription('Only this topic').setAutocomplete(true))
      .addStringOption((o) => o.setName('sentiment').setDescription('Only this sentiment').addChoices(...sentimentChoices)),
  )
  .addSubcommand((s) =>
    s
      .setName('impact')
      .setDescription("An article's impact on the crypto market")
      .addStringOption((o) => o.setName('article').setDescription('Start typing a title').setRequired(true).setAutocomplete(true)),
  )
  .addSubcommand((s) => s.setName('topics').setDescription('Every topic, with its number of articles'))
  .addSubcommand((s) =>
    s
      .setName('digest')
      .setDescription("Preview today's digest (or another day's), only for you")
      .addStringOption((o) => o.setName('date').setDescription('YYYY-MM-DD (default: today)')),
  );

function sentimentOption(i: ChatInputCommandInteraction): Sentiment | undefined {
  const raw = i.options.getString('sentiment');
  if (raw === null) return undefined;
  const sentiment = parseSentiment(raw);
  if (sentiment === null) throw new UserError(`“${truncate(raw, 40)}” is not a sentiment. Pick positive, negative or neutral.`);
  return sentiment;
}

function topicOption(i: ChatInputCommandInteraction, ctx: BotContext): string | undefined {
  const raw = i.options.getString('topic')?.trim();
  if (!raw) return undefined;
  const known = ctx.store.resolveTopic(raw);
  if (!known) throw new UserError(`There is no topic called “${truncate(raw, 80)}”. Pick one from the suggestions, or run /news topics to see them all.`);
  return known;
}

async function latest(i: ChatInputCommandInteraction, ctx: BotContext) {
  const count = i.options.getInteger('count') ?? 10;
  if (count < 1 || count > 25) throw new UserError('Count must be between 1 and 25.');
  const topic = topicOption(i, ctx);
  const sentiment = sentimentOption(i);
  const articles = ctx.store.query({ limit: count, topic, sentiment });
  const filters = [topic, sentiment].filter(Boolean).join(', ');
  await i.reply(
    toReply(
      renderArticleList(articles, {
        title: `Latest ${articles.length} article${articles.length === 1 ? '' : 's'}${filters ? ` · ${filters}` : ''}`,
        emptyText: filters ? `No articles match ${filters} yet.` : 'No articles have been published yet.',
      }),
    ),
  );
}

/** Renders one page of a stored search; shared by the command and the ◀ ▶ buttons. */
function searchPage(ctx: BotContext, sessionId: string, page: number) {
  const session = ctx.searchSessions.get(sessionId);
  if (!session) return null;
  const result = ctx.store.search(session.query, { topic: session.topic, sentiment: session.sentiment, limit: SEARCH_PAGE_SIZE, offset: page * SEARCH_PAGE_SIZE });
  const pageCount = Math.max(1, Math.ceil(result.total / SEARCH_PAGE_SIZE));
  const clamped = Math.min(page, pageCount - 1);
  const shown =
    clamped === page
      ? result
      : ctx.store.search(session.query, { topic: session.topic, sentiment: session.sentiment, limit: SEARCH_PAGE_SIZE, offset: clamped * SEARCH_PAGE_SIZE });
  return renderSearchPage({
    query: shown.query,
    truncated: shown.truncated,
    total: shown.total,
    page: clamped,
    pageSize: SEARCH_PAGE_SIZE,
    articles: shown.articles,
    customIds: { prev: pageButtonId(sessionId, Math.max(0, clamped - 1), 'prev'), next: pageButtonId(sessionId, clamped + 1, 'next') },
  });
}

async function search(i: ChatInputCommandInteraction, ctx: BotContext) {
  const query = i.options.getString('query', true);
  const topic = topicOption(i, ctx);
  const sentiment = sentimentOption(i);
  // Rejects an empty query (QueryError) before a session is stored for it, without running the search twice.
  prepareQuery(query);
  const session = ctx.searchSessions.create({ userId: i.user.id, query, topic, sentiment });
  await i.reply(toReply(searchPage(ctx, session.id, 0)!));
}

async function impact(i: ChatInputCommandInteraction, ctx: BotContext) {
  const value = i.options.getString('article', true).trim();
  if (!value) throw new UserError('Type a few words of a title and pick an article from the list.');
  const found = ctx.store.get(value) ?? ctx.store.resolve(value);
  // The bullets are not kept in memory: they are read from the article's file now (null if it just went).
  const article = found && (await ctx.store.details(found));
  if (!article) throw new UserError(`No article matches “${truncate(value, 80)}”. Start typing a title and pick one of the suggestions.`);
  await i.reply(toReply(renderImpact(article, { timezone: await timezoneFor(ctx, i.guildId) })));
}

async function topics(i: ChatInputCommandInteraction, ctx: BotContext) {
  await i.reply(toReply(renderTopics(ctx.store.topics())));
}

async function digest(i: ChatInputCommandInteraction, ctx: BotContext) {
  const timezone = await timezoneFor(ctx, i.guildId);
  const raw = i.options.getString('date')?.trim();
  if (raw && parseIsoDate(raw) === null) throw new UserError(`“${truncate(raw, 40)}” is not a date. Use YYYY-MM-DD, for example ${localDate(ctx.clock.now(), timezone)}.`);
  // Composing a large day can take a moment; defer so the 3-second deadline is never at risk.
  await i.deferReply({ flags: MessageFlags.Ephemeral });
  const date = raw ?? localDate(ctx.clock.now(), timezone);
  const payloads = renderDigest(composeDayDigest(ctx.store, { date, timezone, topics: await topicsFor(ctx, i.guildId) }));
  const [first, ...rest] = payloads;
  await i.editReply(toEdit(first!));
  for (const p of rest) await i.followUp(toReply(p, { ephemeral: true }));
}

async function autocomplete(i: AutocompleteInteraction, ctx: BotContext) {
  const focused = i.options.getFocused(true);
  const typed = String(focused.value ?? '');
  const cap = DISCORD_LIMITS.autocompleteChoiceText;
  if (focused.name === 'article') {
    const choices = ctx.store.suggest(typed, DISCORD_LIMITS.autocompleteChoices).map((a) => ({ name: truncate(a.title, cap), value: a.id }));
    await i.respond(choices);
    return;
  }
  if (focused.name === 'topic') {
    const needle = typed.trim().toLowerCase();
    const choices = ctx.store
      .topics()
      .filter((t) => t.topic.toLowerCase().includes(needle))
      .slice(0, DISCORD_LIMITS.autocompleteChoices)
      .map((t) => ({ name: truncate(`${t.topic} (${t.count})`, cap), value: truncate(t.topic, cap) }));
    await i.respond(choices);
    return;
  }
  await i.respond([]);
}

async function component(i: MessageComponentInteraction, ctx: BotContext) {
  const button = parsePageButtonId(i.customId);
  if (!button) throw new UserError('This button is no longer supported. Run the command again.');
  const session = ctx.searchSessions.get(button.sessionId);
  if (!session) throw new UserError('These results have expired. Run /news search again to get fresh pages.');
  if (session.userId !== i.user.id) throw new UserError('Only the person who ran this search can turn its pages. Run /news search yourself to browse.');
  const payload = searchPage(ctx, session.id, button.page);
  if (!payload) throw new UserError('These results have expired. Run /news search again to get fresh pages.');
  await i.update(toUpdate(payload));
}

/** `/news`: what every member uses to read and search. */
export const news = {
  data,
  execute: bySubcommand({ latest, search, impact, topics, digest }),
  autocomplete,
  component,
} satisfies Command;
