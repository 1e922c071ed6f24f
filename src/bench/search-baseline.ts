/**
 * `npm run bench -- --search-baseline [--size 100k]`: the project's own search index against MiniSearch,
 * the library it replaced, on the same generated archive. Each index is built and queried in its own
 * plain child process (this file run with `--child`), so neither slows or inflates the other; the
 * table shows index memory (heap + array buffers after collection) and query latency p50/p99.
 * This is the benchmark that justifies a hand-rolled index: keep it.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArticle } from '../content/parse-article.ts';
import type { ParsedArticle } from '../content/article.ts';
import { createSearchIndex, type SearchIndex } from '../search/search-index.ts';
import { createMiniSearchIndex } from './minisearch-index.ts';

const QUERIES = ['musk', 'bitcoin etf', 'regulation', 'ai safety', 'mus', 'ethereum staking', 'hack', 'stablecoin', 'liquidity lending', 'powell', 'market crash', 'kalo'];

/** What one child measured. */
export interface IndexFigures {
  kind: 'project' | 'minisearch';
  articles: number;
  buildMs: number;
  indexMb: number;
  p50Ms: number;
  p99Ms: number;
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

function measure(kind: IndexFigures['kind'], dir: string, reps: number): IndexFigures {
  const now = new Date();
  const articles: ParsedArticle[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.md')) continue;
    const r = parseArticle({ file: e.name, text: readFileSync(join(e.parentPath, e.name), 'utf8') }, { now });
    if (r.kind === 'article') articles.push(r.article);
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  const used = () => {
    gc?.();
    gc?.();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  const t = performance.now();
  const index: SearchIndex = kind === 'project' ? createSearchIndex() : createMiniSearchIndex();
  for (const a of articles) index.add(a);
  const buildMs = performance.now() - t;
  const indexMb = (used() - before) / 1048576;
  for (const q of QUERIES) index.search(q, { limit: 10 });
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    for (const q of QUERIES) {
      const s = performance.now();
      index.search(q, { limit: 10 });
      samples.push(performance.now() - s);
    }
  }
  return { kind, articles: articles.length, buildMs: Math.round(buildMs), indexMb: Math.round(indexMb), p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) };
}

/** Runs each index in its own child process over `dir` and returns both figures. */
export function runSearchBaseline(dir: string, reps: number): IndexFigures[] {
  const self = fileURLToPath(import.meta.url);
  return (['project', 'minisearch'] as const).map((kind) => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child', kind, dir, String(reps)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    return JSON.parse(out.trim().split('\n').at(-1)!) as IndexFigures;
  });
}

/** The comparison as a table. */
export function formatSearchBaseline(figures: IndexFigures[]): string {
  const rows = figures.map(
    (f) => `${f.kind.padEnd(12)} ${String(f.articles).padStart(8)} articles · build ${f.buildMs} ms · index ${f.indexMb} MB · search p50 ${f.p50Ms.toFixed(2)} ms · p99 ${f.p99Ms.toFixed(2)} ms`,
  );
  return ['Search index against the MiniSearch baseline (each in its own process)', ...rows].join('\n');
}

if (process.argv[2] === '--child') {
  const [, , , kind, dir, reps] = process.argv;
  process.stdout.write(`${JSON.stringify(measure(kind as IndexFigures['kind'], dir!, Number(reps)))}\n`);
}
