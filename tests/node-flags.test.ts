import { describe, expect, it } from 'vitest';
import { npmScript, startCommand } from '../src/bench/burst.ts';
import { BOT_MALLOC_ENV, BOT_V8_FLAGS } from '../src/node-flags.ts';

describe('the flags every bot process runs with', () => {
  it('GIVEN package.json THEN `npm start` sets exactly the V8 flags and C library settings the shard clusters are given', async () => {
    const { args, env } = await startCommand();
    expect(args).toEqual([...BOT_V8_FLAGS, 'src/start.mjs']);
    expect(env).toEqual(BOT_MALLOC_ENV);
  });

  it('GIVEN package.json THEN `npm run start:shards` sets the same C library settings, which its clusters inherit', async () => {
    const { args, env } = await npmScript('start:shards');
    expect(env).toEqual(BOT_MALLOC_ENV);
    expect(args).toEqual(['--import', 'tsx', 'src/shards/manager.ts']);
  });
});
