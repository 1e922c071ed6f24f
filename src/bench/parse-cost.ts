/**
 * What turning one content file into a stored article costs, stage by stage, on one thread.
 *
 * `node --import tsx src/bench/parse-cost.ts [N] [DIR]` reads the first N `*.md` files of DIR (default
 * 20,000 files of `data/bench-corpus/100000`) and prints µs per file (wall and CPU) for:
 * - floor: `readFileSync` + gray-matter, no project code (as `floor.ts`);
 * - read: stat, open, fstat, read, close and decode, as the parse workers read a file;
 * - front matter: `readFrontMatter` of the decoded text;
 * - parse: `parseArticle` of the decoded text (front matter included);
 * - stored: `storedArticle` of each parsed article (dedupe keys, richness);
 * - batch, parse only / with index: the parse workers' own path (`createBatchParser`), all of the above
 *   without and with the search index of the batch.
 * Each stage runs once over the files first, unmeasured, so every stage is timed warm. Timings on a
 * shared machine are noisy: compare runs made one after the other.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import matter from 'gray-matter';
import type { ParsedArticle } from '../content/article.ts';
import { decodeContent } from '../content/encoding.ts';
import { readFrontMatter } from '../content/front-matter.ts';
import { parseArticle } from '../content/parse-article.ts';
import { storedArticle } from '../content/stored-article.ts';
import { createBatchParser } from '../files/parse-batch.ts';

const n = Number(process.argv[2] ?? 20_000);
const dir = process.argv[3] ?? join(import.meta.dirname, '../../data/bench-corpus/100000');
const BATCH = 250;

const files = readdirSync(dir, { withFileTypes: true, recursive: true })
  .filter((e) => e.isFile() && e.name.endsWith('.md'))
  .map((e) => join(e.parentPath, e.name))
  .sort()
  .slice(0, n);
const pairs = files.map((absolute) => [relative(dir, absolute).replace(/\\/g, '/'), absolute] as const);
const now = new Date();

/** Reads one file with the syscalls `readContentFileSync` makes. */
function readAsWorkers(absolute: string): string {
  if (!statSync(absolute).isFile()) return '';
  const fd = openSync(absolute, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const size = fstatSync(fd).size;
    const bytes = Buffer.allocUnsafe(size);
    const read = readSync(fd, bytes, 0, size, 0);
    const decoded = decodeContent(bytes.subarray(0, read));
    return decoded.ok ? decoded.text : '';
  } finally {
    closeSync(fd);
  }
}

const refuse = () => {
  throw new Error('JavaScript front matter is not allowed');
};

const rows: Array<[stage: string, wallUs: number, cpuUs: number]> = [];

/** Runs `work` once to warm up, then again timed, and records µs per file. */
function stage(name: string, work: () => void): void {
  work();
  const cpu = process.cpuUsage();
  const start = performance.now();
  work();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  rows.push([name, (wall * 1000) / files.length, (used.user + used.system) / files.length]);
}

stage('floor (readFileSync + gray-matter)', () => {
  for (const file of files) matter(readFileSync(file, 'utf8'), { engines: { javascript: refuse, js: refuse } });
});
const texts: string[] = [];
stage('read (stat, open, fstat, read, close, decode)', () => {
  texts.length = 0;
  for (const file of files) texts.push(readAsWorkers(file));
});
stage('front matter (readFrontMatter)', () => {
  for (const text of texts) readFrontMatter(text);
});
const parsed: ParsedArticle[] = [];
stage('parse (parseArticle, front matter included)', () => {
  parsed.length = 0;
  for (let i = 0; i < texts.length; i++) {
    const r = parseArticle({ file: pairs[i]![0], text: texts[i]! }, { now });
    if (r.kind === 'article') parsed.push(r.article);
  }
});
stage('stored (storedArticle)', () => {
  for (const article of parsed) storedArticle(article);
});
for (const whole of [true, false]) {
  stage(whole ? 'batch, parse only (read + parse + stored)' : 'batch, with index (+ search index add)', () => {
    const parser = createBatchParser({ aliases: {}, whole });
    for (let i = 0; i < pairs.length; i += BATCH) parser.parse(pairs.slice(i, i + BATCH), now.getTime());
    parser.snapshot();
  });
}

const width = Math.max(...rows.map(([name]) => name.length));
process.stdout.write(`${files.length.toLocaleString('en')} files of ${dir}; ${parsed.length.toLocaleString('en')} articles\n`);
process.stdout.write(`${'stage'.padEnd(width)}  wall µs/file  cpu µs/file\n`);
for (const [name, wall, cpu] of rows) process.stdout.write(`${name.padEnd(width)}  ${wall.toFixed(1).padStart(12)}  ${cpu.toFixed(1).padStart(11)}\n`);
