import { formatIssue } from './content-files.ts';
import type { WatchEvent } from './content-watcher.ts';

/** One log record for a watcher event: its level, its fields and its message. */
export interface WatchLogRecord {
  level: 'info' | 'warn';
  fields: Record<string, unknown>;
  msg: string;
}

/**
 * How a content-folder event is logged. A skipped file and a missing folder are warnings (an operator
 * should look: the articles already loaded stay, but nothing new arrives until the folder is back);
 * ordinary changes are info.
 */
export function watchEventLog(e: WatchEvent): WatchLogRecord {
  switch (e.type) {
    case 'skipped':
      return { level: 'warn', fields: { file: e.issue.file, field: e.issue.path }, msg: `skipped article: ${formatIssue(e.issue)}` };
    case 'folder-missing':
      return { level: 'warn', fields: { dir: e.dir }, msg: 'content folder is missing; the articles already loaded stay until it is back' };
    case 'unwatched':
      return { level: 'warn', fields: { dir: e.dir, reason: e.reason }, msg: 'a content folder cannot be watched; changes in it are seen after a restart' };
    case 'folder-replaced':
      return { level: 'info', fields: { ...e }, msg: 'content folder replaced; watching the new one' };
    default:
      return { level: 'info', fields: { ...e }, msg: 'content changed' };
  }
}
