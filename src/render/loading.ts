import type { MessagePayload } from '../payload/types.ts';
import { renderNotice } from './articles.ts';

/** How far the archive load has got, in steps of its work (`total` is 0 while the folder is still being listed). */
export interface LoadProgress {
  done: number;
  total: number;
}

/**
 * The whole percentage done, 0–99: "100%" would read as finished in an answer that still says the
 * archive is loading (the last step ends a moment before the bot answers in full).
 */
export function loadPercent(p: LoadProgress): number {
  if (!(p.total > 0) || !(p.done > 0)) return 0;
  return Math.max(0, Math.min(99, Math.floor((p.done / p.total) * 100)));
}

/** The ephemeral answer every command gets while the archive is still loading after a start. */
export function renderLoading(p: LoadProgress): MessagePayload {
  return renderNotice(`Loading the archive: ${loadPercent(p)}%… The bot has just started; try again in a few seconds.`, { ephemeral: true });
}
