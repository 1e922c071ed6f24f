import { ApplicationIntegrationType, InteractionContextType, MessageFlags, SlashCommandBuilder, type AutocompleteInteraction, type ChatInputCommandInteraction, type MessageComponentInteraction } from 'discord.js';
import { localDate, parseIsoDate } from '../src/calendar/period.ts';
import { SENTIMENTS } from '../src/content/article.ts';
import { composeDayDigest, readTopImpacts } from '../src/digest/compose.ts';
import { composeDayMood } from '../src/digest/mood.ts';
import { bySubcommand, type Command } from '../src/discord/command.ts';
import { timezoneFor, topicsFor, type BotContext } from '../src/discord/context.ts';
import { toEdit, toReply, toUpdate } from '../src/discord/respond.ts';
import { UserError } from '../src/errors.ts';
import { DISCORD_LIMITS } from '../src/payload/limits.ts';
import { renderDigest } from '../src/render/digest.ts';
import { renderArticleList, renderImpact, renderTopics } from '../src/render/articles.ts';
import { truncate } from '../src/render/markdown.ts';
import { impactForTopic, impactOptions, search, searchOptions, sentimentOption, sessionPage, topicOption } from './news-search.ts';
import { parsePageButtonId } from './news-page-button.ts';
import { addFollowSubcommands, followAutocomplete, followHandlers } from './news-follow.ts';

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
  .addSubcommand(searchOptions)
  .addSubcommand(impactOptions)
  .addSubcommand((s) => s.setName('topics').setDescription('Every topic, with its number of articles'))
  .addSubcommand((s) =>
    s
      .setName('digest')
      .setDescription("Preview today's digest (or another day's), only for you")
      .addStringOption((o) => o.setName('date').setDescription('YYYY-MM-DD (default: today)')),
  );

// follow, follows, unfollow: saved searches posted as they arrive (news-follow.ts).
addFollowSubcommands(data);

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

/** `/news impact`: one article's bullets (`article`), or a topic's over a period (`topic`, `since`). */
async function impact(i: ChatInputCommandInteraction, ctx: BotContext) {
  const raw = i.options.getString('article');
  const topic = i.options.getString('topic');
  if (raw !== null && topic !== null) throw new UserError('Pick an article or a topic, not both: /news impact article:<title>, or /news impact topic:<topic> since:7d.');
  if (topic !== null) return impactForTopic(i, ctx);
  if (raw === null) throw new UserError('Pick an article (start typing a title) or a topic, e.g. /news impact topic:Bitcoin since:7d.');
  if (i.options.getString('since') !== null) throw new UserError('since applies to a topic, not to one article: /news impact topic:<topic> since:7d.');
  const value = raw.trim();
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
  const digest = composeDayDigest(ctx.store, { date, timezone, topics: await topicsFor(ctx, i.guildId) });
  // As posted: top stories with their first impact bullet, and the mood line (a preview has no chart).
  const mood = digest.total > 0 ? composeDayMood(ctx.store, { date, timezone }).line : undefined;
  const payloads = renderDigest(digest, { impacts: await readTopImpacts(ctx.store, digest), ...(mood ? { mood } : {}) });
  const [first, ...rest] = payloads;
  await i.editReply(toEdit(first!));
  for (const p of rest) await i.followUp(toReply(p, { ephemeral: true }));
}

/** Names holding what is typed (any case), most common first as given, each shown with its count: `Bitcoin (412)`. */
function countedChoices(named: ReadonlyArray<readonly [name: string, count: number]>, typed: string) {
  const needle = typed.trim().toLowerCase();
  const cap = DISCORD_LIMITS.autocompleteChoiceText;
  return named
    .filter(([name]) => name.toLowerCase().includes(needle))
    .slice(0, DISCORD_LIMITS.autocompleteChoices)
    .map(([name, count]) => ({ name: truncate(`${name} (${count})`, cap), value: truncate(name, cap) }));
}

async function autocomplete(i: AutocompleteInteraction, ctx: BotContext) {
  if (await followAutocomplete(i, ctx)) return;
  const focused = i.options.getFocused(true);
  const typed = String(focused.value ?? '');
  const cap = DISCORD_LIMITS.autocompleteChoiceText;
  if (focused.name === 'article') {
    const choices = ctx.store.suggest(typed, DISCORD_LIMITS.autocompleteChoices).map((a) => ({ name: truncate(a.title, cap), value: a.id }));
    await i.respond(choices);
    return;
  }
  if (focused.name === 'source') {
    await i.respond(countedChoices(ctx.store.sources().map((s) => [s.source, s.count]), typed));
    return;
  }
  if (focused.name === 'since') {
    // The usual periods, and what is being typed when it is already a date or a period of its own.
    const typedText = typed.trim().slice(0, 20);
    const usual = ['24h', '7d', '30d'].filter((p) => p.startsWith(typedText.toLowerCase()) || !typedText);
    const values = typedText && !usual.includes(typedText) ? [typedText, ...usual] : usual;
    await i.respond(values.map((v) => ({ name: v, value: v })));
    return;
  }
  if (focused.name === 'topic') {
    await i.respond(countedChoices(ctx.store.topics().map((t) => [t.topic, t.count]), typed));
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
  await i.update(toUpdate(await sessionPage(ctx, session, button.page)));
}

/** `/news`: what every member uses to read and search. */
export const news = {
  data,
  execute: bySubcommand({ latest, search, impact, topics, digest, ...followHandlers }),
  autocomplete,
  component,
} satisfies Command;
