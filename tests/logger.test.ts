import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';

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
});
