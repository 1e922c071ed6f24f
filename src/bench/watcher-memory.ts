/**
 * `npm run bench -- --watchers [--size 100k]` (or `node --import tsx src/bench/watcher-memory.ts [--size 100k]`):
 * the content watcher's cost, side by side, each in its own child process watching the same generated
 * archive (`data/bench-corpus/<size>`, made by corpus.ts when missing):
 *
 * - `chokidar`: the watcher the bot used before, with its settings (followSymlinks off, the hidden-path
 *   rule, awaitWriteFinish 200 ms / 50 ms), each event read and parsed as before: the baseline;
 * - `fs.watch recursive`: Node's own recursive mode, raw events (on Linux, Node 20 keeps an inotify
 *   watch and a `Stats` per file); shown because it is the obvious alternative;
 * - `content-watcher`: the bot's watcher (`watchContentDir`, default settings) into an empty sink.
 *
 * Each child reports: time from the start of the watch to ready; RSS once ready (as it is, and after a
 * full GC), the peak (VmHWM); inotify watches held; and change-to-event latency for a new, a changed
 * and a deleted file (median and max of several rounds), from the write to the event after the file
 * was read and parsed (raw event for `fs.watch recursive`). A plain child with the same imports and no
 * watcher gives the floor the others are compared with.
 *
 * Probe files go in a folder of their own inside the archive, removed at the end.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync, watch as fsWatch } from 'node:fs';
import { mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readContentFile } from '../files/content-files.ts';
import { watchContentDir, type WatchEvent } from '../files/content-watcher.ts';
import { isHiddenPath } from '../files/regular-files.ts';
import { BOT_V8_FLAGS } from '../node-flags.ts';
import { parseSize } from './corpus.ts';
import { ensureCorpus } from './online.ts';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The probe folder inside the archive; a visible name, so every watcher sees it. */
const PROBE_DIR = 'zz-watcher-bench-probe';
const ROUNDS = 5;
const EVENT_TIMEOUT_MS = 10_000;

/** The watchers compared; `none` is the floor (same imports, nothing watched). */
export const WATCHER_KINDS = ['none', 'chokidar', 'fs.watch recursive', 'content-watcher'] as const;
export type WatcherKind = (typeof WATCHER_KINDS)[number];

