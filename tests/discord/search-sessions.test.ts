import { describe, expect, it } from 'vitest';
import { SearchSessions, pageButtonId, parsePageButtonId } from '../../src/discord/search-sessions.ts';

describe('search sessions', () => {
  it('page button ids round-trip and stay under 100 characters', () => {
    const id = pageButtonId('abcdef123456', 3, 'next');
    expect(id.length).toBeLessThanOrEqual(100);
    expect(parsePageButtonId(id)).toEqual({ sessionId: 'abcdef123456', page: 3 });
    expect(parsePageButtonId('news:page:../../x:1:next')).toBeNull();
    expect(parsePageButtonId('other')).toBeNull();
  });

  it('GIVEN 15 minutes have passed THEN the session has expired; GIVEN too many THEN the oldest go', () => {
    let now = 0;
    let n = 0;
    const sessions = new SearchSessions({ now: () => now, max: 2, newId: () => `s${++n}` });
    const a = sessions.create({ userId: 'u', query: 'musk' });
    now = 14 * 60_000;
    expect(sessions.get(a.id)?.query).toBe('musk');
    now = 16 * 60_000;
    expect(sessions.get(a.id)).toBeUndefined();
    sessions.create({ userId: 'u', query: '1' });
    sessions.create({ userId: 'u', query: '2' });
    sessions.create({ userId: 'u', query: '3' });
    expect(sessions.get('s2')).toBeUndefined();
    expect(sessions.get('s4')?.query).toBe('3');
  });
});
