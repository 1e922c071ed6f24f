import {
  ApplicationIntegrationType,
  ChannelType,
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
  type SlashCommandChannelOption,
} from 'discord.js';
import { formatClock, parseClock } from '../src/calendar/clock.ts';
import { formatInZone, isValidTimeZone } from '../src/calendar/period.ts';
import { WEEKDAYS } from '../src/calendar/slots.ts';
import { bySubcommand, type Command } from '../src/discord/command.ts';
import type { BotContext } from '../src/discord/context.ts';
import { toEdit, toReply } from '../src/discord/respond.ts';
import { UserError } from '../src/errors.ts';
import { DISCORD_LIMITS } from '../src/payload/limits.ts';
import type { Subscription } from '../src/db/digest-store.ts';
import { DEFAULT_TOP_STORIES, MAX_TOP_STORIES } from '../src/digest/compose.ts';
import { renderDigestList, renderDigestStatus } from '../src/render/admin.ts';
import { renderNotice } from '../src/render/articles.ts';
import { truncate } from '../src/render/markdown.ts';

/** Every IANA zone this runtime knows, for autocomplete and validation. */
const TIME_ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

/** Digests one server may have: one per channel, and enough channels for any sensible split by topic. */
export const MAX_SUBSCRIPTIONS = 25;

const channelOption = (required: boolean, description: string) => (o: SlashCommandChannelOption) =>
  o.setName('channel').setDescription(description).setRequired(required).addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement);

const data = new SlashCommandBuilder()
  .setName('digest')
  .setDescription("Set up this server's news digests: daily or weekly, one per channel")
  // Server install, in servers only (see /news): user install must not change where it appears.
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall)
  .setContexts(InteractionContextType.Guild)
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addSubcommand((s) => s.setName('list').setDescription("This server's digests: channel, schedule, topics, next run"))
  .addSubcommand((s) =>
    s
      .setName('set')
      .setDescription("Post a digest in a channel, daily or weekly, at a local time (replaces that channel's)")
      .addChannelOption(channelOption(true, 'Where to post'))
      .addStringOption((o) => o.setName('time').setDescription('Local time, 24-hour HH:MM, e.g. 08:00').setRequired(true))
      .addStringOption((o) => o.setName('timezone').setDescription('e.g. Europe/Paris').setRequired(true).setAutocomplete(true))
      .addStringOption((o) =>
        o
          .setName('frequency')
          .setDescription('Every day (default) or once a week')
          .addChoices({ name: 'daily', value: 'daily' }, { name: 'weekly', value: 'weekly' }),
      )
      .addIntegerOption((o) =>
        o
          .setName('weekday')
          .setDescription('For a weekly digest: the day it is posted')
          .addChoices(...WEEKDAYS.slice(1).map((name, i) => ({ name, value: i + 1 }))),
      )
      .addStringOption((o) => o.setName('topics').setDescription('Only these topics, comma-separated (default: all)').setAutocomplete(true))
      .addIntegerOption((o) => o.setName('top_stories').setDescription(`Top stories it opens with, 0–${MAX_TOP_STORIES} (default ${DEFAULT_TOP_STORIES})`).setMinValue(0).setMaxValue(MAX_TOP_STORIES)),
  )
  .addSubcommand((s) =>
    s
      .setName('status')
      .setDescription("A channel's digest: schedule, next run, last delivery and last error")
      .addChannelOption(channelOption(false, 'Which digest (needed when the server has several)')),
  )
  .addSubcommand((s) => s.setName('off').setDescription("Stop a channel's digest").addChannelOption(channelOption(false, 'Which digest (needed when the server has several)')))
  .addSubcommand((s) =>
    s
      .setName('send-now')
      .setDescription("Post a channel's digest now")
      .addChannelOption(channelOption(false, 'Which digest (needed when the server has several)')),
  );

const notice = (content: string) => renderNotice(content);

/**
 * Who may use `/digest` is Discord's decision, not the bot's: `default_member_permissions` (Manage
 * Server) hides it from members, and a server's admins can open or close it to roles, members or
 * channels in Server Settings → Integrations. A check of its own here would overrule their choice.
 */
function requireServer(i: ChatInputCommandInteraction): string {
  if (!i.inGuild()) throw new UserError('The digest is set per server: run this command in a server.');
  return i.guildId;
}