/** What one child measured. */
export interface WatcherFigures {
  kind: WatcherKind;
  readyMs: number;
  rssReadyMb: number;
  rssAfterGcMb: number;
  peakMb: number;
  inotifyWatches: number;
  /** ms from the write to the event; null when no event came within the timeout. */
  latency: Record<'created' | 'changed' | 'deleted', { medianMs: number | null; maxMs: number | null }>;
  error?: string;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

/** Inotify watches this process holds, from /proc (0 where there is no /proc). */
function inotifyWatches(): number {
  let n = 0;
  try {
    for (const fd of readdirSync('/proc/self/fd')) {
      let target = '';
      try {
        target = readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        continue;
      }
      if (target !== 'anon_inode:inotify') continue;
      n += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
    }
  } catch {
    return 0;
  }
  return n;
}

const article = (title: string) =>
  ['---', `title: ${JSON.stringify(title)}`, `excerpt: "About ${title}"`, 'publishedDateTime: 2026-11-20T10:00:00Z', 'webUrl: "https://example.com/probe"', 'published: true', 'provider:', '  name: Bench', '---', ''].join('\n');

const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** In the child: start one watcher on `dir`, measure, print one JSON line. */
async function child(kind: WatcherKind, dir: string): Promise<void> {
  // Events by file (relative to `dir`), each with its time; a waiter resolves on the first after `since`.
  const seen: Array<{ file: string; type: string; at: number }> = [];
  const record = (file: string, type: string) => seen.push({ file, type, at: performance.now() });
  let close: () => Promise<void> | void = () => undefined;

  const started = performance.now();
  if (kind === 'chokidar') {
    const { watch } = await import('chokidar');
    // The settings and pipeline of the bot's former watcher: event → read and parse → the sink.
    const w = watch(dir, {
      ignoreInitial: true,
      followSymlinks: false,
      ignored: (path, stats) => {
        const rel = relative(dir, path);
        if (rel !== '' && !rel.startsWith('..') && isHiddenPath(rel)) return true;
        return (stats?.isFile() ?? false) && !path.toLowerCase().endsWith('.md');
      },
      awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 },
    });
    const read = async (p: string, type: string) => {
      await readContentFile(p, relative(dir, p));
      record(relative(dir, p), type);
    };
    w.on('add', (p) => void read(p, 'created'));
    w.on('change', (p) => void read(p, 'changed'));
    w.on('unlink', (p) => record(relative(dir, p), 'deleted'));
    await new Promise<void>((ready) => w.once('ready', () => ready()));
    close = () => w.close();
  } else if (kind === 'fs.watch recursive') {
    let ready = false;
    // Node calls back for every file while it sets up (as 'rename'); those are not changes.
    const w = fsWatch(dir, { recursive: true }, (type, name) => {
      if (ready && name) record(String(name), type);
    });
    ready = true;
    close = () => w.close();
  } else if (kind === 'content-watcher') {
    const onEvent = (e: WatchEvent) => {
      if (e.type === 'loaded') record(e.file, 'loaded');
      else if (e.type === 'removed') record(e.file, 'deleted');
    };
    const w = await watchContentDir(dir, { set: () => undefined, delete: () => undefined }, { onEvent });
    close = () => w.close();
  }
  const readyMs = Math.round(performance.now() - started);
  // Settle: what the watcher allocated while starting is either kept or collectable by now.
  await new Promise((r) => setTimeout(r, 1000));
  const rssReadyMb = mb(process.memoryUsage().rss);
  (globalThis as { gc?: () => void }).gc?.();
  const rssAfterGcMb = mb(process.memoryUsage().rss);

  const waitEvent = async (file: string, since: number) => {
    const end = performance.now() + EVENT_TIMEOUT_MS;
    while (performance.now() < end) {
      const hit = seen.find((e) => e.at >= since && e.file === file);
      if (hit) return hit.at - since;
      await new Promise((r) => setTimeout(r, 2));
    }
    return null;
  };
  const lat = { created: [] as number[], changed: [] as number[], deleted: [] as number[] };
  let missed = 0;
  if (kind !== 'none') {
    for (let i = 0; i < ROUNDS; i++) {
      const file = `${PROBE_DIR}/probe-${process.pid}-${i}.md`;
      const abs = join(dir, file);
      let t = performance.now();
      await writeFile(abs, article(`Probe ${i}`));
      const created = await waitEvent(file, t);
      // Past the debounce of the previous step, so each step is timed on its own.
      await new Promise((r) => setTimeout(r, 400));
      t = performance.now();
      await writeFile(abs, article(`Probe ${i} changed`));
      const changed = await waitEvent(file, t);
      await new Promise((r) => setTimeout(r, 400));
      t = performance.now();
      await unlink(abs);
      const deleted = await waitEvent(file, t);
      await new Promise((r) => setTimeout(r, 400));
      for (const [k, v] of [['created', created], ['changed', changed], ['deleted', deleted]] as const) {
        if (v === null) missed++;
        else lat[k].push(Math.round(v));
      }
    }
  }
  const figures: WatcherFigures = {
    kind,
    readyMs,
    rssReadyMb,
    rssAfterGcMb,
    peakMb: Math.round(status('VmHWM')),
    inotifyWatches: inotifyWatches(),
    latency: {
      created: { medianMs: median(lat.created), maxMs: lat.created.length ? Math.max(...lat.created) : null },
      changed: { medianMs: median(lat.changed), maxMs: lat.changed.length ? Math.max(...lat.changed) : null },
      deleted: { medianMs: median(lat.deleted), maxMs: lat.deleted.length ? Math.max(...lat.deleted) : null },
    },
    ...(missed ? { error: `${missed} of ${ROUNDS * 3} changes never reported` } : {}),
  };
  await close();
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  process.exit(0);
}

