/**
 * `npm run bench [-- --size 10k|100k|1m] [--smoke] [--samples N] [--keep]`: the real bot process,
 * started as `npm start` starts it, against the loopback Discord on generated archives (online.ts).
 * Without `--size` it runs 10k, then 100k. `--smoke` runs a tiny archive quickly (CI), then a small burst.
 *
 * `npm run bench -- --burst 10000`: N servers' digests due at one instant, delivered by the real bot
 * process over the loopback Discord (burst.ts).
 *
 * `npm run bench -- --watchers [--size 100k]`: the content watcher's memory, time to ready and
 * change-to-event latency, against chokidar (the former watcher), each in its own process (watcher-memory.ts).
 *
 * `npm run bench -- --scale [--servers 10000]`: the burst by one process, then by three machines started
 * from the README's "Running at scale" block, on Postgres and through the REST proxy (scale.ts).
 *
 * `npm run bench -- --search-baseline [--size 100k]`: the project's search index against MiniSearch, the
 * library it replaced, each in its own process (search-baseline.ts). `--smoke` runs it small too.
 *
 * Timing goals are reported with PASS/FAIL, not enforced (the machine is shared); the run exits with
 * code 1 only when it could not finish.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BurstAbort, formatBurst, runBurst } from './burst.ts';
import { parseSize } from './corpus.ts';
import { ensureCorpus, formatOnline, runOnline } from './online.ts';
import { formatScale, runScale } from './scale.ts';
import { formatSearchBaseline, runSearchBaseline } from './search-baseline.ts';
import { formatWatcherBench, runWatcherBench } from './watcher-memory.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    samples: { type: 'string' },
    burst: { type: 'string' },
    'no-floor': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    profile: { type: 'string' },
    'node-flags': { type: 'string' },
    watchers: { type: 'boolean', default: false },
    'search-baseline': { type: 'boolean', default: false },
    scale: { type: 'boolean', default: false },
    servers: { type: 'string' },
  },
});

/** Servers in the burst that `--smoke` runs, so the burst benchmark cannot rot in CI. */
const SMOKE_BURST_SERVERS = 100;
/** Servers in `--scale --smoke`: both deployments in well under a minute each. */
const SMOKE_SCALE_SERVERS = 300;
/** Articles in the `--smoke` archive: enough to load, search and change, small enough for CI. */
const SMOKE_SIZE = 300;

async function online(size: number) {
  try {
    const samples = values.samples ? Number(values.samples) : values.smoke ? 32 : 300;
    const result = await runOnline({ size, samples, keep: values.keep, profileDir: values.profile && resolve(values.profile), nodeFlags: values['node-flags']?.split(/\s+/).filter(Boolean) });
    console.log(formatOnline(result));
    console.log(JSON.stringify(result, null, 2));
  } catch (err) {
    if (!(err instanceof BurstAbort)) throw err;
    process.stderr.write(`\nbenchmark aborted: ${err.message}\n`);
    process.exitCode = 1;
  }
}

/**
 * Runs the burst benchmark and prints it. Exits non-zero when the run could not finish (a deadline,
 * the bot died) or a digest was skipped or doubled; timing goals are reported, not enforced, since
 * the machine is shared.
 */
async function burst(servers: number) {
  try {
    const result = await runBurst({ servers, floor: !values['no-floor'], keep: values.keep, profileDir: values.profile && resolve(values.profile), nodeFlags: values['node-flags']?.split(/\s+/).filter(Boolean) });
    console.log(formatBurst(result));
    console.log(JSON.stringify(result, null, 2));
    if (result.delivered !== servers || result.duplicated > 0 || result.unexpected > 0) {
      process.stderr.write(`\nburst: ${servers - result.delivered} of ${servers} digests not delivered whole, ${result.duplicated} channel(s) with a duplicate\n`);
      process.exitCode = 1;
    }
  } catch (err) {
    if (!(err instanceof BurstAbort)) throw err;
    process.stderr.write(`\nburst benchmark aborted: ${err.message}\n`);
    process.exitCode = 1;
  }
}

/** The project's index against MiniSearch, each in its own process, on the same archive. */
async function searchBaseline(size: number, reps: number) {
  const dir = await ensureCorpus(size, (line) => process.stderr.write(`${line}\n`));
  console.log(formatSearchBaseline(runSearchBaseline(dir, reps)));
}

/** `--scale`: one process against three machines (README "Running at scale"); `--smoke` runs it small. */
async function scale(servers: number) {
  try {
    const result = await runScale({ servers, keep: values.keep });
    console.log(formatScale(result));
    console.log(JSON.stringify(result, null, 2));
    if (result.one.delivered !== servers || result.three.delivered !== servers || result.one.duplicated + result.three.duplicated > 0) process.exitCode = 1;
  } catch (err) {
    if (!(err instanceof BurstAbort)) throw err;
    process.stderr.write(`\nscale benchmark aborted: ${err.message}\n`);
    process.exitCode = 1;
  }
}

if (values.scale) await scale(values.servers ? parseSize(values.servers) : values.smoke ? SMOKE_SCALE_SERVERS : 10_000);
else if (values['search-baseline']) await searchBaseline(values.size ? parseSize(values.size) : 100_000, 50);
else if (values.watchers) {
  const size = values.size ? parseSize(values.size) : 100_000;
  const figures = await runWatcherBench({ size });
  console.log(formatWatcherBench(size, figures));
  console.log(JSON.stringify(figures, null, 2));
} else if (values.burst !== undefined) await burst(parseSize(values.burst));
else if (values.smoke) {
  await online(SMOKE_SIZE);
  await searchBaseline(SMOKE_SIZE, 5);
  await burst(SMOKE_BURST_SERVERS);
} else {
  const sizes = values.size ? [parseSize(values.size)] : [10_000, 100_000];
  for (const size of sizes) await online(size);
}
