import { DISCORD_LIMITS } from '../src/payload/limits.ts';

/**
 * The custom_id of `/news search`'s ◀ ▶ buttons. It belongs to the command that draws and answers the
 * buttons; the router only reads the `news:` prefix to find the command.
 */

/** A decoded page button. */
export interface PageButton {
  sessionId: string;
  page: number;
}

const PREFIX = 'news:page:';

/** The custom_id of a page button: short and fixed-size, far below Discord's 100-character cap. */
export function pageButtonId(sessionId: string, page: number, direction: 'prev' | 'next'): string {
  const id = `${PREFIX}${sessionId}:${page}:${direction}`;
  if (id.length > DISCORD_LIMITS.customId) throw new Error(`custom_id too long: ${id.length}`);
  return id;
}

/** Reads a page button's custom_id, or null if it is not one (or was tampered with). */
export function parsePageButtonId(customId: string): PageButton | null {
  if (!customId.startsWith(PREFIX)) return null;
  const [sessionId, page] = customId.slice(PREFIX.length).split(':');
  const n = Number(page);
  if (!sessionId || !/^[a-z0-9]{1,16}$/.test(sessionId) || !Number.isInteger(n) || n < 0 || n > 10_000) return null;
  return { sessionId, page: n };
}
