/**
 * The floor of the burst benchmark, run as its own process with no bot code: one @discordjs/rest
 * client (the library discord.js posts with) sending plain messages as fast as Discord's global limit
 * lets it. What the bot achieves for its digests is compared with this, measured in the same run.
 *
 * Usage: `node --import tsx src/bench/burst-floor.ts CHANNELS_JSON` with `BENCH_API_URL`, `BENCH_TOKEN`
 * and `BENCH_PER_CHANNEL` (messages per channel) in the environment. Prints one JSON line.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { REST, Routes } from 'discord.js';

/** Requests in flight at once: enough to keep 50 a second busy over loopback, as a plain poster would. */
const IN_FLIGHT = 50;

const [file] = process.argv.slice(2);
const { BENCH_API_URL: api, BENCH_TOKEN: token } = process.env;
const perChannel = Number(process.env.BENCH_PER_CHANNEL ?? '1');
if (!file || !api || !token || !(perChannel >= 1)) {
  process.stderr.write('usage: burst-floor.ts CHANNELS_JSON (with BENCH_API_URL, BENCH_TOKEN, BENCH_PER_CHANNEL)\n');
  process.exit(2);
}

const channels = JSON.parse(await readFile(file, 'utf8')) as string[];
const rest = new REST({ api }).setToken(token);
const jobs = channels.flatMap((id) => Array.from({ length: perChannel }, (_, part) => ({ id, part })));
let next = 0;
let posted = 0;
let failed = 0;
const started = performance.now();
let lastAt = started;
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      try {
        await rest.post(Routes.channelMessages(job.id), { body: { content: `floor message ${job.part + 1}`, allowed_mentions: { parse: [] } } });
        posted++;
      } catch {
        failed++;
      }
      lastAt = performance.now();
    }
  }),
);
process.stdout.write(`${JSON.stringify({ posted, failed, ms: Math.round(lastAt - started) })}\n`);
