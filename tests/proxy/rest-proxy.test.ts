import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Routes, type REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createDigestRest } from '../../src/discord/digest-sender.ts';
import { startDiscordSandbox, type DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { isInteractionPath, startRestProxy, type RestProxy } from '../../src/proxy/rest-proxy.ts';

let sandbox: DiscordSandbox | undefined;
let proxy: RestProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await sandbox?.close();
  proxy = sandbox = undefined;
});

const post = (rest: REST, channelId: string, content: string) =>
  rest.post(Routes.channelMessages(channelId), { body: { content, allowed_mentions: { parse: [] } } }) as Promise<{ id: string }>;

/** Three processes' digest clients (each its own @discordjs/rest instance, as in three processes) post one message in each channel, all at once. */
async function threeProcessesPost(s: DiscordSandbox, channels: string[], options: { proxyUrl?: string }) {
  const clients = [0, 1, 2].map(() => createDigestRest({ token: s.token, apiUrl: s.apiUrl, ...options }));
  const t0 = performance.now();
  await Promise.all(channels.map((c, i) => post(clients[i % 3]!, c, `digest for ${c}`)));
  return performance.now() - t0;
}

describe('the REST proxy: one global rate limit for every process of the bot', () => {
  it('GIVEN three processes posting 150 digests at once WITHOUT the proxy THEN the loopback counts their requests against one token and answers global 429s; THROUGH the proxy THEN none, and the 150 take the time 48 a second allows', async () => {
    sandbox = await startDiscordSandbox();
    const channels = sandbox.addGuilds(300, { channel: 'digest' }).map((g) => g.channels[0]!.id);

    // Each process paces itself under 50 a second, but Discord counts the token, not the process.
    await threeProcessesPost(sandbox, channels.slice(0, 150), {});
    const without = sandbox.stats().rateLimited.global;
    expect(without).toBeGreaterThan(0);
    // The loopback's global window closes before the second half.
    sandbox.advanceClock(1000);

    proxy = await startRestProxy({ upstream: sandbox.apiUrl });
    const ms = await threeProcessesPost(sandbox, channels.slice(150), { proxyUrl: proxy.url });
    expect(sandbox.stats().rateLimited.global).toBe(without);
    for (const c of channels) expect(sandbox.messages(c).map((m) => m.content)).toEqual([`digest for ${c}`]);
    // 150 requests at 48 a second: the first 48 at once at most, the rest paced.
    expect(ms).toBeGreaterThanOrEqual(((150 - 48) / 48) * 1000);
    expect(proxy.stats()).toEqual({ forwarded: 150, paced: 150 });
  });

  it('GIVEN Discord answers a post with a 429 THEN the proxy waits and sends it again with its body whole: the message arrives once, as written', async () => {
    sandbox = await startDiscordSandbox();
    const channel = sandbox.channel('digest').id;
    sandbox.failNext({ method: 'POST', path: `/channels/${channel}/messages`, status: 429, retryAfter: 0.2 });
    proxy = await startRestProxy({ upstream: sandbox.apiUrl });
    // REST_PROXY_URL as an operator writes it: the proxy's address, without /api.
    const rest = createDigestRest({ token: sandbox.token, apiUrl: sandbox.apiUrl, proxyUrl: `http://127.0.0.1:${proxy.port}/`, retries: 0 });
    const sent = await post(rest, channel, 'the whole digest text');
    expect(sandbox.messages(channel).map((m) => [m.id, m.content])).toEqual([[sent.id, 'the whole digest text']]);
    expect(sandbox.stats().rateLimited.scripted).toBe(1);
    expect(proxy.stats().forwarded).toBe(2);
  });

  it('GIVEN a caller with a wrong token THEN Discord\'s 401 comes back to it unchanged: the proxy adds no token of its own', async () => {
    sandbox = await startDiscordSandbox();
    proxy = await startRestProxy({ upstream: sandbox.apiUrl });
    const rest = createDigestRest({ token: 'not-the-bot-token-0000000000', apiUrl: sandbox.apiUrl, proxyUrl: proxy.url, retries: 0 });
    await expect(post(rest, sandbox.channel('digest').id, 'x')).rejects.toMatchObject({ status: 401 });
    expect(sandbox.messages(sandbox.channel('digest').id)).toEqual([]);
  });

  it('GIVEN a caller that hangs up while Discord\'s answer is still arriving THEN the proxy ends that request and goes on serving the others', async () => {
    // An upstream whose answer to one route stops halfway: status and headers, part of the body, then nothing.
    const stalled = new Set<() => void>();
    const upstream: Server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (req.url!.includes('/channels/1/')) {
        res.write('{"id":"1","content":"');
        stalled.add(() => res.destroy());
      } else res.end('{"id":"2","content":"whole"}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const errors: unknown[] = [];
    try {
      proxy = await startRestProxy({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/api`, onError: (err) => errors.push(err) });
      const base = new URL(proxy.url);
      const get = (path: string) =>
        new Promise<{ status: number; body: string; cut: boolean }>((resolve, reject) => {
          const req = request({ host: base.hostname, port: base.port, path: `/api/v10${path}`, headers: { authorization: 'Bot x' } }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              body += c;
              // The headers and the first bytes are here: the caller gives up.
              if (path.includes('/channels/1/')) req.destroy();
            });
            res.on('end', () => resolve({ status: res.statusCode!, body, cut: false }));
            res.on('error', () => resolve({ status: res.statusCode!, body, cut: true }));
            res.on('close', () => resolve({ status: res.statusCode!, body, cut: !res.complete }));
          });
          req.on('error', reject);
          req.end();
        });
      const gaveUp = await get('/channels/1/messages/1');
      expect(gaveUp).toMatchObject({ status: 200, cut: true });
      // The proxy took the hang-up as the end of that request; the next one is answered whole.
      await expect(get('/channels/2/messages/2')).resolves.toEqual({ status: 200, body: '{"id":"2","content":"whole"}', cut: false });
      expect(proxy.server.listening).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      for (const end of stalled) end();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  it('GIVEN interaction answers THEN they skip the global pacer, as Discord exempts them; everything else waits its turn', () => {
    expect(isInteractionPath('/api/v10/interactions/1234567890123/aW50ZXJhY3Rpb24/callback')).toBe(true);
    expect(isInteractionPath('/api/v10/webhooks/1234567890123/aW50ZXJhY3Rpb24/messages/@original')).toBe(true);
    expect(isInteractionPath('/api/v10/channels/1234567890123/messages')).toBe(false);
    expect(isInteractionPath('/api/v10/applications/1234567890123/commands')).toBe(false);
  });
});
