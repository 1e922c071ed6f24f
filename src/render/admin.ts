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
  nextRun: Date | null;
  blocked: boolean;
  lastError: { message: string; at: Date | null } | null;
  lastDelivery: {
    status: 'pending' | 'delivered' | 'failed' | 'blocked';
    reason: string;
    at: Date;
    articles: number;
    periodFrom: Date;
    periodTo: Date;
    sent: number;
    messages: number;
  } | null;
}

const STATUS_ICON = { delivered: '✅', pending: '⏳', failed: '⚠️', blocked: '⚠️' } as const;

/** `/digest status`: channel, schedule, next run in the server's zone, last delivery and last error. */
export function renderDigestStatus(s: DigestStatusInput): MessagePayload {
  const tz = s.timezone;
  const d = s.lastDelivery;
  const last = d
    ? `${STATUS_ICON[d.status]} **${d.status}** · ${d.reason} · ${formatInZone(d.at, tz)}\n${d.articles} article${d.articles === 1 ? '' : 's'} from ${formatInZone(d.periodFrom, tz)} to ${formatInZone(d.periodTo, tz)} · ${d.sent}/${d.messages} messages`
    : 'None yet.';
  const error = s.lastError ? `${s.lastError.message}${s.lastError.at ? `\n(${formatInZone(s.lastError.at, tz)})` : ''}` : 'None';
  return {
    embeds: [
      {
        title: s.enabled ? '📰 Daily digest: on' : '📰 Daily digest: off',
        color: s.blocked ? 0xe67e22 : s.enabled ? 0x2ecc71 : 0x95a5a6,
        fields: [
          { name: 'Channel', value: `<#${s.channelId}>`, inline: true },
          { name: 'Time', value: `${s.time} (${tz})`, inline: true },
          { name: 'Topics', value: truncate(s.topics?.join(', ') ?? 'All', L.fieldValue), inline: true },
          { name: 'Next run', value: s.enabled && s.nextRun ? formatInZone(s.nextRun, tz) : 'Not scheduled (turned off)', inline: false },
          { name: 'Last delivery', value: truncate(last, L.fieldValue), inline: false },
          { name: 'Last error', value: truncate(error, L.fieldValue), inline: false },
        ],
      },
    ],
    allowed_mentions: NO_MENTIONS,
    flags: EPHEMERAL_FLAG,
  };
}
