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

describe('rate limits, as strict as Discord by default', () => {
  it('GIVEN 5 posts in one channel within 5 s THEN all pass with bucket headers; the 6th gets a route 429; another channel is its own bucket', async () => {
    sandbox = await startForHttp();
    const news = sandbox.channel('news').id;
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(sandbox, 'POST', `/channels/${news}/messages`, text(`m${i}`));
      expect(r.status).toBe(200);
      expect(r.headers).toMatchObject({ 'x-ratelimit-limit': '5', 'x-ratelimit-reset-after': '5.000', 'x-ratelimit-bucket': 'channel-message-create' });
      expect(Number(r.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.UTC(2026, 10, 21, 12) / 1000);
      remaining.push(String(r.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);

    const limited = await call(sandbox, 'POST', `/channels/${news}/messages`, text('m5'));
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ message: 'You are being rate limited.', retry_after: 5, global: false });
    expect(limited.headers).toMatchObject({ 'retry-after': '5', 'x-ratelimit-scope': 'user', 'x-ratelimit-remaining': '0' });
    expect(limited.headers['x-ratelimit-global']).toBeUndefined();
    expect(sandbox.messages(news)).toHaveLength(5);

    expect((await call(sandbox, 'POST', `/channels/${sandbox.channel('digest').id}/messages`, text('other channel'))).status).toBe(200);
    expect(sandbox.stats().rateLimited).toEqual({ global: 0, route: 1, scripted: 0 });
    expect(sandbox.stats().invalid[429]).toBe(1);
  });

  it('GIVEN the 5 s window has passed THEN the channel accepts posts again, not a millisecond before', async () => {
    sandbox = await startForHttp();
    const news = sandbox.channel('news').id;
    for (let i = 0; i < 5; i++) await call(sandbox, 'POST', `/channels/${news}/messages`, text(`m${i}`));
    sandbox.advanceClock(4999);
    const early = await call(sandbox, 'POST', `/channels/${news}/messages`, text('early'));
    expect(early.status).toBe(429);
    expect(early.json.retry_after).toBe(0.001);
    sandbox.advanceClock(1);
    expect((await call(sandbox, 'POST', `/channels/${news}/messages`, text('on time'))).status).toBe(200);
  });

  it('GIVEN 50 requests in a second across routes and connections THEN the 51st gets a global 429', async () => {
    sandbox = await startForHttp();
    const { id: guildId } = sandbox.guilds[0]!;
    const paths = ['/users/@me', `/guilds/${guildId}`, `/channels/${sandbox.channel('news').id}`, `/channels/${sandbox.channel('digest').id}`, `/guilds/${guildId}/channels`];
    for (let i = 0; i < 50; i++) expect((await call(sandbox, 'GET', paths[i % paths.length]!)).status).toBe(200);
    const limited = await call(sandbox, 'GET', `/applications/${sandbox.application.id}/commands`);
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ message: 'You are being rate limited.', retry_after: 1, global: true });
    expect(limited.headers).toMatchObject({ 'retry-after': '1', 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' });
    expect(sandbox.stats().rateLimited).toEqual({ global: 1, route: 0, scripted: 0 });
    sandbox.advanceClock(1000);
    expect((await call(sandbox, 'GET', '/users/@me')).status).toBe(200);
  });

  it('GIVEN the global limit is used up THEN interaction callbacks and webhooks still pass, as in Discord', async () => {
    sandbox = await startForHttp();
    for (let i = 0; i < 50; i++) await call(sandbox, 'GET', '/users/@me');
    expect((await call(sandbox, 'GET', '/users/@me')).status).toBe(429);
    const handle = sandbox.runCommand({ name: 'news', subcommand: 'latest' });
    const callback = await call(sandbox, 'POST', `/interactions/${handle.id}/${handle.token}/callback`, { type: 5 }, { auth: null });
    expect(callback.status).toBe(204);
    const followUp = await call(sandbox, 'POST', `/webhooks/${sandbox.application.id}/${handle.token}?wait=true`, text('still answered'), { auth: null });
    expect(followUp.status).toBe(200);
    expect(sandbox.stats().rateLimited.global).toBe(1);
  });

  it('GIVEN configured limits THEN they apply; GIVEN rateLimits: false THEN nothing is limited and no bucket headers are sent', async () => {
    sandbox = await startForHttp({ rateLimits: { globalPerSecond: 3 } });
    for (let i = 0; i < 3; i++) expect((await call(sandbox, 'GET', '/users/@me')).status).toBe(200);
    expect((await call(sandbox, 'GET', '/users/@me')).json.global).toBe(true);
    await sandbox.close();

    sandbox = await startForHttp({ rateLimits: false });
    const news = sandbox.channel('news').id;
    for (let i = 0; i < 60; i++) {
      const r = await call(sandbox, 'POST', `/channels/${news}/messages`, text(`m${i}`));
      expect(r.status).toBe(200);
      expect(r.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  it('GIVEN discord.js posts more than a bucket allows THEN it waits on the headers: every post lands and no 429 is sent', async () => {
    const h = await startSandboxWithClient({
      rateLimits: { routes: [{ name: 'channel-message-create', method: 'POST', pattern: /^\/channels\/(\d+)\/messages$/, limit: 2, windowMs: 300 }] },
    });
    sandbox = h.sandbox;
    closeClient = () => h.client.destroy();
    const news = h.sandbox.channel('news').id;
    const started = Date.now();
    await Promise.all(Array.from({ length: 5 }, (_, i) => h.client.rest.post(Routes.channelMessages(news), { body: text(`m${i}`) })));
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(h.sandbox.messages(news).map((m) => m.content).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(h.sandbox.stats().rateLimited).toEqual({ global: 0, route: 0, scripted: 0 });
  });

  it('GIVEN a server global limit below discord.js\'s own THEN discord.js obeys the global 429 and every request still succeeds', async () => {
    const h = await startSandboxWithClient({ rateLimits: { globalPerSecond: 4, globalWindowMs: 200 } });
    sandbox = h.sandbox;
    closeClient = () => h.client.destroy();
    const ids = [h.sandbox.channel('news').id, h.sandbox.channel('digest').id];
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => h.client.rest.get(Routes.channel(ids[i % 2]!)) as Promise<{ id: string }>));
    expect(results.map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, i) => ids[i % 2]));
    expect(h.sandbox.stats().rateLimited.global).toBeGreaterThan(0);
  });
});
