import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { semiSpaceFlag } from '../../src/files/worker-heap.ts';

const exec = promisify(execFile);
const MODULE = pathToFileURL(join(import.meta.dirname, '../../src/files/worker-heap.ts')).href;

/**
 * Run in a process with the bot's `--max-semi-space-size=2`: each heap keeps three million small objects
 * alive, so its young generation grows as far as it may, and reports its new space's size.
 */
const PROBE = `
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { startWorkerWithYoungGeneration } from ${JSON.stringify(MODULE)};
const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
const fill = 'const keep = []; for (let i = 0; i < 3e6; i++) keep.push({ i });';
const code = "import v8 from 'node:v8'; import { parentPort } from 'node:worker_threads';" + fill +
  "parentPort.postMessage(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);";
const url = new URL('data:text/javascript,' + encodeURIComponent(code));
const run = async (w) => {
  const [size] = await Promise.all([new Promise((r) => w.once('message', r)), new Promise((r) => w.once('exit', r))]);
  return size;
};
const sized = await run(startWorkerWithYoungGeneration(url, {}, 16));
// Started after it: the process's own flag is back.
const plain = await run(new Worker(url));
const keep = []; for (let i = 0; i < 3e6; i++) keep.push({ i });
console.log(JSON.stringify({ sized, plain, main: newSpace(), kept: keep.length }));
`;

const MB = 1024 * 1024;

describe('startWorkerWithYoungGeneration', () => {
  it('GIVEN a process run with --max-semi-space-size=2 THEN the worker gets 16 MB semi-spaces, and the main thread and a worker started after it keep 2 MB', async () => {
    const { stdout } = await exec(process.execPath, ['--max-semi-space-size=2', '--import', 'tsx', '--input-type=module', '-e', PROBE], { cwd: join(import.meta.dirname, '../..') });
    const sizes = JSON.parse(stdout.trim().split('\n').at(-1)!) as { sized: number; plain: number; main: number };
    // The new space counts both semi-spaces.
    expect(sizes.sized).toBe(32 * MB);
    expect(sizes.plain).toBe(4 * MB);
    expect(sizes.main).toBe(4 * MB);
  });
});

describe('semiSpaceFlag', () => {
  it('GIVEN the flag in either spelling, in NODE_OPTIONS or on the command line THEN the last setting wins; without it, null', () => {
    expect(semiSpaceFlag(['--max-semi-space-size=2', '--heap-growing-percent=20'], '')).toBe(2);
    expect(semiSpaceFlag(['--max_semi_space_size', '8'], '')).toBe(8);
    expect(semiSpaceFlag(['--max-semi-space-size=4'], '--max-semi-space-size=1 --trace-gc')).toBe(4);
    expect(semiSpaceFlag([], '--max-semi-space-size=1')).toBe(1);
    expect(semiSpaceFlag(['--heap-growing-percent=20'], '--trace-gc')).toBeNull();
  });
});
