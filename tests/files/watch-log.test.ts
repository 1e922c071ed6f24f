import { describe, expect, it } from 'vitest';
import { watchEventLog } from '../../src/files/watch-log.ts';

describe('content watcher log records', () => {
  it('GIVEN the content folder goes missing THEN it is a warning that says the loaded articles stay', () => {
    expect(watchEventLog({ type: 'folder-missing', dir: '/srv/news/content' })).toEqual({
      level: 'warn',
      fields: { dir: '/srv/news/content' },
      msg: 'content folder is missing; the articles already loaded stay until it is back',
    });
  });

  it('GIVEN a skipped file THEN a warning naming it; GIVEN an ordinary change THEN info', () => {
    const skipped = watchEventLog({ type: 'skipped', issue: { file: 'a/b.md', path: 'publishedAt', message: 'not a date' } });
    expect(skipped.level).toBe('warn');
    expect(skipped.fields).toEqual({ file: 'a/b.md', field: 'publishedAt' });
    expect(skipped.msg).toContain('a/b.md');
    expect(watchEventLog({ type: 'loaded', file: 'a/b.md', id: 'a/b' })).toEqual({ level: 'info', fields: { type: 'loaded', file: 'a/b.md', id: 'a/b' }, msg: 'content changed' });
    expect(watchEventLog({ type: 'folder-replaced', dir: '/c', loaded: 2, removed: 1, skipped: 0 }).level).toBe('info');
  });

  it('GIVEN a folder that cannot be watched THEN a warning naming the folder and the reason', () => {
    expect(watchEventLog({ type: 'unwatched', dir: '/srv/news/content/2026', reason: 'ENOSPC' })).toEqual({
      level: 'warn',
      fields: { dir: '/srv/news/content/2026', reason: 'ENOSPC' },
      msg: 'a content folder cannot be watched; changes in it are seen after a restart',
    });
  });
});