function parseTopics(raw: string | null, ctx: BotContext): string[] | null {
  if (!raw?.trim()) return null;
  const wanted = raw.split(',').map((t) => t.trim()).filter(Boolean);
  const resolved = wanted.map((t) => ctx.store.resolveTopic(t));
  const unknown = wanted.filter((_t, n) => resolved[n] === undefined);
  if (unknown.length > 0) {
    throw new UserError(`Unknown topic${unknown.length === 1 ? '' : 's'}: ${unknown.map((t) => `“${truncate(t, 40)}”`).join(', ')}. Run /news topics to see them, or leave topics empty for all.`);
  }
  return [...new Set(resolved as string[])];
}

async function set(i: ChatInputCommandInteraction, ctx: BotContext) {
  const guildId = requireServer(i);
  const channel = i.options.getChannel('channel', true);
  const timeRaw = i.options.getString('time', true);
  const timezone = i.options.getString('timezone', true).trim();
  const time = parseClock(timeRaw);
  if (!time) throw new UserError(`“${truncate(timeRaw, 20)}” is not a time. Use 24-hour HH:MM, for example 08:00 or 18:30.`);
  if (!isValidTimeZone(timezone)) throw new UserError(`“${truncate(timezone, 60)}” is not a time zone I know. Pick one from the list, for example Europe/Paris or America/New_York.`);
  const weekdayRaw = i.options.getInteger('weekday');
  // A weekday alone means weekly; "daily" with a weekday is a contradiction worth saying out loud.
  const frequency = (i.options.getString('frequency') ?? (weekdayRaw !== null ? 'weekly' : 'daily')) as 'daily' | 'weekly';
  if (frequency !== 'daily' && frequency !== 'weekly') throw new UserError('Frequency is daily or weekly.');
  if (frequency === 'weekly' && weekdayRaw === null) throw new UserError('A weekly digest needs a weekday: add weekday:Monday (or any other day).');
  if (frequency === 'daily' && weekdayRaw !== null) throw new UserError('A daily digest is posted every day, so it takes no weekday. Choose frequency:weekly to post it once a week.');
  if (weekdayRaw !== null && (weekdayRaw < 1 || weekdayRaw > 7)) throw new UserError('Pick a weekday from the list, Monday to Sunday.');
  const weekday = frequency === 'weekly' ? weekdayRaw : null;
  const topStories = i.options.getInteger('top_stories') ?? DEFAULT_TOP_STORIES;
  if (topStories < 0 || topStories > MAX_TOP_STORIES) throw new UserError(`Top stories is a number from 0 to ${MAX_TOP_STORIES}.`);
  const topics = parseTopics(i.options.getString('topics'), ctx);
  const check = ctx.checkChannel(guildId, channel.id);
  if (!check.ok) throw new UserError(check.reason);
  const all = await ctx.digests.subscriptions(guildId);
  const before = all.find((x) => x.channelId === channel.id);
  const on = all.filter((x) => x.enabled).length;
  // Digests turned off keep their history (status shows it) but do not count: only those that post do.
  if (!before?.enabled && on >= MAX_SUBSCRIPTIONS) {
    throw new UserError(`This server has ${on} digests on, the most it may have. Turn one off first (/digest off channel:#…), or set an existing digest's channel to replace it.`);
  }
  // Setting the digest again also resumes a paused one: the admin has seen the reason and fixed it.
  const sub = await ctx.digests.setSubscription({ guildId, channelId: channel.id, time: formatClock(time), timezone, topics, frequency, weekday, topStories });
  const next = sub.nextDueAt;
  if (before?.pausedReason) ctx.logger.info({ guildId, channelId: channel.id, pausedReason: before.pausedReason, userId: i.user.id }, 'digest resumed');
  ctx.logger.info({ guildId, channelId: channel.id, time: formatClock(time), timezone, frequency, weekday, topics, topStories, userId: i.user.id }, 'digest subscription set');
  const when = weekday ? `every **${WEEKDAYS[weekday]}** at **${formatClock(time)}**` : `at **${formatClock(time)}**`;
  const extras = [topics ? ` for ${topics.join(', ')}` : '', topStories !== DEFAULT_TOP_STORIES ? `, opening with ${topStories} top stor${topStories === 1 ? 'y' : 'ies'}` : ''].join('');
  const others = all.some((x) => x.channelId !== channel.id);
  await i.reply(
    toReply(
      notice(
        `✅ The ${frequency} digest will be posted in <#${channel.id}> ${when} (${timezone})${extras}.\nNext: ${next ? formatInZone(next, timezone) : 'unknown'}. Use /digest send-now${others ? ` channel:#${channelName(channel)}` : ''} to post one right away.`,
      ),
      { ephemeral: true },
    ),
  );
}

