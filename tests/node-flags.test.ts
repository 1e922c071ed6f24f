import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startCommand } from '../src/bench/burst.ts';
import { BOT_MALLOC_ENV, BOT_V8_FLAGS } from '../src/node-flags.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

describe('the flags every bot process runs with', () => {
  it('GIVEN package.json THEN `npm start` sets exactly the V8 flags and C library settings the shard clusters are given', async () => {
    const { args, env } = await startCommand();
    expect(args).toEqual([...BOT_V8_FLAGS, 'src/start.mjs']);
    expect(env).toEqual(BOT_MALLOC_ENV);
  });

  it('GIVEN package.json THEN `npm run start:shards` sets the same C library settings, which its clusters inherit', async () => {
    const pkg = JSON.parse(await readFile(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> };
    const words = pkg.scripts['start:shards']!.trim().split(/\s+/);
    const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split('=') as [string, string]));
    expect(env).toEqual(BOT_MALLOC_ENV);
    expect(words).not.toContain('--optimize-for-size');
  });
});