/** Runs one child per watcher kind on the `size`-article archive, one after the other, and returns their figures. */
export async function runWatcherBench(options: { size: number; kinds?: readonly WatcherKind[]; log?: (line: string) => void }): Promise<WatcherFigures[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = await ensureCorpus(options.size, log);
  await rm(join(dir, PROBE_DIR), { recursive: true, force: true });
  await mkdir(join(dir, PROBE_DIR));
  const out: WatcherFigures[] = [];
  try {
    for (const kind of options.kinds ?? WATCHER_KINDS) {
      log(`  ${kind}…`);
      // The bot's own V8 flags (package.json's start), plus --expose-gc for the after-GC figure.
      const proc = spawn(process.execPath, [...BOT_V8_FLAGS, '--expose-gc', '--import', 'tsx', SELF, '--child', kind, dir], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      proc.stdout.on('data', (c) => (text += String(c)));
      const [code] = (await once(proc, 'exit')) as [number | null];
      const line = text.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        out.push({ kind, readyMs: -1, rssReadyMb: -1, rssAfterGcMb: -1, peakMb: -1, inotifyWatches: -1, latency: { created: { medianMs: null, maxMs: null }, changed: { medianMs: null, maxMs: null }, deleted: { medianMs: null, maxMs: null } }, error: `exited with ${code}` });
        continue;
      }
      out.push(JSON.parse(line) as WatcherFigures);
    }
  } finally {
    await rm(join(dir, PROBE_DIR), { recursive: true, force: true });
  }
  return out;
}

/** The figures as a table, with each watcher's cost over the plain process. */
export function formatWatcherBench(size: number, figures: WatcherFigures[]): string {
  const floor = figures.find((f) => f.kind === 'none');
  const ms = (v: number | null) => (v === null ? '—' : `${v}`);
  const rows = figures.map((f) => {
    const over = floor && f.kind !== 'none' ? ` (+${f.rssAfterGcMb - floor.rssAfterGcMb})` : '';
    const l = f.latency;
    return [
      f.kind.padEnd(20),
      `${f.readyMs}`.padStart(8),
      `${f.rssReadyMb}`.padStart(9),
      `${f.rssAfterGcMb}${over}`.padStart(14),
      `${f.peakMb}`.padStart(7),
      `${f.inotifyWatches}`.padStart(9),
      f.kind === 'none' ? '' : `   ${ms(l.created.medianMs)}/${ms(l.created.maxMs)}  ${ms(l.changed.medianMs)}/${ms(l.changed.maxMs)}  ${ms(l.deleted.medianMs)}/${ms(l.deleted.maxMs)}`,
      f.error ? `  ! ${f.error}` : '',
    ].join(' ');
  });
  return [
    `Content watcher, ${size.toLocaleString('en')} files, each in its own process (MB; ms). Latency: write → event, median/max of ${ROUNDS}; created  changed  deleted`,
    `${'watcher'.padEnd(20)} ${'ready ms'.padStart(8)} ${'RSS ready'.padStart(9)} ${'RSS after GC'.padStart(14)} ${'peak'.padStart(7)} ${'inotify'.padStart(9)}    latency`,
    ...rows,
  ].join('\n');
}

if (process.argv[1] === SELF) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { child: { type: 'string' }, size: { type: 'string' }, watchers: { type: 'boolean' } } });
  if (values.child) await child(values.child as WatcherKind, positionals[0]!);
  else {
    const size = values.size ? parseSize(values.size) : 100_000;
    const figures = await runWatcherBench({ size });
    console.log(formatWatcherBench(size, figures));
    console.log(JSON.stringify(figures, null, 2));
  }
}
