import { invalidForm } from './sandbox-error.ts';
import type { StoredMessage } from './types.ts';

/** GET /channels/{id}/messages: `limit` 1–100, 50 when absent (Discord's numbers). */
export const HISTORY_LIMIT = { min: 1, max: 100, default: 50 } as const;

const SNOWFLAKE = /^\d{1,20}$/;

/**
 * One page of a channel's history as Discord answers GET /channels/{id}/messages: newest first;
 * `before` the messages just older than an id, `after` the ones just newer, `around` the ones on
 * both sides of it (the message itself included); at most one of the three. `messages` is oldest first.
 */
export function historyPage(messages: StoredMessage[], query: Record<string, string>): StoredMessage[] {
  const problems: Array<{ path: string; message: string }> = [];
  const limit = query.limit === undefined ? HISTORY_LIMIT.default : Number(query.limit);
  if (!Number.isInteger(limit)) problems.push({ path: 'limit', message: 'Value "' + query.limit + '" is not int.' });
  else if (limit < HISTORY_LIMIT.min) problems.push({ path: 'limit', message: `int value should be greater than or equal to ${HISTORY_LIMIT.min}.` });
  else if (limit > HISTORY_LIMIT.max) problems.push({ path: 'limit', message: `int value should be less than or equal to ${HISTORY_LIMIT.max}.` });
  const anchors = (['before', 'after', 'around'] as const).filter((k) => query[k] !== undefined);
  for (const k of anchors) if (!SNOWFLAKE.test(query[k]!)) problems.push({ path: k, message: `Value "${query[k]}" is not snowflake.` });
  if (anchors.length > 1) problems.push({ path: anchors[1]!, message: 'Only one of around, before or after may be given.' });
  if (problems.length > 0) throw invalidForm(problems, 'NUMBER_TYPE_COERCE');

  const id = (m: StoredMessage) => BigInt(m.id);
  const anchor = anchors[0];
  let page: StoredMessage[];
  if (anchor === 'before') {
    const at = BigInt(query.before!);
    const older = messages.filter((m) => id(m) < at);
    page = older.slice(Math.max(0, older.length - limit));
  } else if (anchor === 'after') {
    const at = BigInt(query.after!);
    page = messages.filter((m) => id(m) > at).slice(0, limit);
  } else if (anchor === 'around') {
    const at = BigInt(query.around!);
    const older = messages.filter((m) => id(m) < at);
    const rest = messages.filter((m) => id(m) >= at);
    const before = Math.floor(limit / 2);
    const fromOlder = older.slice(Math.max(0, older.length - before));
    page = [...fromOlder, ...rest.slice(0, limit - fromOlder.length)];
  } else {
    page = messages.slice(Math.max(0, messages.length - limit));
  }
  return page.reverse();
}
