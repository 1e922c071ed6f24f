// Compiles the bot's TypeScript into plain JavaScript before it runs, so `npm start` loads no
// TypeScript loader: the loader's own thread, and one more in each parse worker, cost about a second
// and tens of MB on every start. Plain JavaScript, so it runs on plain `node`.
//
// The build is skipped when nothing changed: the manifest lists every source file the last build read,
// with a hash of its contents, and reading and hashing those few hundred KB takes milliseconds.
// `node src/build.mjs` builds (if needed) and says what it did.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin, createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The project folder. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Where builds go: inside node_modules, which is never committed and is per checkout. */
export const DEFAULT_CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'news-digest-bot');

/**
 * The entry points, by output name. The workers are entries of their own so each loads plain
 * JavaScript too; their outputs sit beside `main.js`, where `new URL('./<name>.js', import.meta.url)`
 * in the modules that start them finds them.
 */
const ENTRIES = {
  main: 'src/main.ts',
  'parse-worker': 'src/files/parse-worker.ts',
  'stat-worker': 'src/files/stat-worker.js',
  // Loaded by `start.mjs` before the bot, to start the parse workers with the process.
  'parse-workers-ahead': 'src/files/parse-workers-ahead.ts',
};
const WORKER_FILES = new Set(['parse-worker.js', 'stat-worker.js']);

/** Builds older than this, other than the current one, are removed (a running bot may still start workers from its own). */
const KEEP_OLD_MS = 24 * 3_600_000;

const sha1 = (data) => createHash('sha1').update(data).digest('hex');

/** What makes a build invalid besides its sources: this script, the compiler, Node, and the installed packages (which of them are CommonJS). */
function buildKey() {
  const esbuildVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8')).version;
  let lock = '';
  try {
    lock = sha1(readFileSync(join(ROOT, 'package-lock.json')));
  } catch {
    // No lock file: the packages are keyed by nothing more.
  }
  return sha1(`${esbuildVersion}\0${process.version}\0${lock}\0${readFileSync(fileURLToPath(import.meta.url))}`);
}

/** The manifest's build, if every source it was built from is unchanged and its output is there. */
function freshBuild(cacheDir, key) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(cacheDir, 'manifest.json'), 'utf8'));
  } catch {
    return null;
  }
  if (manifest.key !== key || typeof manifest.dir !== 'string' || !manifest.inputs) return null;
  for (const [file, hash] of Object.entries(manifest.inputs)) {
    let text;
    try {
      text = readFileSync(join(ROOT, file));
    } catch {
      return null;
    }
    if (sha1(text) !== hash) return null;
  }
  const dir = join(cacheDir, manifest.dir);
  try {
    for (const name of Object.keys(ENTRIES)) statSync(join(dir, `${name}.js`));
  } catch {
    return null;
  }
  return dir;
}

/**
 * In the bundle every module shares the bundle's `import.meta.url`. A module that resolves a file
 * beside its source (the sandbox page's assets, the parser's sources the archive cache fingerprints,
 * `better-sqlite3` for the checkpoint worker) is given its source file's URL instead, so it finds the
 * same file as when run from source. Two uses keep the bundle's URL: an entry's own (main's "am I the
 * program" check), and `new URL('./<worker>.js', import.meta.url)` naming a worker built beside it.
 */
