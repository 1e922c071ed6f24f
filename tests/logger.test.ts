import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger, resolveLogFormat } from '../src/logger.ts';

describe('logger', () => {
  it('GIVEN the token in fields, messages or errors THEN it never reaches the output', () => {
    const secret = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.secret-token-value';
    let out = '';
    const destination = new Writable({ write: (c, _e, done) => ((out += String(c)), done()) });
    const logger = createLogger({ level: 'info', secret, destination });
    logger.info({ token: secret, config: { DISCORD_TOKEN: secret }, headers: { authorization: `Bot ${secret}` } }, 'fields');
    logger.info(`message with ${secret} inside`);
    logger.error({ err: new Error(`request failed with ${secret}`) }, 'error');
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
    expect(out.trim().split('\n')).toHaveLength(3);
  });

  it('GIVEN the pretty format (with colours) THEN the token never reaches the readable output either', () => {
    const secret = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.secret-token-value';
    let out = '';
    const destination = new Writable({ write: (c, _e, done) => ((out += String(c)), done()) });
    const logger = createLogger({ level: 'info', secret, destination, format: 'pretty', colorize: true });
    logger.info({ token: secret, config: { DISCORD_TOKEN: secret }, headers: { authorization: `Bot ${secret}` } }, 'fields');
    logger.info(`message with ${secret} inside`);
    logger.error({ err: new Error(`request failed with ${secret}`) }, 'error');
    // Colour codes could split the token and hide it from a plain search, so compare the bare text.
    const text = stripVTControlCharacters(out);
    expect(out).not.toContain(secret);
    expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED]');
    expect(text).toMatch(/INFO: fields .*"token":"\[REDACTED\]"/);
    expect(text).toMatch(/ERROR: error\s*\n[\s\S]*Error: request failed with \[REDACTED\]/);
    expect(() => JSON.parse(text.split('\n')[0] ?? '')).toThrow();
  });

  it('GIVEN no LOG_FORMAT THEN pretty in a terminal, JSON when piped or in production; LOG_FORMAT wins', () => {
    expect(resolveLogFormat({ isTTY: true })).toBe('pretty');
    expect(resolveLogFormat({ isTTY: false })).toBe('json');
    expect(resolveLogFormat({ isTTY: undefined })).toBe('json');
    expect(resolveLogFormat({ isTTY: true, nodeEnv: 'production' })).toBe('json');
    expect(resolveLogFormat({ isTTY: false, logFormat: 'pretty' })).toBe('pretty');
    expect(resolveLogFormat({ isTTY: true, logFormat: 'json' })).toBe('json');
  });
});
