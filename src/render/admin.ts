import { formatInZone } from '../calendar/period.ts';
import { DISCORD_LIMITS as L } from '../payload/limits.ts';
import { EPHEMERAL_FLAG, NO_MENTIONS, type MessagePayload } from '../payload/types.ts';
import { truncate } from './markdown.ts';

/** What `/digest status` reports about one server. */
export interface DigestStatusInput {
  enabled: boolean;
  channelId: string;
  time: string;
  timezone: string;
  topics: string[] | null;
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
        title: paused ? '📰 Daily digest: paused' : s.enabled ? '📰 Daily digest: on' : '📰 Daily digest: off',
        color: paused ? 0xe67e22 : s.enabled ? 0x2ecc71 : 0x95a5a6,
        fields: [
          { name: 'Channel', value: `<#${s.channelId}>`, inline: true },
          { name: 'Time', value: `${s.time} (${tz})`, inline: true },
          { name: 'Topics', value: truncate(s.topics?.join(', ') ?? 'All', L.fieldValue), inline: true },
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
