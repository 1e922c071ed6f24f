// Stats many files off the main thread: a restart checks every file's size and modification time
// against the archive cache, and 100,000 `fs.Stats` objects (each with its Date objects) are garbage
// the bot's small young generation would collect hundreds of times. Plain JavaScript, so the worker
// starts in milliseconds (no TypeScript loader).
//
// The paths arrive in messages while the folder is still being listed (a million stats take about 3 s,
// most of it in the kernel), each a string of paths relative to the content folder with NUL between
// them (one string clones far faster than 100,000); `null` asks for the answer: size and modification
// time per file, in the order received, NaN for a file that is gone.
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { root, sep } = workerData;
let out = new Float64Array(1 << 16);
let n = 0;

parentPort.on('message', (files) => {
  if (files === null) {
    parentPort.postMessage(out.subarray(0, n * 2), [out.buffer]);
    return;
  }
  const paths = files.split('\0');
  if ((n + paths.length) * 2 > out.length) {
    let size = out.length;
    while (size < (n + paths.length) * 2) size *= 2;
    const grown = new Float64Array(size);
    grown.set(out.subarray(0, n * 2));
    out = grown;
  }
  for (const path of paths) {
    let s;
    try {
      s = statSync(`${root}${sep}${sep === '/' ? path : path.split('/').join(sep)}`, { throwIfNoEntry: false });
    } catch {
      s = undefined;
    }
    out[n * 2] = s ? s.size : NaN;
    out[n * 2 + 1] = s ? s.mtimeMs : NaN;
    n++;
  }
});
