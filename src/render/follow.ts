/**
 * Follows: the message that posts a batch of new articles matching a saved search, and the lists
 * `/news follows` shows. Pure: the caller passes the articles and follows.
 */
import type { Article } from '../content/article.ts';
import { DISCORD_LIMITS as L } from '../payload/limits.ts';
import { EPHEMERAL_FLAG, NO_MENTIONS, type MessagePayload } from '../payload/types.ts';
import { link, safeText, truncate } from './markdown.ts';
import { SENTIMENT_STYLE } from './style.ts';

const FOLLOW_COLOR = 0x5865f2;
/** Room kept in the description for the "…and N more" line. */
const MORE_ROOM = 60;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One line per article: sentiment, linked title, source. */
function entry(a: Article): string {
  return `${SENTIMENT_STYLE[a.sentiment].emoji} ${link(a.title, a.url, 200)}${a.source ? ` · ${safeText(a.source, 60)}` : ''}`;
}

/**
 * One message for one batch of a follow, however many articles it holds (500 files landing at once
 * make one message): the newest first, as many as fit in one embed, then a count of the rest.
 */
export function renderFollowBatch(b: { query: string; articles: readonly Article[] }): MessagePayload {
  const total = b.articles.length;
  const budget = L.embedDescription - MORE_ROOM;
  let text = '';
  let shown = 0;
  for (const a of b.articles) {
    const next = text ? `${text}\n${entry(a)}` : entry(a);
    if (next.length > budget) break;
    text = next;
    shown++;
  }
  const rest = total - shown;
  return {
    content: truncate(`🔔 **${plural(total, 'new article')}** for “${safeText(b.query, 100)}”`, L.content - 100),
    embeds: [
      {
        title: truncate(`Following: ${b.query}`, L.embedTitle),
        description: rest > 0 ? `${text}\n…and ${plural(rest, 'more article')} (/news search finds them all)` : text,
        color: FOLLOW_COLOR,
      },
    ],
    allowed_mentions: NO_MENTIONS,
  };
}

/** What `/news follows` lists per follow. */
export interface FollowListItem {
  id: number;
  channelId: string;
  query: string;
  createdBy: string | null;
}

/** `/news follows`: the server's follows with their ids (for `/news unfollow`), ephemeral. */
export function renderFollowList(follows: readonly FollowListItem[], options: { max: number }): MessagePayload {
  if (follows.length === 0) {
    return { content: 'This server follows nothing yet. /news follow query:<words> channel:#news posts new matching articles as they arrive.', allowed_mentions: NO_MENTIONS, flags: EPHEMERAL_FLAG };
  }
  const lines = follows.map((f) => `**#${f.id}** “${safeText(f.query, 100)}” → <#${f.channelId}>${f.createdBy ? ` · by <@${f.createdBy}>` : ''}`);
  let description = '';
  let shown = 0;
  for (const line of lines) {
    const next = description ? `${description}\n${line}` : line;
    if (next.length > L.embedDescription - MORE_ROOM) break;
    description = next;
    shown++;
  }
  if (shown < lines.length) description += `\n…and ${lines.length - shown} more`;
  return {
    embeds: [
      {
        title: `🔔 Follows · ${follows.length}/${options.max}`,
        description,
        color: FOLLOW_COLOR,
        footer: { text: 'New matches are posted at most once per follow per batch interval. /news unfollow id:<id> removes one.' },
      },
    ],
    allowed_mentions: NO_MENTIONS,
    flags: EPHEMERAL_FLAG,
  };
}
