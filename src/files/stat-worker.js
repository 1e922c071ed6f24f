// Stats many files off the main thread: a restart checks every file's size and modification time
// against the archive cache, and 100,000 `fs.Stats` objects (each with its Date objects) are garbage
// the bot's small young generation would collect hundreds of times. Plain JavaScript, so the worker
// starts in milliseconds (no TypeScript loader).
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

// Paths relative to the content folder, NUL between them (one string clones far faster than 100,000).
const { root, sep, files } = workerData;
const paths = files === '' ? [] : files.split('\0');
// Size and modification time per file; NaN for a file that is gone.
const out = new Float64Array(paths.length * 2);
for (let i = 0; i < paths.length; i++) {
  let s;
  try {
    s = statSync(`${root}${sep}${sep === '/' ? paths[i] : paths[i].split('/').join(sep)}`, { throwIfNoEntry: false });
  } catch {
    s = undefined;
  }
  out[i * 2] = s ? s.size : NaN;
  out[i * 2 + 1] = s ? s.mtimeMs : NaN;
}
parentPort.postMessage(out, [out.buffer]);
