import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';

describe('parseConfig', () => {
  it('GIVEN nothing THEN defaults (sandbox mode, UTC 08:00, ./content, ./data/news-bot.sqlite)', () => {
    const r = parseConfig({});
    expect(r).toEqual({
      ok: true,
      config: expect.objectContaining({ DIGEST_TIME: '08:00', DIGEST_TIMEZONE: 'UTC', CONTENT_DIR: './content', DATABASE_PATH: './data/news-bot.sqlite', LOG_LEVEL: 'info', SANDBOX_PORT: 3000, TOPIC_ALIASES: {} }),
    });
    if (r.ok) expect(r.config.DISCORD_TOKEN).toBeUndefined();
  });

  it('GIVEN no CACHE_DIR THEN none is set (the bot puts the cache next to the database); GIVEN :none: THEN the cache is off', () => {
    const byDefault = parseConfig({});
    const off = parseConfig({ CACHE_DIR: ':none:' });
    const elsewhere = parseConfig({ CACHE_DIR: '/var/cache/news-bot' });
    expect(byDefault.ok && byDefault.config.CACHE_DIR).toBeUndefined();
    expect(off.ok && off.config.CACHE_DIR).toBeNull();
    expect(elsewhere.ok && elsewhere.config.CACHE_DIR).toBe('/var/cache/news-bot');
  });

  it('GIVEN several bad values THEN every problem is listed, without echoing the values', () => {
    const r = parseConfig({ DISCORD_TOKEN: 'tiny-tok', DIGEST_TIME: '8am', DIGEST_TIMEZONE: 'Mars/Base', DISCORD_GUILD_ID: 'abc', LOG_LEVEL: 'loud', DISCORD_API_URL: 'ftp://x', TOPIC_ALIASES: 'ok=Fine,broken' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      'DISCORD_TOKEN: looks too short to be a bot token',
      'DISCORD_GUILD_ID: must be a Discord id (17–20 digits)',
      'DISCORD_API_URL: must be an http(s) URL such as https://discord.com/api',
      'DIGEST_TIME: must be a 24-hour time HH:MM, e.g. 08:00',
      'DIGEST_TIMEZONE: must be an IANA time zone such as Europe/Paris or America/New_York',
      expect.stringMatching(/^LOG_LEVEL: /),
      'TOPIC_ALIASES: "broken" is not of the form alias=Label',
    ]);
    expect(r.problems.join('\n')).not.toContain('tiny-tok');
  });

  it('GIVEN LOG_FORMAT THEN json or pretty is accepted, empty means automatic, anything else is a problem', () => {
    expect(parseConfig({ LOG_FORMAT: 'pretty' })).toMatchObject({ ok: true, config: { LOG_FORMAT: 'pretty' } });
    expect(parseConfig({ LOG_FORMAT: '' })).toMatchObject({ ok: true, config: { LOG_FORMAT: undefined } });
    const r = parseConfig({ LOG_FORMAT: 'xml' });
    expect(r.ok === false && r.problems).toEqual([expect.stringMatching(/^LOG_FORMAT: .*"json".*"pretty"/)]);
  });

  it('GIVEN METRICS_INTERVAL_MS THEN a number of ms is accepted, empty means off (0), anything else is a problem', () => {
    expect(parseConfig({ METRICS_INTERVAL_MS: '60000' })).toMatchObject({ ok: true, config: { METRICS_INTERVAL_MS: 60_000 } });
    expect(parseConfig({ METRICS_INTERVAL_MS: '' })).toMatchObject({ ok: true, config: { METRICS_INTERVAL_MS: 0 } });
    const bad = parseConfig({ METRICS_INTERVAL_MS: 'often' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems).toEqual([expect.stringMatching(/^METRICS_INTERVAL_MS: /)]);
  });

  it('GIVEN topic aliases THEN they are parsed into a table', () => {
    const r = parseConfig({ TOPIC_ALIASES: 'ml=AI, crypto currency = Crypto' });
    expect(r.ok && r.config.TOPIC_ALIASES).toEqual({ ml: 'AI', 'crypto currency': 'Crypto' });
  });
});
