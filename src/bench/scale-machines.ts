/**
 * The processes of "Running at scale", started exactly as the README's `scale-commands` block says: the
 * multi-machine test and `npm run bench -- --scale` both read that block, so it cannot drift from what
 * they run. Each line is `NAME=value … npm run SCRIPT`; the script is resolved through package.json
 * (`node …` with `tsx` resolved from the project) and the process is started in its own process group,
 * so a whole machine (manager and clusters) can be killed at once, as a machine that loses power.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { npmScript } from './burst.ts';
import { freePort } from './embedded-postgres.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One line of the block: the environment it sets and the npm script it runs. */
export interface ScaleCommand {
  /** The comment line above it, e.g. "Machine B: cluster 2 (shard 2)." */
  label: string;
  env: Record<string, string>;
  script: string;
  /** The line as written in the README. */
  text: string;
}

/** Reads the `<!-- scale-commands -->` block of the README. Throws if it is missing or a line is not `NAME=value … npm run SCRIPT`. */
export async function readScaleCommands(readmePath = join(ROOT, 'README.md')): Promise<ScaleCommand[]> {
  const readme = await readFile(readmePath, 'utf8');
  const block = /<!-- scale-commands -->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no <!-- scale-commands --> block');
  const commands: ScaleCommand[] = [];
  let label = '';
  for (const raw of block.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      label = line.replace(/^#\s*/, '');
      continue;
    }
    const m = /^((?:[A-Z_][A-Z0-9_]*=\S*\s+)*)npm run (\S+)$/.exec(line);
    if (!m) throw new Error(`README scale-commands: not "NAME=value … npm run SCRIPT": ${line}`);
    const env = Object.fromEntries(
      m[1]!
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    commands.push({ label, env, script: m[2]!, text: line });
  }
  return commands;
}

/**
 * `npm run SCRIPT` as node arguments and the environment its line sets, from package.json, with `tsx`
 * and the entry file resolved from the project (so a machine's folder needs no node_modules).
 */
export async function npmScriptArgs(script: string): Promise<{ args: string[]; env: Record<string, string> }> {
  const { args, env } = await npmScript(script);
  return { args: args.map((w, i, all) => (all[i - 1] === '--import' && w === 'tsx' ? import.meta.resolve('tsx') : w.endsWith('.ts') ? join(ROOT, w) : w)), env };
}

/** A JSON log line of one of the processes. */
export interface ScaleLogLine {
  msg: string;
  [key: string]: unknown;
}

/** A started process group: the README line it runs, its log, and a kill for the whole group. */
export interface ScaleProcess {
  command: ScaleCommand;
  child: ChildProcess;
  /** Every JSON log line so far (the manager's and its clusters': they share stdout). */
  logs: ScaleLogLine[];
  onLine(fn: (line: ScaleLogLine) => void): void;
  /** Resolves with the first log line `match` accepts; rejects if the process exits first or after `timeoutMs`. */
  until(match: (line: ScaleLogLine) => boolean, timeoutMs: number, what: string): Promise<ScaleLogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderrTail(): string;
  /** SIGKILL to the whole process group (a machine that loses power). */
  killGroup(): void;
  /** SIGTERM to the leader, then SIGKILL to the group if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts one README line: its environment (`overrides` replace values, e.g. the token and addresses, and
 * add test-only ones) on top of `PATH` alone, in `cwd` (each machine its own folder, so `./content` is
 * its own copy).
 */
export async function startScaleProcess(command: ScaleCommand, options: { cwd: string; overrides: Record<string, string> }): Promise<ScaleProcess> {
  const { args, env } = await npmScriptArgs(command.script);
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...env, ...command.env, ...options.overrides },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const logs: ScaleLogLine[] = [];
  const listeners: Array<(l: ScaleLogLine) => void> = [];
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    try {
      const rec = JSON.parse(line) as ScaleLogLine;
      logs.push(rec);
      for (const fn of listeners) fn(rec);
    } catch {
      // A line cut by a kill: nothing to read in it.
    }
  });
  child.stderr!.on('data', (c) => (stderr = (stderr + String(c)).slice(-8000)));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  return {
    command,
    child,
    logs,
    onLine: (fn) => void listeners.push(fn),
    until(match, timeoutMs, what) {
      const found = logs.find(match);
      if (found) return Promise.resolve(found);
      return new Promise<ScaleLogLine>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${command.label}: ${what} not logged within ${timeoutMs} ms\nstderr:\n${stderr.slice(-2000)}`)), timeoutMs);
        listeners.push((l) => {
          if (match(l)) {
            clearTimeout(timer);
            resolve(l);
          }
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`${command.label}: exited (${code ?? signal}) before ${what}\nstderr:\n${stderr.slice(-2000)}`));
        });
      });
    },
    exited,
    stderrTail: () => stderr.trim().split('\n').slice(-15).join('\n'),
    killGroup,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return killGroup();
      child.kill('SIGTERM');
      const timer = setTimeout(killGroup, graceMs);
      await exited;
      clearTimeout(timer);
      // Whatever the leader left behind (a cluster that outlived it).
      killGroup();
    },
  };
}

/**
 * Starts the README's REST proxy line on a port found free, and waits for it to listen. A port found
 * free is released before the proxy binds it, so another process (a test beside this one, a connection's
 * local port) may take it first: on EADDRINUSE the proxy is started again on another port, up to
 * `attempts` times. Any other failure is thrown at once.
 */
export async function startProxyOnFreePort(
  command: ScaleCommand,
  options: { cwd: string; overrides: Record<string, string>; attempts?: number; choosePort?: () => Promise<number> },
): Promise<{ proxy: ScaleProcess; port: number }> {
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const port = await (options.choosePort ?? freePort)();
    const proxy = await startScaleProcess(command, { cwd: options.cwd, overrides: { ...options.overrides, REST_PROXY_PORT: String(port) } });
    try {
      await proxy.until((l) => l.msg === 'REST proxy listening', 30_000, 'the proxy listening');
      return { proxy, port };
    } catch (err) {
      await proxy.stop();
      if (attempt >= attempts || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}
