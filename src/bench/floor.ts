/**
 * The floor: the least any loader of the content folder must do, run as its own plain process so
 * nothing else (a loaded store, the benchmark's garbage, V8 flags) slows it. It lists every `*.md`
 * file, reads each synchronously and runs gray-matter on it, and uses no project code.
 *
 * `node --import tsx src/bench/floor.ts DIR` prints one JSON line: `{ files, parsed, ms, rssMb }`,
 * where `ms` covers listing, reading and parsing (not the process start).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import matter from 'gray-matter';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: floor.ts DIR\n');
  process.exit(2);
}

const refuse = () => {
  throw new Error('JavaScript front matter is not allowed');
};

const start = performance.now();
const files = readdirSync(dir, { withFileTypes: true, recursive: true })
  .filter((e) => e.isFile() && e.name.endsWith('.md'))
  .map((e) => join(e.parentPath, e.name));
let parsed = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  // With options given, gray-matter neither caches the parse nor keeps every text alive, as a loader would not.
  const result = matter(text, { engines: { javascript: refuse, js: refuse } });
  if (result.data) parsed++;
}
const ms = Math.round(performance.now() - start);
process.stdout.write(`${JSON.stringify({ files: files.length, parsed, ms, rssMb: Math.round(process.memoryUsage().rss / 1048576) })}\n`);
