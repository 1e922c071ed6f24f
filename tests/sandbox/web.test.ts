import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDiscordSandbox, type DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { startSandboxWeb } from '../../src/sandbox/web.ts';
import { call } from '../discord-sandbox/sandbox-http.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One raw HTTP request, so the test chooses every header a browser or an attacker would send, `Host` included. */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let sandbox: DiscordSandbox;
let web: Awaited<ReturnType<typeof startSandboxWeb>>;
let digestsPosted = 0;
let interactions = 0;
const countInteraction = () => void interactions++;

beforeEach(async () => {
  digestsPosted = 0;
  interactions = 0;
  sandbox = await startDiscordSandbox({ guilds: [{ name: 'Sandbox', channels: ['news', 'digest'] }] });
  sandbox.events.on('interaction', countInteraction);
  web = await startSandboxWeb({
    sandbox,
    port: 0,
    // Stands in for the bot's delivery: these tests are about who may reach it, not what it posts.
    postDigest: async () => {
      digestsPosted++;
      return { status: 'delivered', messages: 1, articles: 3 };
    },
  });
});

afterEach(async () => {
  sandbox.events.off('interaction', countInteraction);
  await web.close();
  await sandbox.close();
});

const self = () => ({ host: `127.0.0.1:${web.port}`, origin: `http://127.0.0.1:${web.port}` });
const json = { 'Content-Type': 'application/json' };

describe('the sandbox page refuses other sites', () => {
  it('GIVEN a Host that is not this machine (DNS rebinding) THEN 421 and no state, for the API and the page alike', async () => {
    for (const path of ['/api/state', '/', '/app.js']) {
      const r = await send(web.port, 'GET', path, { Host: 'attacker.example' });
      expect(r.status, path).toBe(421);
      expect(r.text).not.toContain('Regular Member');
      expect(JSON.parse(r.text).error).toMatch(/^This sandbox page answers only at http:\/\/127\.0\.0\.1:\d+/);
    }
    const post = await send(web.port, 'POST', '/api/post-digest', { Host: `attacker.example:${web.port}`, ...json }, '{}');
    expect(post.status).toBe(421);
    expect(digestsPosted).toBe(0);
  });

  it('GIVEN this machine under any of its loopback names THEN the state is served', async () => {
    for (const host of [`127.0.0.1:${web.port}`, `localhost:${web.port}`, `LOCALHOST:${web.port}`, `[::1]:${web.port}`]) {
      const r = await send(web.port, 'GET', '/api/state', { Host: host });
      expect(r.status, host).toBe(200);
      expect(JSON.parse(r.text).users.member.global_name).toBe('Regular Member');
    }
  });

  it('GIVEN a POST from another origin, even as JSON THEN 403 and nothing ran', async () => {
    const cases: Array<Record<string, string>> = [
      { Origin: 'http://attacker.example', 'Content-Type': 'text/plain' },
      { Origin: 'http://127.0.0.1:1', ...json },
      { Origin: 'null', ...json },
      { 'Sec-Fetch-Site': 'cross-site', ...json },
      { 'Sec-Fetch-Site': 'same-site', Origin: `http://127.0.0.1:${web.port}`, ...json },
    ];
    for (const headers of cases) {
      const command = JSON.stringify({ name: 'digest', subcommand: 'set', options: {}, channelId: sandbox.channel('news').id, user: 'admin' });
      const r = await send(web.port, 'POST', '/api/command', { Host: self().host, ...headers }, command);
      expect(r.status, JSON.stringify(headers)).toBe(403);
      const digest = await send(web.port, 'POST', '/api/post-digest', { Host: self().host, ...headers }, '{}');
      expect(digest.status).toBe(403);
    }
    expect(interactions).toBe(0);
    expect(digestsPosted).toBe(0);
  });

  it('GIVEN a same-origin POST that is not JSON (text/plain, a form) THEN 415 and nothing ran', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await send(web.port, 'POST', '/api/post-digest', { Host: self().host, Origin: self().origin, 'Content-Type': type }, '{}');
      expect(r.status, type).toBe(415);
    }
    const none = await send(web.port, 'POST', '/api/post-digest', { Host: self().host, Origin: self().origin }, '{}');
    expect(none.status).toBe(415);
    expect(digestsPosted).toBe(0);
  });

  it('GIVEN the event stream is opened from another origin THEN 403; from the page itself THEN it streams', async () => {
    const cross = await send(web.port, 'GET', '/api/events', { Host: self().host, Origin: 'http://attacker.example', 'Sec-Fetch-Site': 'cross-site' });
    expect(cross.status).toBe(403);
    const own = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: web.port, path: '/api/events', agent: false, headers: { Host: self().host, 'Sec-Fetch-Site': 'same-origin' } }, (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      });
      req.on('error', reject);
      req.end();
    });
    expect(own).toBe(200);
  });

  it('GIVEN a same-origin JSON request, as the page sends it THEN it runs', async () => {
    const headers = { Host: self().host, Origin: self().origin, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/json; charset=utf-8' };
    const r = await send(web.port, 'POST', '/api/post-digest', headers, '{}');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ status: 'delivered', messages: 1, articles: 3 });
    expect(digestsPosted).toBe(1);
    // A tool on this machine (curl, a test) sends neither Origin nor Sec-Fetch-Site: still allowed, as JSON.
    expect((await send(web.port, 'POST', '/api/post-digest', { Host: self().host, ...json }, '{}')).status).toBe(200);
    expect(digestsPosted).toBe(2);
  });

  it('GIVEN a body that is not a JSON object THEN 400, not a server error', async () => {
    const r = await send(web.port, 'POST', '/api/command', { Host: self().host, Origin: self().origin, ...json }, 'not json');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({ error: 'The body is not valid JSON' });
    expect(interactions).toBe(0);
  });

  it('GIVEN the page is framed by another site THEN the browser is told not to show it', async () => {
    const r = await send(web.port, 'GET', '/', { Host: self().host });
    expect(r.status).toBe(200);
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['content-security-policy']).toBe("frame-ancestors 'none'");
  });
});

