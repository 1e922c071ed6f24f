import {
  ApplicationIntegrationType,
  ChannelType,
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
} from 'discord.js';
import { formatClock, parseClock } from '../src/calendar/clock.ts';
import { formatInZone, isValidTimeZone } from '../src/calendar/period.ts';
import { bySubcommand, type Command } from '../src/discord/command.ts';
import type { BotContext } from '../src/discord/context.ts';
import { toEdit, toReply } from '../src/discord/respond.ts';
import { UserError } from '../src/errors.ts';
import { DISCORD_LIMITS } from '../src/payload/limits.ts';
import { renderDigestStatus } from '../src/render/admin.ts';
import { renderNotice } from '../src/render/articles.ts';
import { truncate } from '../src/render/markdown.ts';

/** Every IANA zone this runtime knows, for autocomplete and validation. */
const TIME_ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

const data = new SlashCommandBuilder()
  .setName('digest')
  .setDescription("Set up this server's daily news digest")
  // Server install, in servers only (see /news): user install must not change where it appears.
  .setIntegrationTypes(ApplicationIntegrationType.GuildInstall)
  .setContexts(InteractionContextType.Guild)
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addSubcommand((s) =>
    s
      .setName('set')
      .setDescription('Post the digest every day in a channel, at a local time')
      .addChannelOption((o) => o.setName('channel').setDescription('Where to post').setRequired(true).addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement))
      .addStringOption((o) => o.setName('time').setDescription('Local time, 24-hour HH:MM, e.g. 08:00').setRequired(true))
      .addStringOption((o) => o.setName('timezone').setDescription('e.g. Europe/Paris').setRequired(true).setAutocomplete(true))
      .addStringOption((o) => o.setName('topics').setDescription('Only these topics, comma-separated (default: all)').setAutocomplete(true)),
  )
  .addSubcommand((s) => s.setName('status').setDescription('Channel, next run, last delivery and last error'))
  .addSubcommand((s) => s.setName('off').setDescription('Stop posting the digest'))
  .addSubcommand((s) => s.setName('send-now').setDescription('Post the digest to the configured channel now'));

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
  const topics = parseTopics(i.options.getString('topics'), ctx);
  const check = ctx.checkChannel(guildId, channel.id);
  if (!check.ok) throw new UserError(check.reason);
  const before = await ctx.digests.subscription(guildId);
  // Setting the digest again also resumes a paused one: the admin has seen the reason and fixed it.
  const sub = await ctx.digests.setSubscription({ guildId, channelId: channel.id, time: formatClock(time), timezone, topics });
  const next = sub.nextDueAt;
  if (before?.pausedReason) ctx.logger.info({ guildId, pausedReason: before.pausedReason, userId: i.user.id }, 'digest resumed');
  ctx.logger.info({ guildId, channelId: channel.id, time: formatClock(time), timezone, topics, userId: i.user.id }, 'digest subscription set');
  await i.reply(
    toReply(
      notice(
        `✅ The daily digest will be posted in <#${channel.id}> at **${formatClock(time)}** (${timezone})${topics ? ` for ${topics.join(', ')}` : ''}.\nNext: ${next ? formatInZone(next, timezone) : 'unknown'}. Use /digest send-now to post one right away.`,
      ),
      { ephemeral: true },
    ),
  );
}

async function status(i: ChatInputCommandInteraction, ctx: BotContext) {
  const guildId = requireServer(i);
  const sub = await ctx.digests.subscription(guildId);
  if (!sub) throw new UserError('No digest is set up for this server yet. Run /digest set channel:#news time:08:00 timezone:Europe/Paris.');
  const last = await ctx.digests.latestDelivery(guildId);
  await i.reply(
    toReply(
      renderDigestStatus({
        enabled: sub.enabled,
        channelId: sub.channelId,
        time: sub.time,
        timezone: sub.timezone,
        topics: sub.topics,
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
  if (!(await ctx.digests.disable(guildId))) throw new UserError('The digest is already off for this server. /digest set turns it on.');
  ctx.logger.info({ guildId, userId: i.user.id }, 'digest turned off');
  await i.reply(toReply(notice('🛑 The daily digest is off. /digest set turns it back on.'), { ephemeral: true }));
}

async function sendNow(i: ChatInputCommandInteraction, ctx: BotContext) {
  const guildId = requireServer(i);
  const sub = await ctx.digests.subscription(guildId);
  if (!sub?.enabled) throw new UserError('No digest is set up for this server. Run /digest set first, so I know which channel to post in.');
  if (sub.pausedReason) throw new UserError(`⏸️ The digest is paused: ${sub.pausedReason}. Fix it, then run /digest set to resume it.`);
  // Posting several messages can take longer than Discord's 3-second answer window.
  await i.deferReply({ flags: MessageFlags.Ephemeral });
  const result = await ctx.digests.sendNow(guildId);
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

/** `/digest`: admins choose where and when the daily digest is posted. */
export const digest = {
  data,
  execute: bySubcommand({ set, status, off, 'send-now': sendNow }),
  autocomplete,
} satisfies Command;
