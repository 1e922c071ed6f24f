import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscordSandbox, type DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { BOT_ARTICLES } from '../support/bot-harness.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait-for.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The TypeScript loader `npm start` uses, resolved from the project so the temp folder needs no node_modules. */
const TSX = import.meta.resolve('tsx');
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Runs a project entry point as `npm start` / `npm run deploy-commands` would, in a folder with no .env. */
function run(script: string, env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ['--import', TSX, `${ROOT}${script}`, ...args], { cwd: env.CWD ?? ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += String(c)));
  child.stderr.on('data', (c) => (stderr += String(c)));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, exit, out: () => stdout, err: () => stderr };
}

async function workspace() {
  const dir = await tempDir('news-bot-proc-');
  for (const [file, text] of Object.entries(BOT_ARTICLES)) await dir.write(`content/${file}`, text);
  cleanups.push(() => dir.cleanup());
  return dir;
}

describe('the bot process', () => {
  it('GIVEN bad configuration THEN it lists every problem and exits with code 1', async () => {
    const dir = await workspace();
    const p = run('src/main.ts', { CWD: dir.root, DISCORD_TOKEN: 'abc', DIGEST_TIMEZONE: 'Nowhere/City' });
    expect(await p.exit).toBe(1);
    expect(p.err()).toContain('Configuration problems (see .env.example):\n  - DISCORD_TOKEN: looks too short to be a bot token\n  - DIGEST_TIMEZONE: must be an IANA time zone');
  });

  it('GIVEN DISCORD_TOKEN THEN it logs in, registers its commands, logs JSON without the token, and stops cleanly', async () => {
    const sandbox: DiscordSandbox = await startDiscordSandbox();
    cleanups.push(() => sandbox.close());
    const dir = await workspace();
    const p = run('src/main.ts', {
      CWD: dir.root,
      DISCORD_TOKEN: sandbox.token,
      DISCORD_API_URL: sandbox.apiUrl,
      DISCORD_GUILD_ID: sandbox.guilds[0]!.id,
      CONTENT_DIR: `${dir.root}/content`,
      DATABASE_PATH: `${dir.root}/data/bot.sqlite`,
    });
    await waitFor(() => sandbox.commands(sandbox.guilds[0]!.id).length === 2, { timeout: 15_000, interval: 50 });
    await waitFor(() => p.out().includes('digest ticker started'), { timeout: 5000, interval: 50 });
    const lines = p.out().trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['articles loaded', 'logged in to Discord', 'slash commands registered', 'digest ticker started']));
    expect(p.out()).not.toContain(sandbox.token);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
  });

  it('npm run deploy-commands registers the commands with one PUT and says where', async () => {
    const sandbox = await startDiscordSandbox();
    cleanups.push(() => sandbox.close());
    const dir = await workspace();
    const p = run('src/deploy-commands.ts', { CWD: dir.root, DISCORD_TOKEN: sandbox.token, DISCORD_API_URL: sandbox.apiUrl });
    expect(await p.exit).toBe(0);
    expect(p.out()).toBe(
      'Registered 2 commands (/news, /digest) for News Digest globally (may take up to an hour to appear).\n' +
        `Invite link (View Channel, Send Messages, Embed Links, Read Message History): https://discord.com/oauth2/authorize?client_id=${sandbox.application.id}&scope=bot+applications.commands&permissions=84992\n`,
    );
    expect(sandbox.commands().map((c) => c.name)).toEqual(['news', 'digest']);
  });

  it('GIVEN no token THEN npm start opens the sandbox; GIVEN its port is taken THEN a clear error', async () => {
    const dir = await workspace();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => blocker.close(r)));
    const port = (blocker.address() as { port: number }).port;
    const taken = run('src/main.ts', { CWD: dir.root, CONTENT_DIR: `${dir.root}/content`, SANDBOX_PORT: String(port), LOG_LEVEL: 'silent' });
    expect(await taken.exit).toBe(1);
    expect(taken.err()).toContain(`Port ${port} on 127.0.0.1 is already in use. Set SANDBOX_PORT to a free port, e.g. SANDBOX_PORT=3001 npm start`);

    const free = run('src/main.ts', { CWD: dir.root, CONTENT_DIR: `${dir.root}/content`, SANDBOX_PORT: '0', LOG_LEVEL: 'silent' });
    await waitFor(() => /Open http:\/\/127\.0\.0\.1:\d+/.test(free.out()), { timeout: 15_000, interval: 50 });
    const url = /Open (http:\/\/127\.0\.0\.1:\d+)/.exec(free.out())![1]!;
    expect(free.out()).toContain('This is a local sandbox');
    const state = (await (await fetch(`${url}/api/state`)).json()) as { channels: Array<{ name: string }>; commands: Array<{ name: string }> };
    expect(state.channels.map((c) => c.name)).toEqual(['news', 'digest']);
    expect(state.commands.map((c) => c.name)).toEqual(['news', 'digest']);
    free.child.kill('SIGTERM');
    expect(await free.exit).toBe(0);
  });
});
