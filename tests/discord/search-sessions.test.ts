import { describe, expect, it } from 'vitest';
import { pageButtonId, parsePageButtonId } from '../../commands/news-page-button.ts';
import { SearchSessions } from '../../src/discord/search-sessions.ts';

describe('search sessions', () => {
  it('page button ids round-trip, and an id past the 100-character custom_id cap is refused', () => {
    const id = pageButtonId('abcdef123456', 3, 'next');
    expect(id).toBe('news:page:abcdef123456:3:next');
    expect(parsePageButtonId(id)).toEqual({ sessionId: 'abcdef123456', page: 3 });
    expect(pageButtonId('s'.repeat(83), 1, 'prev')).toHaveLength(100);
    expect(() => pageButtonId('s'.repeat(84), 1, 'prev')).toThrow('custom_id too long: 101');
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
