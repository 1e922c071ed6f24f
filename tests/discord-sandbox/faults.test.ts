import { Routes } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { startSandboxWithClient } from '../support/discord-harness.ts';
import { call, startForHttp, text } from './sandbox-http.ts';

let sandbox: DiscordSandbox | undefined;
let closeClient: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeClient?.();
  await sandbox?.close();
  sandbox = undefined;
  closeClient = undefined;
});

const postTo = (s: DiscordSandbox, channelId: string, content: string) => call(s, 'POST', `/channels/${channelId}/messages`, text(content));

describe('faults on demand', () => {
  it('GIVEN a post lost after applying THEN the client gets no answer but the message exists; the next post answers normally', async () => {
    sandbox = await startForHttp();
    const news = sandbox.channel('news').id;
    sandbox.dropNext({ method: 'POST', path: `/channels/${news}/messages`, when: 'after-applying' });
    await expect(postTo(sandbox, news, 'applied')).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sandbox.messages(news).map((m) => m.content)).toEqual(['applied']);
    expect((await postTo(sandbox, news, 'next')).status).toBe(200);
    expect(sandbox.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([0, 200]);
  });

  it('GIVEN a post lost before applying THEN no answer and no message', async () => {
    sandbox = await startForHttp();
    const news = sandbox.channel('news').id;
    sandbox.dropNext({ path: '/messages', when: 'before-applying' });
    await expect(postTo(sandbox, news, 'lost')).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sandbox.messages(news)).toEqual([]);
  });

  it('GIVEN discord.js (no retries) and a lost answer THEN the call fails with a network error while the message was posted', async () => {
    const h = await startSandboxWithClient();
    sandbox = h.sandbox;
    closeClient = () => h.client.destroy();
    const digest = h.sandbox.channel('digest').id;
    h.sandbox.dropNext({ method: 'POST', path: '/messages', when: 'after-applying' });
    await expect(h.client.rest.post(Routes.channelMessages(digest), { body: text('applied once') })).rejects.toThrow();
    expect(h.sandbox.messages(digest).map((m) => m.content)).toEqual(['applied once']);
  });

  it('GIVEN a slow answer THEN it arrives after the delay, applied before it', async () => {
    sandbox = await startForHttp();
    const news = sandbox.channel('news').id;
    sandbox.delayNext({ path: '/messages', delayMs: 300 });
    let storedAt = 0;
    sandbox.events.once('message', () => (storedAt = Date.now()));
    const started = Date.now();
    const r = await postTo(sandbox, news, 'slow');
    const answeredAt = Date.now();
    expect(r.status).toBe(200);
    expect(answeredAt - started).toBeGreaterThanOrEqual(290);
    // Stored at once; only the answer waited.
    expect(answeredAt - storedAt).toBeGreaterThanOrEqual(250);
  });

  it('GIVEN channel faults THEN 403 50001, 403 50013 and 404 10003 until lifted, counted as invalid requests', async () => {
    sandbox = await startForHttp();
    const news = sandbox.channel('news').id;
    sandbox.failChannel(news, 'missing-access');
    expect(await postTo(sandbox, news, 'x')).toMatchObject({ status: 403, json: { code: 50001, message: 'Missing Access' } });
    sandbox.failChannel(news, 'missing-permissions');
    expect(await postTo(sandbox, news, 'x')).toMatchObject({ status: 403, json: { code: 50013, message: 'Missing Permissions' } });
    sandbox.failChannel(news, 'unknown-channel');
    expect(await postTo(sandbox, news, 'x')).toMatchObject({ status: 404, json: { code: 10003, message: 'Unknown Channel' } });
    expect((await postTo(sandbox, sandbox.channel('digest').id, 'other channel')).status).toBe(200);
    sandbox.failChannel(news, null);
    expect((await postTo(sandbox, news, 'back')).status).toBe(200);
    expect(sandbox.stats().invalid).toEqual({ 401: 0, 403: 2, 429: 0 });
  });

  it('GIVEN a wrong token THEN 401, counted', async () => {
    sandbox = await startForHttp();
    expect((await call(sandbox, 'GET', '/users/@me', undefined, { auth: 'Bot wrong' })).status).toBe(401);
    expect(sandbox.stats().invalid[401]).toBe(1);
  });
});
