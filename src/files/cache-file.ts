import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * The cache file of a content folder: one per folder, so two bots with different folders can share a
 * cache dir. A module of its own, so `npm start` can look for it before the bot's code loads (see
 * `parse-workers-ahead.ts`).
 */
export function cacheFileFor(cacheDir: string, contentRoot: string): string {
  return join(cacheDir, `archive-${createHash('sha1').update(contentRoot).digest('hex').slice(0, 12)}.bin`);
}
