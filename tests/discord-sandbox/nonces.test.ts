import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { call, startForHttp, text } from './sandbox-http.ts';

let sandbox: DiscordSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const post = (s: DiscordSandbox, channel: string, body: unknown) => call(s, 'POST', `/channels/${s.channel(channel).id}/messages`, body);

describe('nonces with enforce_nonce, per author across channels', () => {
  it('GIVEN the same nonce in another channel THEN Discord answers with the first message and creates nothing', async () => {
    sandbox = await startForHttp();
    const first = await post(sandbox, 'news', text('first', { nonce: 'dg1m0', enforce_nonce: true }));
    const again = await post(sandbox, 'digest', text('second', { nonce: 'dg1m0', enforce_nonce: true }));
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id: first.json.id, channel_id: sandbox.channel('news').id, content: 'first', nonce: 'dg1m0' });
    expect(sandbox.messages(sandbox.channel('digest').id)).toEqual([]);
    expect(sandbox.messages(sandbox.channel('news').id)).toHaveLength(1);
  });

  it('GIVEN a nonce without enforce_nonce THEN every post creates a message', async () => {
    sandbox = await startForHttp();
    await post(sandbox, 'news', text('a', { nonce: 'n1' }));
    await post(sandbox, 'news', text('b', { nonce: 'n1' }));
    expect(sandbox.messages(sandbox.channel('news').id).map((m) => [m.content, m.nonce])).toEqual([
      ['a', 'n1'],
      ['b', 'n1'],
    ]);
  });

  it('GIVEN a 1 s window THEN a repeat at 999 ms is deduplicated and one at 1000 ms creates a new message', async () => {
    sandbox = await startForHttp({ nonceWindowMs: 1000 });
    const body = text('digest', { nonce: 'dg2m0', enforce_nonce: true });
    const first = await post(sandbox, 'digest', body);
    sandbox.advanceClock(999);
    expect((await post(sandbox, 'digest', body)).json.id).toBe(first.json.id);
    sandbox.advanceClock(1);
    const after = await post(sandbox, 'digest', body);
    expect(after.json.id).not.toBe(first.json.id);
    expect(sandbox.messages(sandbox.channel('digest').id)).toHaveLength(2);
  });

  it('GIVEN expireNonces() THEN the same nonce creates a new message at once', async () => {
    sandbox = await startForHttp();
    const body = text('digest', { nonce: 'dg3m0', enforce_nonce: true });
    const first = await post(sandbox, 'digest', body);
    sandbox.expireNonces();
    expect((await post(sandbox, 'digest', body)).json.id).not.toBe(first.json.id);
  });

  it('GIVEN a nonce of 25 characters THEN accepted; 26 THEN 400 / 50035', async () => {
    sandbox = await startForHttp();
    expect((await post(sandbox, 'news', text('ok', { nonce: 'n'.repeat(25), enforce_nonce: true }))).status).toBe(200);
    const rejected = await post(sandbox, 'news', text('too long', { nonce: 'n'.repeat(26), enforce_nonce: true }));
    expect(rejected.status).toBe(400);
    expect(rejected.json).toMatchObject({ code: 50035, errors: { nonce: { _errors: [expect.objectContaining({ message: 'Must be 25 or fewer in length.' })] } } });
  });
});
