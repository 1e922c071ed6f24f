// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';

/**
 * The pure core turns text into articles, searches them and composes digests. It must stay free of
 * I/O and of Discord so it can be tested as plain functions and reused by the CLI, the bot and the sandbox.
 */
const CORE = ['content', 'classify', 'search', 'calendar', 'digest', 'render', 'payload'];

/**
 * The folders (and top-level files) of the project, and the ones each may import *values* from. The
 * layers run one way — content → digest → render → payload, with calendar under digest and render —
 * so anything not listed here is a back-edge and fails the lint. Type-only imports are free: they are
 * erased before the code runs, so they cannot tie two modules' loading together.
 */
const LAYERS = {
  // The pure core.
  payload: [],
  calendar: [],
  classify: [],
  search: [],
  content: ['classify', 'search'],
  digest: ['content', 'calendar'],
  render: ['content', 'calendar', 'payload'],
  // Shared leaves.
  errors: [],
  logger: [],
  health: [],
  // The V8 flags and C library settings of every bot process (`npm start`, the shard clusters).
  'node-flags': [],
  config: ['calendar'],
  // Edges: files, SQLite, the schedule, Discord.
  files: ['content', 'config'],
  db: ['payload'],
  scheduler: ['calendar', 'content', 'digest', 'render', 'payload', 'db'],
  discord: ['errors', 'content', 'search', 'calendar', 'render', 'payload'],
  commands: ['discord', 'errors', 'content', 'classify', 'search', 'calendar', 'digest', 'render', 'payload'],
  // Front ends and tools.
  cli: ['config', 'files', 'content', 'classify', 'search', 'calendar', 'digest', 'render', 'payload'],
  'discord-sandbox': ['payload'],
  sandbox: ['discord-sandbox', 'payload'],
  bench: ['files', 'content', 'search', 'calendar', 'digest', 'render', 'payload', 'db', 'discord-sandbox', 'node-flags'],
  // Composition roots: the only places where the parts meet.
  main: ['commands', 'config', 'logger', 'health', 'errors', 'files', 'db', 'scheduler', 'discord', 'sandbox', 'content', 'search', 'calendar', 'digest', 'render', 'payload'],
  'deploy-commands': ['commands', 'config', 'discord', 'logger'],
  // `npm run start:shards`: the cluster manager and the cluster entry, which runs the bot (main) with its shards.
  shards: ['main', 'commands', 'config', 'logger', 'db', 'discord', 'node-flags'],
  // `npm run rest-proxy`: the one REST rate limiter shared by every process of the bot.
  proxy: ['discord', 'logger'],
};
const FILE_ELEMENTS = ['errors', 'logger', 'health', 'node-flags', 'config', 'main', 'deploy-commands'];
const unitPattern = (type) => (type === 'commands' ? 'commands/**' : FILE_ELEMENTS.includes(type) ? `src/${type}.ts` : `src/${type}/**`);

const IO_MODULES = [
  'discord.js',
  '@discordjs/*',
  'node:fs',
  'node:fs/promises',
  'fs',
  'fs/promises',
  'node-cron',
  'better-sqlite3',
  'pg',
  'chokidar',
  'pino',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'coverage/**', 'tests/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The sandbox page's scripts run in the browser, as served: only the browser globals they use.
    files: ['src/sandbox/public/**/*.js'],
    languageOptions: {
      globals: { document: 'readonly', fetch: 'readonly', EventSource: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', process: 'off' },
    },
  },
  {
    files: ['src/**/*.ts', 'commands/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/include': ['src/**/*', 'commands/**/*'],
      'boundaries/files': Object.keys(LAYERS).map((type) => ({ category: type, pattern: unitPattern(type) })),
    },
    rules: {
      // A new folder must be given its place in LAYERS before it can hold code.
      'boundaries/no-unknown-files': 'error',
      'boundaries/dependencies': [
        'error',
        {
          default: 'allow',
          checkAllOrigins: true,
          policies: [
            // One policy per folder: a value import of any folder outside its LAYERS entry is a back-edge.
            ...Object.entries(LAYERS).map(([type, allowed]) => ({
              from: { file: { categories: type } },
              disallow: {
                to: { file: { categories: { anyOf: Object.keys(LAYERS).filter((t) => t !== type && !allowed.includes(t)) } } },
                dependency: { kind: 'value' },
              },
              message: `${unitPattern(type)} may import values only from ${allowed.map(unitPattern).join(', ') || 'itself'} (layers run one way; see README, Layout).`,
            })),
            {
              from: { file: { categories: { anyOf: CORE } } },
              disallow: { to: { module: { origin: 'external', source: IO_MODULES } } },
              message: 'The pure core may not do I/O or talk to Discord.',
            },
            {
              from: { file: { categories: { anyOf: CORE } } },
              disallow: { to: { module: { origin: 'core', source: ['node:fs', 'node:fs/promises', 'fs', 'fs/promises'] } } },
              message: 'The pure core may not read files.',
            },
          ],
        },
      ],
    },
  },
  {
    // The core never reads the clock: callers pass `now` in, so tests control time without fakes.
    files: [`src/{${CORE.join(',')}}/**/*.ts`],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Pass the current time in; the core never reads the clock.' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Pass the current time in; the core never reads the clock.' },
      ],
    },
  },
);
