/**
 * `/news follow`, `/news follows` and `/news unfollow`: saved searches whose new matches are posted in
 * a channel as they arrive, in batches. Kept apart from news.ts; news.ts adds these subcommands with
 * `addFollowSubcommands` and routes to `followHandlers` and `followAutocomplete`.
 */
import { ChannelType, PermissionFlagsBits, type AutocompleteInteraction, type ChatInputCommandInteraction, type SlashCommandSubcommandsOnlyBuilder } from 'discord.js';
import type { BotContext } from '../src/discord/context.ts';
import { toReply } from '../src/discord/respond.ts';
import { UserError } from '../src/errors.ts';
import { DISCORD_LIMITS } from '../src/payload/limits.ts';
import { renderNotice } from '../src/render/articles.ts';
import { renderFollowList } from '../src/render/follow.ts';
import { truncate } from '../src/render/markdown.ts';
import { followWords, MAX_FOLLOW_WORDS } from '../src/search/follow-match.ts';

/** Follows one server may have: each is checked against every new article, and each may post every batch interval. */
export const MAX_FOLLOWS = 25;
/** The longest follow query, in characters. */
export const MAX_FOLLOW_QUERY = 100;

/** Adds `follow`, `follows` and `unfollow` to the `/news` builder (the builder is changed in place, and returned). */
export function addFollowSubcommands<B extends Pick<SlashCommandSubcommandsOnlyBuilder, 'addSubcommand'>>(builder: B): B {
  builder
    .addSubcommand((s) =>
      s
        .setName('follow')
        .setDescription('Post new articles matching a search in a channel as they arrive (Manage Server)')
        .addStringOption((o) => o.setName('query').setDescription('Words every new article must have, e.g. bitcoin etf').setRequired(true).setMaxLength(MAX_FOLLOW_QUERY))
        .addChannelOption((o) => o.setName('channel').setDescription('Where to post them').setRequired(true).addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement)),
    )
    .addSubcommand((s) => s.setName('follows').setDescription("This server's follows, with their ids"))
    .addSubcommand((s) =>
      s
        .setName('unfollow')
        .setDescription('Stop a follow (Manage Server)')
        .addIntegerOption((o) => o.setName('id').setDescription('Which follow: start typing its words').setRequired(true).setAutocomplete(true)),
    );
  return builder;
}

function requireServer(i: ChatInputCommandInteraction | AutocompleteInteraction): string {
  if (!i.inGuild()) throw new UserError('Follows are set per server: run this command in a server.');
  return i.guildId;
}

/**
 * `/news` is open to every member, so Discord's `default_member_permissions` cannot guard these two
 * subcommands: the bot checks Manage Server itself, from the permissions Discord sent with the interaction.
 */
function requireManageServer(i: ChatInputCommandInteraction): void {
  if (!i.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
    throw new UserError('Only members with the Manage Server permission can change what this server follows. /news follows lists them for everyone.');
  }
}

/** The query as stored: spaces collapsed, checked for length and words. */
export function checkFollowQuery(raw: string): string {
  const query = (raw ?? '').replace(/\s+/g, ' ').trim();
  if (!query) throw new UserError('Type the words to follow, e.g. query:bitcoin etf.');
  if ([...query].length > MAX_FOLLOW_QUERY) throw new UserError(`A follow's query is at most ${MAX_FOLLOW_QUERY} characters.`);
  const words = followWords(query);
  if (words.length === 0) throw new UserError(`“${truncate(query, 40)}” has no word to look for: use letters or digits, e.g. query:bitcoin etf.`);
  if (words.length > MAX_FOLLOW_WORDS) throw new UserError(`A follow matches articles that have every one of its words: use at most ${MAX_FOLLOW_WORDS}.`);
  return query;
}

const minutes = (ms: number | null) => Math.max(1, Math.round((ms ?? 600_000) / 60_000));

async function follow(i: ChatInputCommandInteraction, ctx: BotContext) {
  const guildId = requireServer(i);
  requireManageServer(i);
  const query = checkFollowQuery(i.options.getString('query', true));
  const channel = i.options.getChannel('channel', true);
  const check = ctx.checkChannel(guildId, channel.id);
  if (!check.ok) throw new UserError(check.reason);
  const r = await ctx.digests.follows.add({ guildId, channelId: channel.id, query, createdBy: i.user.id }, MAX_FOLLOWS);
  if (!r.ok) {
    throw new UserError(
      r.reason === 'limit'
        ? `This server already has ${MAX_FOLLOWS} follows, the most it may have. Remove one with /news unfollow first.`
        : `<#${channel.id}> already follows “${truncate(query, 60)}”.`,
    );
  }
  ctx.logger.info({ guildId, channelId: channel.id, followId: r.follow.id, userId: i.user.id }, 'follow added');
  const every = minutes(ctx.digests.follows.batchMs);
  await i.reply(
    toReply(
      renderNotice(
        `🔔 Following “${truncate(query, 80)}” in <#${channel.id}> (follow #${r.follow.id}). New articles with all of these words are posted there as they arrive, at most one message every ${every} minute${every === 1 ? '' : 's'}.`,
        { ephemeral: true },
      ),
    ),
  );
}

async function follows(i: ChatInputCommandInteraction, ctx: BotContext) {
  const guildId = requireServer(i);
  await i.reply(toReply(renderFollowList(await ctx.digests.follows.list(guildId), { max: MAX_FOLLOWS })));
}

async function unfollow(i: ChatInputCommandInteraction, ctx: BotContext) {
  const guildId = requireServer(i);
  requireManageServer(i);
  const id = i.options.getInteger('id', true);
  const removed = await ctx.digests.follows.remove(guildId, id);
  if (!removed) throw new UserError(`This server has no follow #${id}. /news follows lists them with their ids.`);
  ctx.logger.info({ guildId, followId: id, userId: i.user.id }, 'follow removed');
  await i.reply(toReply(renderNotice(`🔕 Stopped following “${truncate(removed.query, 80)}” in <#${removed.channelId}>.`, { ephemeral: true })));
}

/** The handlers, for news.ts's `bySubcommand`. */
export const followHandlers = { follow, follows, unfollow };

/**
 * Suggests the server's follows for `/news unfollow id:`; true when it answered (the focused option
 * was this one), so news.ts's own autocomplete can return.
 */
export async function followAutocomplete(i: AutocompleteInteraction, ctx: BotContext): Promise<boolean> {
  if (i.options.getSubcommand(false) !== 'unfollow' || i.options.getFocused(true).name !== 'id') return false;
  if (!i.inGuild()) {
    await i.respond([]);
    return true;
  }
  const typed = String(i.options.getFocused() ?? '').trim().toLowerCase();
  const all = await ctx.digests.follows.list(i.guildId);
  const channelName = (id: string) => i.guild?.channels.cache.get(id)?.name ?? id;
  const choices = all
    .filter((f) => !typed || f.query.toLowerCase().includes(typed) || String(f.id).startsWith(typed) || channelName(f.channelId).toLowerCase().includes(typed))
    .slice(0, DISCORD_LIMITS.autocompleteChoices)
    .map((f) => ({ name: truncate(`#${f.id} “${f.query}” → #${channelName(f.channelId)}`, DISCORD_LIMITS.autocompleteChoiceText), value: f.id }));
  await i.respond(choices);
  return true;
}
