import { formatInZone } from '../calendar/period.ts';
import { WEEKDAYS } from '../calendar/slots.ts';
import { DISCORD_LIMITS as L } from '../payload/limits.ts';
import { EPHEMERAL_FLAG, NO_MENTIONS, type MessagePayload } from '../payload/types.ts';
import { truncate } from './markdown.ts';

/** What `/digest status` reports about one channel's digest. */
export interface DigestStatusInput {
  enabled: boolean;
  channelId: string;
  time: string;
  timezone: string;
  topics: string[] | null;
  /** Daily (the default) or weekly, on `weekday` (ISO, 1 = Monday). */
  frequency?: 'daily' | 'weekly';
  weekday?: number | null;
  /** Top stories the digest opens with. */
  topStories?: number;
  /** The next slot the engine will deliver. */
  nextRun: Date | null;
  /** Why deliveries are paused (an admin's /digest set resumes them); null when not paused. */
  pausedReason: string | null;
  lastDelivery: {
    status: keyof typeof STATUS_ICON;
    /** The error of that delivery (a refusal, or the last failure while it is being retried). */
    error: string | null;
    reason: string;
    at: Date;
    articles: number;
    periodFrom: Date;
    periodTo: Date;
    sent: number;
    messages: number;
  } | null;
}

const STATUS_ICON = { delivered: '✅', claimed: '⏳', rejected: '⚠️', paused: '⏸️', failed: '⚠️', skipped: '➖', abandoned: '⚠️' } as const;
/** How a delivery's status reads to an admin. */
const STATUS_TEXT: Record<keyof typeof STATUS_ICON, string> = {
  delivered: 'delivered',
  claimed: 'sending',
  rejected: 'rejected by Discord',
  paused: 'paused',
  failed: 'failed',
  skipped: 'nothing new',
  abandoned: 'not finished',
};

/** `Mondays 08:00 (Europe/Berlin)` or `08:00 (UTC)`: when a digest is posted. */
function schedule(s: { time: string; timezone: string; frequency?: 'daily' | 'weekly'; weekday?: number | null }): string {
  const day = s.frequency === 'weekly' && s.weekday ? `${WEEKDAYS[s.weekday]}s ` : '';
  return `${day}${s.time} (${s.timezone})`;
}

/** `/digest list`: every digest of the server, one field each: channel, schedule, topics, top stories, next run or why not. */
export function renderDigestList(
  subs: ReadonlyArray<Omit<DigestStatusInput, 'lastDelivery'> & { frequency: 'daily' | 'weekly' }>,
  options: { max: number },
): MessagePayload {
  if (subs.length === 0) {
    return { content: 'No digest is set up for this server yet. Run /digest set channel:#news time:08:00 timezone:Europe/Paris.', allowed_mentions: NO_MENTIONS, flags: EPHEMERAL_FLAG };
  }
  // Every field shares the embed's 6,000 characters: 25 digests with long topic lists must still fit.
  const shown = subs.slice(0, L.embedFields);
  const room = Math.min(L.fieldValue, Math.floor((L.embedTotal - 400) / shown.length) - 40);
  const fields = shown.map((s, n) => {
    const state =
      s.enabled && s.pausedReason !== null ? `⏸️ paused: ${s.pausedReason}` : s.enabled && s.nextRun ? `next: ${formatInZone(s.nextRun, s.timezone)}` : '🛑 off';
    const lines = [
      `<#${s.channelId}> · ${s.frequency} · ${schedule(s)}`,
      `Topics: ${s.topics?.join(', ') ?? 'All'} · top stories: ${s.topStories ?? 5}`,
      state,
    ];
    return { name: truncate(`${n + 1}. ${s.frequency === 'weekly' ? 'Weekly' : 'Daily'} digest`, L.fieldName), value: truncate(lines.join('\n'), room), inline: false };
  });
  return {
    embeds: [
      {
        title: `📰 Digests · ${subs.filter((s) => s.enabled).length}/${options.max}${subs.length > shown.length ? ` (${subs.length - shown.length} more turned off, not shown)` : ''}`,
        color: 0x5865f2,
        fields,
        footer: { text: '/digest set channel:#… adds or replaces one · /digest off channel:#… · /digest status channel:#…' },
      },
    ],
    allowed_mentions: NO_MENTIONS,
    flags: EPHEMERAL_FLAG,
  };
}

/** `/digest status`: channel, schedule, next run in the server's zone (or why it is paused), last delivery and its error. */
export function renderDigestStatus(s: DigestStatusInput): MessagePayload {
  const tz = s.timezone;
  const d = s.lastDelivery;
  const last = d
    ? `${STATUS_ICON[d.status]} **${STATUS_TEXT[d.status]}** · ${d.reason} · ${formatInZone(d.at, tz)}\n${d.articles} article${d.articles === 1 ? '' : 's'} from ${formatInZone(d.periodFrom, tz)} to ${formatInZone(d.periodTo, tz)} · ${d.sent}/${d.messages} messages`
    : 'None yet.';
  const error = d?.error ?? 'None';
  const paused = s.enabled && s.pausedReason !== null;
  const next = paused
    ? `⏸️ Paused: ${s.pausedReason}. Fix it, then run /digest set to resume it.`
    : s.enabled && s.nextRun
      ? formatInZone(s.nextRun, tz)
      : 'Not scheduled (turned off)';
  return {
    embeds: [
      {
        title: `📰 ${s.frequency === 'weekly' ? 'Weekly' : 'Daily'} digest: ${paused ? 'paused' : s.enabled ? 'on' : 'off'}`,
        color: paused ? 0xe67e22 : s.enabled ? 0x2ecc71 : 0x95a5a6,
        fields: [
          { name: 'Channel', value: `<#${s.channelId}>`, inline: true },
          { name: 'Time', value: schedule(s), inline: true },
          { name: 'Topics', value: truncate(s.topics?.join(', ') ?? 'All', L.fieldValue), inline: true },
          { name: 'Top stories', value: String(s.topStories ?? 5), inline: true },
          { name: 'Next run', value: truncate(next, L.fieldValue), inline: false },
          { name: 'Last delivery', value: truncate(last, L.fieldValue), inline: false },
          { name: 'Last error', value: truncate(error, L.fieldValue), inline: false },
        ],
      },
    ],
    allowed_mentions: NO_MENTIONS,
    flags: EPHEMERAL_FLAG,
  };
}