const channelName = (c: { name?: string | null }) => truncate(c.name ?? 'channel', 80);

/**
 * The subscription a subcommand is about: the named channel's, or the server's only one. With several
 * and no channel named, the admin is asked to name one (with the list), never guessed for.
 */
async function pickSubscription(i: ChatInputCommandInteraction, ctx: BotContext, guildId: string, what: string): Promise<Subscription> {
  const channel = i.options.getChannel('channel');
  const all = await ctx.digests.subscriptions(guildId);
  if (channel) {
    const sub = all.find((x) => x.channelId === channel.id);
    if (!sub) throw new UserError(`<#${channel.id}> has no digest. /digest list shows this server's digests; /digest set channel:<#${channel.id}> … adds one.`);
    return sub;
  }
  if (all.length === 0) throw new UserError('No digest is set up for this server yet. Run /digest set channel:#news time:08:00 timezone:Europe/Paris.');
  // Off digests only matter when nothing is on: then the one there is (or the first) is the one meant.
  const on = all.filter((x) => x.enabled);
  if (on.length <= 1) return on[0] ?? all[0]!;
  throw new UserError(`This server has ${on.length} digests (${on.map((x) => `<#${x.channelId}>`).join(', ')}). Name the one to ${what}: add channel:#…`);
}

async function list(i: ChatInputCommandInteraction, ctx: BotContext) {
  const guildId = requireServer(i);
  const subs = await ctx.digests.subscriptions(guildId);
  // Those that post first: a server with many turned off still sees every one that is on.
  const ordered = [...subs.filter((x) => x.enabled), ...subs.filter((x) => !x.enabled)];
  await i.reply(toReply(renderDigestList(ordered.map((x) => ({ ...x, nextRun: x.nextDueAt })), { max: MAX_SUBSCRIPTIONS })));
}

async function status(i: ChatInputCommandInteraction, ctx: BotContext) {
  const guildId = requireServer(i);
  const sub = await pickSubscription(i, ctx, guildId, 'show');
  const last = await ctx.digests.latestDelivery(guildId, sub.channelId);
  await i.reply(
    toReply(
      renderDigestStatus({
        enabled: sub.enabled,
        channelId: sub.channelId,
        time: sub.time,
        timezone: sub.timezone,
        topics: sub.topics,
        frequency: sub.frequency,
        weekday: sub.weekday,
        topStories: sub.topStories,
        nextRun: sub.nextDueAt,
        pausedReason: sub.pausedReason,
        lastDelivery: last
          ? {
              status: last.status,
              error: last.error,
              reason: last.reason,
              at: last.updatedAt,
              articles: last.articleCount,
              periodFrom: last.periodFrom,
              periodTo: last.periodTo,
              sent: last.messageIds.filter(Boolean).length,
              messages: last.payloads?.length ?? 0,
            }
          : null,
      }),
    ),
  );
}

async function off(i: ChatInputCommandInteraction, ctx: BotContext) {
  const guildId = requireServer(i);
  const named = i.options.getChannel('channel');
  const subs = await ctx.digests.subscriptions(guildId);
  if (!named && subs.every((x) => !x.enabled)) throw new UserError('The digest is already off for this server. /digest set turns it on.');
  const sub = await pickSubscription(i, ctx, guildId, 'turn off');
  if (!(await ctx.digests.disable(guildId, sub.channelId))) throw new UserError(`The digest in <#${sub.channelId}> is already off. /digest set turns it on.`);
  ctx.logger.info({ guildId, channelId: sub.channelId, userId: i.user.id }, 'digest turned off');
  const text = subs.length > 1 ? `🛑 The ${sub.frequency} digest in <#${sub.channelId}> is off. /digest set turns it back on.` : `🛑 The ${sub.frequency} digest is off. /digest set turns it back on.`;
  await i.reply(toReply(notice(text), { ephemeral: true }));
}

async function sendNow(i: ChatInputCommandInteraction, ctx: BotContext) {
  const guildId = requireServer(i);
  const all = await ctx.digests.subscriptions(guildId);
  if (!all.some((x) => x.enabled) && !i.options.getChannel('channel')) throw new UserError('No digest is set up for this server. Run /digest set first, so I know which channel to post in.');
  const sub = await pickSubscription(i, ctx, guildId, 'post');
  if (!sub.enabled) throw new UserError(`The digest in <#${sub.channelId}> is off. Run /digest set to turn it back on first.`);
  if (sub.pausedReason) throw new UserError(`⏸️ The digest is paused: ${sub.pausedReason}. Fix it, then run /digest set to resume it.`);
  // Posting several messages can take longer than Discord's 3-second answer window.
  await i.deferReply({ flags: MessageFlags.Ephemeral });
  const result = await ctx.digests.sendNow(guildId, sub.channelId);
  await i.editReply(toEdit(notice(sendNowText(result, sub.channelId))));
}

/** What the admin is told after /digest send-now, in words. */
function sendNowText(result: Awaited<ReturnType<BotContext['digests']['sendNow']>>, channelId: string): string {
  if (!result) return '⚠️ A digest for this moment is already being posted.';
  const n = result.messageIds.length;
  switch (result.status) {
    case 'delivered':
      return `✅ Posted the digest in <#${channelId}>: ${result.articles} article${result.articles === 1 ? '' : 's'} in ${n} message${n === 1 ? '' : 's'}.`;
    case 'paused':
      return `⚠️ ${result.error}. The digest is paused: fix it, then run /digest set to resume it.`;
    case 'rejected':
      return `⚠️ Discord did not accept the digest (${result.error}). It will not be sent again; the next digest covers the same articles.`;
    case 'retrying':
      return `⚠️ Discord did not answer (${result.error}). Nothing is lost: I keep trying in the background.`;
    case 'skipped':
      return 'Nothing new since the last digest, so nothing was posted.';
    case 'interrupted':
      return `⏳ The bot is restarting, so the digest in <#${channelId}> stopped after ${n} message${n === 1 ? '' : 's'}. The rest is posted as soon as it is back.`;
    default:
      return `⚠️ The digest could not be posted (${result.error ?? result.status}). It is retried automatically.`;
  }
}

/**
 * Topic suggestions for the comma-separated `topics` option, completing its last entry and keeping
 * those already typed. A choice's value must come back to `/digest set` as something it accepts, and
 * Discord caps a value (and its name) at 100 characters, and a value cut with "…" names no topic: a
 * list that would not fit is offered as the topic alone, named as it will be set; a topic longer than
 * that on its own is left out, since `/digest set` could never read it back.
 */
export function topicChoices(typed: string, ctx: Pick<BotContext, 'store'>): Array<{ name: string; value: string }> {
  const max = DISCORD_LIMITS.autocompleteChoiceText;
  const parts = typed.split(',');
  const last = parts.pop()!.trim().toLowerCase();
  const prefix = parts.map((p) => p.trim()).filter(Boolean).join(', ');
  const choices: Array<{ name: string; value: string }> = [];
  for (const t of ctx.store.topics()) {
    if (choices.length >= DISCORD_LIMITS.autocompleteChoices) break;
    if (!t.topic.toLowerCase().includes(last)) continue;
    const full = prefix ? `${prefix}, ${t.topic}` : t.topic;
    const value = full.length <= max ? full : t.topic.length <= max ? t.topic : null;
    if (value === null) continue;
    choices.push({ name: value, value });
  }
  return choices;
}

async function autocomplete(i: AutocompleteInteraction, ctx: BotContext) {
  const focused = i.options.getFocused(true);
  const typed = String(focused.value ?? '').trim().toLowerCase();
  if (focused.name === 'timezone') {
    const starts = TIME_ZONES.filter((z) => z.toLowerCase().startsWith(typed));
    const contains = TIME_ZONES.filter((z) => !z.toLowerCase().startsWith(typed) && z.toLowerCase().replace(/_/g, ' ').includes(typed.replace(/_/g, ' ')));
    await i.respond([...starts, ...contains].slice(0, DISCORD_LIMITS.autocompleteChoices).map((z) => ({ name: z, value: z })));
    return;
  }
  if (focused.name === 'topics') {
    await i.respond(topicChoices(String(focused.value ?? ''), ctx));
    return;
  }
  await i.respond([]);
}

/** `/digest`: admins choose where, when and how often digests are posted, one per channel. */
export const digest = {
  data,
  execute: bySubcommand({ list, set, status, off, 'send-now': sendNow }),
  autocomplete,
} satisfies Command;