describe('commands each user may use', () => {
  const register = async () => {
    const commands = [
      { name: 'news', description: 'News', options: [{ type: 1, name: 'latest', description: 'Latest' }] },
      { name: 'digest', description: 'Digest settings', default_member_permissions: '32', options: [{ type: 1, name: 'status', description: 'Status' }] },
    ];
    const r = await call(sandbox, 'PUT', `/applications/${sandbox.application.id}/guilds/${sandbox.guilds[0]!.id}/commands`, commands);
    expect(r.status).toBe(200);
  };

  it('GIVEN /digest needs Manage Server THEN the state offers it to the admin only, in every channel', async () => {
    await register();
    const state = JSON.parse((await send(web.port, 'GET', '/api/state', { Host: self().host })).text) as { visibleCommands: Record<string, Record<string, string[]>> };
    for (const channel of ['news', 'digest']) {
      const id = sandbox.channel(channel).id;
      expect(state.visibleCommands.member?.[id]).toEqual(['news']);
      expect(state.visibleCommands.admin?.[id]).toEqual(['news', 'digest']);
    }
  });

  it('GIVEN a member sends the hidden /digest anyway THEN 403 saying Discord hides it, and no interaction', async () => {
    await register();
    const body = JSON.stringify({ name: 'digest', subcommand: 'status', options: {}, channelId: sandbox.channel('news').id, user: 'member' });
    const r = await send(web.port, 'POST', '/api/command', { Host: self().host, Origin: self().origin, ...json }, body);
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text)).toEqual({ hidden: true, error: expect.stringMatching(/^Discord hides \/digest from Regular Member in #news/) });
    expect(interactions).toBe(0);
  });
});

describe('the loopback Discord behind the page', () => {
  it('refuses a WebSocket from a web page (it carries an Origin) and accepts the bot, which sends none', async () => {
    const port = new URL(sandbox.apiUrl).port;
    const open = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/gateway?v=10&encoding=json', agent: false, headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers } });
        req.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve(res.statusCode ?? 0);
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await open({ Origin: 'http://attacker.example' })).toBe(403);
    expect(await open({})).toBe(101);
  });


  it('has a bot token that is random for every run, so nothing outside this process can guess it', async () => {
    const other = await startDiscordSandbox({ guilds: [{ name: 'Other', channels: ['news'] }] });
    try {
      expect(other.token).not.toBe(sandbox.token);
      expect(sandbox.token).toMatch(/^sandbox\.[A-Za-z0-9_-]{43}$/);
      // And the old fixed one no longer opens the API.
      const r = await call(sandbox, 'GET', '/users/@me', undefined, { auth: 'Bot sandbox-token-0000000000000000' });
      expect(r.status).toBe(401);
    } finally {
      await other.close();
    }
  });
});