const sourceUrls = {
  name: 'source-urls',
  setup(build) {
    const entries = new Set(Object.values(ENTRIES).map((f) => resolve(ROOT, f)));
    build.onLoad({ filter: /\.[cm]?[jt]s$/, namespace: 'file' }, (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      const loader = args.path.endsWith('.ts') ? 'ts' : 'js';
      if (entries.has(args.path) || !text.includes('import.meta.url')) return { contents: text, loader };
      const own = JSON.stringify(pathToFileURL(args.path).href);
      const contents = text.replace(/new URL\((['"])\.\/([\w.-]+)\1, import\.meta\.url\)|import\.meta\.url/g, (match, _q, name) =>
        name !== undefined && WORKER_FILES.has(name) ? match : name !== undefined ? match.replace('import.meta.url', own) : own,
      );
      return { contents, loader };
    });
  },
};

/**
 * A package that is CommonJS only (one file for `import` and `require`, and that file CommonJS) is
 * loaded with `require` from the bundle: Node's ESM loader would load the same file as CommonJS anyway,
 * after scanning it for export names (discord.js and its dependencies: about 0.1 s and 10 MB at every
 * start). Anything else (ESM, or a package with an ESM build of its own) stays an `import`, so no
 * package is ever loaded in a second form.
 */
const requireCommonJs = {
  name: 'require-commonjs',
  setup(build) {
    const requireFrom = createRequire(join(ROOT, 'package.json'));
    const commonJs = new Map();
    const isCommonJs = (spec) => {
      let known = commonJs.get(spec);
      if (known !== undefined) return known;
      known = false;
      try {
        const file = requireFrom.resolve(spec);
        if (fileURLToPath(import.meta.resolve(spec)) === file && !file.endsWith('.mjs')) known = file.endsWith('.cjs') || packageType(file) !== 'module';
      } catch {
        known = false;
      }
      commonJs.set(spec, known);
      return known;
    };
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
      if (args.path.startsWith('node:') || isBuiltin(args.path)) return { path: args.path, external: true };
      return isCommonJs(args.path) ? { path: args.path, namespace: 'require-commonjs' } : { path: args.path, external: true };
    });
    build.onLoad({ filter: /.*/, namespace: 'require-commonjs' }, (args) => ({ contents: `module.exports = __nodeRequire(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/** The `type` of the package a file belongs to (its nearest package.json). */
function packageType(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type ?? 'commonjs';
    } catch {
      // No package.json here: look further up.
    }
  }
  return 'commonjs';
}

/** Removes half-written builds and old ones (never `keep`). */
function sweep(cacheDir, keep) {
  const now = Date.now();
  for (const name of readdirSync(cacheDir)) {
    if (name === keep || !(name.startsWith('build-') || name.startsWith('tmp-'))) continue;
    try {
      if (now - statSync(join(cacheDir, name)).mtimeMs > (name.startsWith('tmp-') ? 3_600_000 : KEEP_OLD_MS)) rmSync(join(cacheDir, name), { recursive: true, force: true });
    } catch {
      // Another start removed it first.
    }
  }
}

/**
 * Makes sure an up-to-date build exists, building only if a source changed. Safe for several starts
 * at once: each builds into its own folder and moves it into place; the manifest is replaced whole.
 * @returns the built main file, the build folder, whether this call built, and how long it took.
 */
export async function ensureBuild(options = {}) {
  const t0 = performance.now();
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const key = buildKey();
  let dir = options.force ? null : freshBuild(cacheDir, key);
  const built = dir === null;
  if (built) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = join(cacheDir, `tmp-${process.pid}-${Date.now()}`);
    const esbuild = await import('esbuild');
    let result;
    try {
      result = await esbuild.build({
        absWorkingDir: ROOT,
        entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(ROOT, file)])),
        outdir: tmp,
        entryNames: '[name]',
        bundle: true,
        // Every package stays in node_modules, loaded by Node from there: native modules (better-sqlite3,
        // @resvg/resvg-js) cannot be bundled, and the rest load no faster bundled.
        packages: 'external',
        platform: 'node',
        format: 'esm',
        target: `node${process.versions.node.split('.')[0]}`,
        // Stack traces name the source with `NODE_OPTIONS=--enable-source-maps`; not on by default, as
        // Node then reads and keeps the maps at startup.
        sourcemap: 'linked',
        sourcesContent: false,
        metafile: true,
        logLevel: 'silent',
        plugins: [sourceUrls, requireCommonJs],
        // The `require` that CommonJS packages are loaded with (see requireCommonJs).
        banner: { js: "import { createRequire as __createRequire } from 'node:module';\nconst __nodeRequire = __createRequire(import.meta.url);" },
      });
    } finally {
      await esbuild.stop();
    }
    const inputs = {};
    for (const file of Object.keys(result.metafile.inputs).sort()) {
      // Packages loaded with `require` are no files of the build (package-lock.json is in its key).
      if (file.startsWith('require-commonjs:')) continue;
      // Paths are relative to ROOT; a file outside the project (none today) is tracked all the same.
      inputs[file] = sha1(readFileSync(resolve(ROOT, file)));
    }
    const name = `build-${sha1(key + JSON.stringify(inputs)).slice(0, 16)}`;
    dir = join(cacheDir, name);
    try {
      renameSync(tmp, dir);
    } catch {
      // The same sources were built by another start at the same moment: its build is identical.
      rmSync(tmp, { recursive: true, force: true });
    }
    const manifestTmp = join(cacheDir, `manifest.${process.pid}.tmp`);
    writeFileSync(manifestTmp, JSON.stringify({ key, dir: name, inputs }));
    renameSync(manifestTmp, join(cacheDir, 'manifest.json'));
    sweep(cacheDir, name);
  }
  return { main: join(dir, 'main.js'), dir, built, ms: Math.round(performance.now() - t0) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await ensureBuild({ force: process.argv.includes('--force') });
  console.log(`${r.built ? 'built' : 'up to date'}: ${relative(ROOT, r.dir)} (${r.ms} ms)`);
}
