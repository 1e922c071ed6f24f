// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';

/**
 * The pure core turns text into articles, searches them and composes digests. It must stay free of
 * I/O and of Discord so it can be tested as plain functions and reused by the CLI, the bot and the sandbox.
 */
const CORE = ['content', 'classify', 'search', 'digest', 'render', 'payload'];
const IO_MODULES = [
  'discord.js',
  '@discordjs/*',
  'node:fs',
  'node:fs/promises',
  'fs',
  'fs/promises',
  'node-cron',
  'better-sqlite3',
  'chokidar',
  'pino',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'coverage/**', 'tests/artifacts/**', 'src/sandbox/public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts', 'commands/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/include': ['src/**/*', 'commands/**/*'],
      'boundaries/elements': [
        { type: 'core', pattern: `src/(${CORE.join('|')})/**`, partialMatch: false },
        { type: 'files', pattern: 'src/files/**', partialMatch: false },
        { type: 'discord', pattern: 'src/discord/**', partialMatch: false },
        { type: 'scheduler', pattern: 'src/scheduler/**', partialMatch: false },
        { type: 'other', pattern: '**', partialMatch: false },
      ],
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'allow',
          checkAllOrigins: true,
          policies: [
            {
              from: { element: { type: 'core' } },
              disallow: { to: { element: { types: { anyOf: ['files', 'discord', 'scheduler', 'other'] } } } },
              message: 'The pure core may not import the file edge, the Discord adapter or the scheduler.',
            },
            {
              from: { element: { type: 'core' } },
              disallow: { to: { module: { origin: 'external', source: IO_MODULES } } },
              message: 'The pure core may not do I/O or talk to Discord.',
            },
            {
              from: { element: { type: 'core' } },
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
