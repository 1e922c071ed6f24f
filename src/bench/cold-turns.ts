/**
 * First starts of the bot with different node flags, in turns: a diagnostic for choosing the bot's V8
 * flags (`src/node-flags.ts`), not a figure of the bot (`npm run bench` measures that). On a shared
 * machine the same start moves by a second from one minute to the next, so the variants are compared
 * within each round, run one right after the other, never across rounds.
 *
 * `node --import tsx src/bench/cold-turns.ts [--rounds 3] [--size 100k] -- "" "--flag=1 --other"` runs
 * `npm start`'s command line with each set of flags ("" for none) after its own (so they win over them),
 * on an empty cache, against the loopback Discord, timed as `npm run bench` times a cold start; each
 * round starts with the floor (`floor.ts`), and each start waits out the gateway's identify window. Per start it prints the time to full answers, the process's CPU time (the parse
 * workers' included), and the CPU time of the threads other than the main one still alive at that
 * moment: V8's background threads (compiling, collecting garbage) and libuv's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBuild } from '../build.mjs';
import { startDiscordSandbox } from '../discord-sandbox/server.ts';
import { parseSize } from './corpus.ts';
import { botEnv, ensureCorpus, identifyWindow, runFloor, startAndTime, stopBot, warmPageCache } from './online.ts';

const { values, positionals } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, size: { type: 'string', default: '100k' } }, allowPositionals: true });
const variants = positionals.length > 0 ? positionals : [''];
const size = parseSize(values.size);
const log = (line: string) => process.stderr.write(`${line}\n`);

/** CPU seconds of a process, and of its live threads other than the main one, from `/proc` (clock ticks of 10 ms). */
function cpuOf(pid: number): { process: number; others: number } {
  const ticks = (stat: string) => {
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (Number(tid) === pid) continue;
    try {
      others += ticks(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return { process: ticks(readFileSync(`/proc/${pid}/stat`, 'utf8')), others };
}

await ensureBuild();
const corpus = await ensureCorpus(size, log);
warmPageCache(corpus);
const sandbox = await startDiscordSandbox({ guilds: [{ name: 'Bench', channels: ['commands'] }] });
const channelId = sandbox.channel('commands').id;
// A start within the gateway's identify window of the last one would count the window against whichever variant came next.
const waitForIdentify = identifyWindow(sandbox);
const results = variants.map(() => [] as number[]);
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    const floor = await runFloor(corpus);
    log(`round ${round}: floor ${(floor.wallMs / 1000).toFixed(2)} s`);
    for (const [k, flags] of variants.entries()) {
      const work = await mkdtemp(join(tmpdir(), 'news-cold-turns-'));
      await waitForIdentify();
      try {
        const { bot, timing } = await startAndTime(sandbox, botEnv(sandbox, corpus, work), join(work, 'bot.log'), channelId, null, () => undefined, flags.split(/\s+/).filter(Boolean));
        const cpu = cpuOf(bot.child.pid!);
        await stopBot(bot, log);
        results[k]!.push(timing.onlineMs / floor.wallMs);
        log(`  ${JSON.stringify(flags)}: ${(timing.onlineMs / 1000).toFixed(2)} s (×${(timing.onlineMs / floor.wallMs).toFixed(2)}; gateway identified at ${timing.identifiedMs ?? '—'} ms), CPU ${cpu.process.toFixed(2)} s, other live threads ${cpu.others.toFixed(2)} s, peak ${timing.peakMb} MB`);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    }
  }
} finally {
  await sandbox.close();
}
for (const [k, flags] of variants.entries()) {
  const sorted = [...results[k]!].sort((a, b) => a - b);
  log(`${JSON.stringify(flags)}: ×${sorted.map((r) => r.toFixed(2)).join(', ×')} of the floor (median ×${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)})`);
}
