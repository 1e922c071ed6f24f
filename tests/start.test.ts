import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startCommand, writeContent } from '../src/bench/burst.ts';
import { ensureBuild as build } from '../src/build.mjs';
import { startDiscordSandbox } from '../src/discord-sandbox/server.ts';
import { tempDir } from './support/temp-dir.ts';
import { waitFor } from './support/wait-for.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('npm start', () => {
  it('GIVEN no build THEN it compiles main, both workers and the module that starts parse workers ahead once, and rebuilds only when a source it was built from changes', async () => {
    const dir = await tempDir('news-build-');
    cleanups.push(() => dir.cleanup());
    const cacheDir = join(dir.root, 'cache');

    const first = await build({ cacheDir });
    expect(first.built).toBe(true);
    for (const name of ['main.js', 'parse-worker.js', 'stat-worker.js', 'parse-workers-ahead.js']) expect((await readFile(join(first.dir, name), 'utf8')).length).toBeGreaterThan(0);
    // No TypeScript is left for Node to load, and the worker paths still point beside the bundle.
    const main = await readFile(first.main, 'utf8');
    expect(main).not.toMatch(/from ["'][^"']+\.ts["']/);
    expect(main).toContain('new URL("./parse-worker.js", import.meta.url)');
    expect(main).toContain(JSON.stringify(new URL('src/sandbox/web.ts', `file://${ROOT}`).href));

    const again = await build({ cacheDir });
    expect(again).toMatchObject({ built: false, dir: first.dir });

    // A source that no longer matches what the build was made from (as after an edit) means a new build.
    const manifestFile = join(cacheDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { inputs: Record<string, string> };
    expect(Object.keys(manifest.inputs)).toContain('src/files/parse-batch.ts');
    manifest.inputs['src/files/parse-batch.ts'] = 'edited';
    writeFileSync(manifestFile, JSON.stringify(manifest));
    expect((await build({ cacheDir })).built).toBe(true);
    expect((await build({ cacheDir })).built).toBe(false);
  });

  it('GIVEN 2,000 articles THEN the start command line comes online from the build, parses on its workers, and a restart reads them back from the cache', async () => {
    const sandbox = await startDiscordSandbox();
    cleanups.push(() => sandbox.close());
    const dir = await tempDir('news-start-');
    cleanups.push(() => dir.cleanup());
    // Enough files for the parse workers (1,500) and, on the restart, the stat worker (2,000).
    await writeContent(join(dir.root, 'content'), 2000, Date.parse('2026-11-21T12:00:00Z'));
    const title = /title: '([^']+)'/.exec(await readFile(join(dir.root, 'content', 'burst-000.md'), 'utf8'))![1]!;
    const { args, env: startEnv } = await startCommand();
    expect(args.join(' ')).not.toContain('tsx');

    const start = () => {
      const child = spawn(process.execPath, args, {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          ...startEnv,
          DISCORD_TOKEN: sandbox.token,
          DISCORD_API_URL: sandbox.apiUrl,
          DISCORD_GUILD_ID: sandbox.guilds[0]!.id,
          CONTENT_DIR: join(dir.root, 'content'),
          DATABASE_PATH: join(dir.root, 'bot.sqlite'),
          CACHE_DIR: join(dir.root, 'cache'),
          LOG_FORMAT: 'json',
          DIGEST_CHANNEL_ID: '',
          TOPIC_ALIASES: '',
        },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += String(c)));
      child.stderr.on('data', (c) => (err += String(c)));
      const exited = new Promise((r) => child.once('exit', r));
      cleanups.push(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      });
      const loaded = () =>
        waitFor(
          () =>
            out
              .split('\n')
              .filter((l) => l.startsWith('{'))
              .map((l) => JSON.parse(l) as { msg: string; loaded?: number; stats?: { parsed: number; fromCache: number } })
              .find((l) => l.msg === 'articles loaded'),
          { timeout: 60_000, interval: 50 },
        ).catch((e: Error) => {
          throw new Error(`${e.message}\nstdout:\n${out}\nstderr:\n${err}`);
        });
      const stop = async () => {
        child.kill('SIGTERM');
        await exited;
      };
      return { loaded, stop };
    };

    const cold = start();
    const coldLoad = await cold.loaded();
    expect(coldLoad.loaded).toBe(2000);
    expect(coldLoad.stats).toMatchObject({ parsed: 2000, fromCache: 0 });
    const reply = await sandbox.runCommand({ name: 'news', subcommand: 'search', options: { query: title } }).reply();
    expect(String(reply.embeds[0]?.title ?? '')).toMatch(/^Results 1–\d+ of \d+/);
    expect(JSON.stringify(reply.embeds)).toContain(title);
    await cold.stop();

    const warm = start();
    expect(await warm.loaded()).toMatchObject({ loaded: 2000, stats: { parsed: 0, fromCache: 2000 } });
    await warm.stop();
  }, 120_000);
});
