import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { shardOfGuild, startDiscordSandbox, type DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { npmScriptArgs } from '../../src/bench/scale-machines.ts';
import { BOT_ARTICLES } from '../support/bot-harness.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait-for.ts';

interface LogLine {
  msg: string;
  cluster?: number;
  [key: string]: unknown;
}

let sandbox: DiscordSandbox | undefined;
let manager: ChildProcess | undefined;
let cleanupDir: (() => Promise<void>) | undefined;
afterEach(async () => {
  if (manager && manager.exitCode === null && manager.signalCode === null) {
    const exited = new Promise((r) => manager!.once('exit', r));
    manager.kill('SIGTERM');
    await exited;
  }
  await sandbox?.close();
  await cleanupDir?.();
  manager = sandbox = cleanupDir = undefined;
});

describe('npm run start:shards', () => {
  it('GIVEN 3,000 servers, SHARD_COUNT=auto and 2 shards per cluster THEN 2 cluster processes hold shards 0–1 and 2–3, each only its servers; commands are registered once; /news latest in a server of shard 3 is answered by the cluster that holds it', async () => {
    // max_concurrency 2: shards 0 and 1 identify together, and cluster 1 must wait out the 5 s window of both buckets.
    sandbox = await startDiscordSandbox({ gateway: { maxConcurrency: 2 } });
    sandbox.addGuilds(3000);
    const refused: number[] = [];
    sandbox.events.on('refused', (r) => refused.push(r.code));
    const dir = await tempDir('news-bot-shards-');
    cleanupDir = dir.cleanup;
    for (const [file, text] of Object.entries(BOT_ARTICLES)) await dir.write(`content/${file}`, text);

    // `npm run start:shards` as package.json says it, so the test runs exactly what operators run.
    const command = await npmScriptArgs('start:shards');
    manager = spawn(process.execPath, command.args, {
      cwd: dir.root,
      env: {
        ...command.env,
        PATH: process.env.PATH ?? '',
        DISCORD_TOKEN: sandbox.token,
        DISCORD_API_URL: sandbox.apiUrl,
        DISCORD_GUILD_ID: '',
        DIGEST_CHANNEL_ID: '',
        CONTENT_DIR: `${dir.root}/content`,
        DATABASE_PATH: `${dir.root}/data/bot.sqlite`,
        LOG_FORMAT: 'json',
        STARTUP_RETRY_DELAYS_MS: '100,200',
        SHARD_COUNT: 'auto',
        SHARDS_PER_CLUSTER: '2',
      },
    });
    let stdout = '';
    let stderr = '';
    manager.stdout!.on('data', (c) => (stdout += String(c)));
    manager.stderr!.on('data', (c) => (stderr += String(c)));
    const logs = (): LogLine[] =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine);
    await waitFor(() => logs().some((l) => l.msg === 'all clusters online'), { timeout: 90_000, interval: 100, what: 'all clusters online' }).catch((err: Error) => {
      throw new Error(`${err.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    });

    // Four sessions, one per shard of 4 (3,001 servers: Discord's one per 1,000, rounded up).
    expect(sandbox.gatewaySessions().map((x) => x.shard.join('/')).sort()).toEqual(['0/4', '1/4', '2/4', '3/4']);
    expect(refused).toEqual([]);
    // Each cluster logs this before it tells the manager; the pipe may still be carrying the line.
    const online = await waitFor((): LogLine[] | null => {
      const lines = logs().filter((l) => l.msg === 'cluster online');
      return lines.length === 2 ? lines : null;
    });
    expect(online.map((l) => [l.cluster, l.shards])).toEqual([
      [0, [0, 1]],
      [1, [2, 3]],
    ]);
    const all = sandbox.guilds.filter((g) => g.botMember).map((g) => g.id);
    for (const l of online) {
      const shards = l.shards as number[];
      expect(l.guilds).toBe(all.filter((id) => shards.includes(shardOfGuild(id, 4))).length);
    }
    expect(new Set(online.map((l) => l.pid)).size).toBe(2);

    // Registered once, by the manager; the clusters said they left it to the manager.
    const puts = sandbox.requests.filter((r) => r.method === 'PUT' && /\/commands$/.test(r.path));
    expect(puts).toHaveLength(1);
    expect(logs().filter((l) => l.msg === 'slash commands registered' && l.cluster === undefined)).toHaveLength(1);
    expect(logs().filter((l) => /REGISTER_COMMANDS=false/.test(l.msg)).map((l) => l.cluster).sort()).toEqual([0, 1]);

    // Wait for the clusters' archives, then ask in a server of shard 3.
    await waitFor(() => logs().filter((l) => l.msg === 'digest ticker started').length === 2, { timeout: 30_000, interval: 100 });
    const guild = sandbox.guilds.find((g) => g.botMember && shardOfGuild(g.id, 4) === 3)!;
    const handle = sandbox.runCommand({ name: 'news', subcommand: 'latest', channelId: guild.channels[0]!.id });
    const reply = await handle.reply(10_000);
    expect(JSON.stringify(reply.embeds)).toContain('Ethereum upgrade ships on time');
    // Discord sent it to shard 3's connection alone, and shard 3 is held by cluster 1's process.
    expect(handle.deliveredTo.map((d) => d.shard)).toEqual([[3, 4]]);
    expect(online.find((l) => (l.shards as number[]).includes(3))!.cluster).toBe(1);

    // SIGTERM to the manager stops every cluster, then the manager.
    const exited = new Promise<number | null>((r) => manager!.once('exit', (code) => r(code)));
    manager.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const l of online) expect(() => process.kill(l.pid as number, 0)).toThrow();
  }, 150_000);
});
