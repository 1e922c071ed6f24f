import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDiscordSandbox, type DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { BOT_ARTICLES } from './bot-harness.ts';
import { tempDir } from './temp-dir.ts';
import { waitFor } from './wait-for.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The TypeScript loader `npm start` uses, resolved from the project so the temp folder needs no node_modules. */
const TSX = import.meta.resolve('tsx');

/** A log line of the bot process (JSON). */
export interface ProcessLogLine {
  level: number;
  msg: string;
  time: number;
  [key: string]: unknown;
}

/**
 * The bot as `npm start` runs it (`node --import tsx src/main.ts`), logged into a loopback Discord,
 * with a content folder and a database path in a temp folder. `cleanup` kills what is left and
 * removes the folder; register it with the test's cleanups.
 */
export async function botProcessSetup() {
  const sandbox: DiscordSandbox = await startDiscordSandbox();
  const dir = await tempDir('news-bot-proc-');
  for (const [file, text] of Object.entries(BOT_ARTICLES)) await dir.write(`content/${file}`, text);
  const children = new Set<ReturnType<typeof spawn>>();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    DISCORD_TOKEN: sandbox.token,
    DISCORD_API_URL: sandbox.apiUrl,
    DISCORD_GUILD_ID: sandbox.guilds[0]!.id,
    CONTENT_DIR: `${dir.root}/content`,
    DATABASE_PATH: `${dir.root}/data/bot.sqlite`,
    LOG_FORMAT: 'json',
    STARTUP_RETRY_DELAYS_MS: '100,200',
  };

  /** Starts the process; `extraEnv` adds to or overrides the environment above. */
  const start = (extraEnv: Record<string, string> = {}) => {
    const child = spawn(process.execPath, ['--import', TSX, `${ROOT}src/main.ts`], { cwd: dir.root, env: { ...env, ...extraEnv } });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += String(c)));
    child.stderr.on('data', (c) => (stderr += String(c)));
    const startedAt = Date.now();
    /** `at`: when it exited (epoch ms), to compare with its log times; `afterMs`: how long after its spawn. */
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number; at: number }>((resolve) =>
      child.on('exit', (code, signal) => {
        const at = Date.now();
        resolve({ code, signal, afterMs: at - startedAt, at });
      }),
    );
    const logs = (): ProcessLogLine[] =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as ProcessLogLine);
    const logged = (msg: string | RegExp) => logs().find((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg)));
    /** Waits for a log line; on timeout the error carries what the process printed. */
    const until = (msg: string | RegExp, timeout = 30_000) =>
      waitFor(() => logged(msg), { timeout, interval: 25 }).catch((err: Error) => {
        throw new Error(`${err.message}: "${String(msg)}" never logged\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      });
    return { child, exit, logs, logged, until, out: () => stdout, err: () => stderr };
  };

  return {
    sandbox,
    dir,
    env,
    start,
    async cleanup() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await sandbox.close();
      await dir.cleanup();
    },
  };
}
