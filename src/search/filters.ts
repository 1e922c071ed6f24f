import { QueryError } from './query.ts';

/**
 * The words of search filters that people type (`since:7d`, `sort:newest`), read the same way by
 * `/news search`, `/news impact topic:` and the `news` CLI. Pure: the caller passes `now`.
 */

/** How results are ordered: best match first (the default), or newest first. */
export const SEARCH_SORTS = ['relevance', 'newest'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

/** A `since` filter read: the instant it starts from, and how to name it in a reply. */
export interface Since {
  from: Date;
  /** `last 7 days`, `since 2026-11-20`. */
  label: string;
}

const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
const UNIT_NAME = { h: 'hour', d: 'day', w: 'week' } as const;
/** Ten years back is as far as a filter can reach: further is surely a slip (`7000d`). */
const MAX_SPAN_MS = 3660 * 86_400_000;

const EXAMPLES = 'Use 24h, 7d, 30d or a date such as 2026-11-20.';

/**
 * Reads `24h`, `7d`, `30d` (any whole number of hours, days or weeks) or a date `YYYY-MM-DD` (from
 * 00:00 UTC that day). Throws a {@link QueryError} saying what is accepted for anything else, for an
 * impossible date (`2026-02-30`) and for a date after `now`.
 */
export function parseSince(raw: string, now: Date): Since {
  const text = raw.trim().toLowerCase();
  const span = /^(\d{1,5})\s*([hdw])$/.exec(text);
  if (span) {
    const n = Number(span[1]);
    const unit = span[2] as keyof typeof UNIT_MS;
    const ms = n * UNIT_MS[unit];
    if (n < 1 || ms > MAX_SPAN_MS) throw new QueryError(`“${clip(raw)}” is out of range: pick from 1h up to 10 years (3650d). ${EXAMPLES}`);
    return { from: new Date(now.getTime() - ms), label: `last ${n === 1 ? UNIT_NAME[unit] : `${n} ${UNIT_NAME[unit]}s`}` };
  }
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const from = new Date(Date.UTC(y, m - 1, d));
    if (from.getUTCFullYear() !== y || from.getUTCMonth() !== m - 1 || from.getUTCDate() !== d) throw new QueryError(`“${clip(raw)}” is not a real date. ${EXAMPLES}`);
    if (from.getTime() > now.getTime()) throw new QueryError(`“${clip(raw)}” is in the future: nothing was published since then. ${EXAMPLES}`);
    if (now.getTime() - from.getTime() > MAX_SPAN_MS) throw new QueryError(`“${clip(raw)}” is out of range: pick a date within the last 10 years. ${EXAMPLES}`);
    return { from, label: `since ${text}` };
  }
  throw new QueryError(`“${clip(raw)}” is not a period. ${EXAMPLES}`);
}

/** Reads a sort name in any case; throws a {@link QueryError} naming the two sorts otherwise. */
export function parseSort(raw: string): SearchSort {
  const text = raw.trim().toLowerCase();
  const found = SEARCH_SORTS.find((s) => s === text);
  if (!found) throw new QueryError(`“${clip(raw)}” is not a sort. Use relevance (best match first) or newest.`);
  return found;
}

function clip(s: string): string {
  const t = s.trim();
  return t.length > 40 ? `${t.slice(0, 39)}…` : t;
}
