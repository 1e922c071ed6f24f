import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_EVERYONE, PERMISSION, THREAD_AND_FILE_PERMISSIONS } from '../../src/discord-sandbox/permissions.ts';
import type { DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { call, startForHttp, text } from './sandbox-http.ts';

let sandbox: DiscordSandbox;
let channelId: string;
let messageId: string;

beforeEach(async () => {
  sandbox = await startForHttp({ rateLimits: false });
  sandbox.setEveryonePermissions(sandbox.guilds[0]!.id, DEFAULT_EVERYONE | THREAD_AND_FILE_PERMISSIONS);
  channelId = sandbox.channel('digest').id;
  messageId = (await call(sandbox, 'POST', `/channels/${channelId}/messages`, text('the digest'))).json.id;
});
afterEach(async () => {
  await sandbox.close();
});

const startThread = (body: unknown, message = messageId, channel = channelId) => call(sandbox, 'POST', `/channels/${channel}/messages/${message}/threads`, body);

describe('POST /channels/{id}/messages/{id}/threads, as Discord starts a thread from a message', () => {
  it('GIVEN a valid name THEN a public thread (type 11) whose id is the message id, the message flagged HAS_THREAD and carrying it, and THREAD_CREATE in the events', async () => {
    const r = await startThread({ name: 'Full list', auto_archive_duration: 1440 });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ id: messageId, type: 11, parent_id: channelId, name: 'Full list', thread_metadata: { auto_archive_duration: 1440, archived: false } });
    const message = (await call(sandbox, 'GET', `/channels/${channelId}/messages/${messageId}`)).json;
    expect(message.flags & 32).toBe(32);
    expect(message.thread).toMatchObject({ id: messageId, type: 11 });
    expect((await call(sandbox, 'GET', `/channels/${messageId}`)).json).toMatchObject({ id: messageId, type: 11, parent_id: channelId });
  });

  it('GIVEN a second thread on the same message THEN 400 with code 160004, and the first thread stays the only one', async () => {
    await startThread({ name: 'Full list' });
    const again = await startThread({ name: 'Another' });
    expect([again.status, again.json.code, again.json.message]).toEqual([400, 160004, 'A thread has already been created for this message']);
    expect(sandbox.thread(messageId)!.name).toBe('Full list');
  });

  it('GIVEN a missing, blank or 101-character name, or an archive duration Discord does not offer THEN 400 / 50035 naming the field', async () => {
    for (const [body, field] of [
      [{}, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: 'ok', auto_archive_duration: 120 }, 'auto_archive_duration'],
      [{ name: 'ok', rate_limit_per_user: 21601 }, 'rate_limit_per_user'],
    ] as const) {
      const r = await startThread(body);
      expect([r.status, r.json.code], JSON.stringify(body)).toEqual([400, 50035]);
      expect(Object.keys(r.json.errors)).toEqual([field]);
    }
    expect((await startThread({ name: 'x'.repeat(100), auto_archive_duration: 10080 })).status).toBe(201);
  });

  it('GIVEN an unknown message THEN 404 / 10008; GIVEN no Create Public Threads THEN 403 / 50013', async () => {
    expect((await startThread({ name: 'x' }, '123456789012345678')).json.code).toBe(10008);
    sandbox.setEveryonePermissions(sandbox.guilds[0]!.id, DEFAULT_EVERYONE);
    const r = await startThread({ name: 'x' });
    expect([r.status, r.json.code]).toEqual([403, 50013]);
    expect(sandbox.thread(messageId)).toBeUndefined();
  });

  it('GIVEN a thread THEN posting in it needs Send Messages in Threads (not Send Messages), and its history lists its own messages only', async () => {
    await startThread({ name: 'Full list' });
    const first = await call(sandbox, 'POST', `/channels/${messageId}/messages`, text('part 1'));
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ channel_id: messageId, content: 'part 1' });
    expect((await call(sandbox, 'GET', `/channels/${messageId}/messages`)).json.map((m: { content: string }) => m.content)).toEqual(['part 1']);
    expect((await call(sandbox, 'GET', `/channels/${channelId}/messages`)).json.map((m: { content: string }) => m.content)).toEqual(['the digest']);

    sandbox.setEveryonePermissions(sandbox.guilds[0]!.id, (DEFAULT_EVERYONE | THREAD_AND_FILE_PERMISSIONS) & ~PERMISSION.SendMessagesInThreads);
    const refused = await call(sandbox, 'POST', `/channels/${messageId}/messages`, text('part 2'));
    expect([refused.status, refused.json.code]).toEqual([403, 50013]);
    // Send Messages alone still posts in the channel itself.
    expect((await call(sandbox, 'POST', `/channels/${channelId}/messages`, text('in the channel'))).status).toBe(200);
  });

  it('GIVEN a thread THEN no thread can be started from a message inside it (400 / 50024)', async () => {
    await startThread({ name: 'Full list' });
    const inside = (await call(sandbox, 'POST', `/channels/${messageId}/messages`, text('part 1'))).json.id;
    const r = await startThread({ name: 'nested' }, inside, messageId);
    expect([r.status, r.json.code]).toEqual([400, 50024]);
  });
});
