import { PermissionFlagsBits } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { call, startForHttp, text } from './sandbox-http.ts';

let sandbox: DiscordSandbox;
let channelId: string;
/** Ids of the 120 posted messages, oldest first. */
let ids: string[];

beforeEach(async () => {
  // History needs many messages in one channel; the post bucket (5 per 5 s) is tested elsewhere.
  sandbox = await startForHttp({ rateLimits: false });
  channelId = sandbox.channel('news').id;
  ids = [];
  for (let i = 0; i < 120; i++) ids.push((await call(sandbox, 'POST', `/channels/${channelId}/messages`, text(`m${i}`))).json.id);
});
afterEach(async () => {
  await sandbox.close();
});

const history = (query = '') => call(sandbox, 'GET', `/channels/${channelId}/messages${query}`);
const contents = (json: Array<{ content: string }>) => json.map((m) => m.content);
const range = (from: number, to: number) => Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => `m${from > to ? from - i : from + i}`);

describe('GET /channels/{id}/messages, as Discord pages history', () => {
  it('GIVEN no query THEN the 50 newest, newest first', async () => {
    const r = await history();
    expect(r.status).toBe(200);
    expect(contents(r.json)).toEqual(range(119, 70));
  });

  it('GIVEN limit 1 or 100 THEN that many; 0 or 101 THEN 400 / 50035 on limit', async () => {
    expect(contents((await history('?limit=1')).json)).toEqual(['m119']);
    expect((await history('?limit=100')).json).toHaveLength(100);
    for (const bad of ['0', '101', 'ten']) {
      const r = await history(`?limit=${bad}`);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ code: 50035, errors: { limit: { _errors: [expect.anything()] } } });
    }
  });

  it('before, after and around select the messages next to an id, newest first', async () => {
    expect(contents((await history(`?before=${ids[10]}&limit=3`)).json)).toEqual(['m9', 'm8', 'm7']);
    expect(contents((await history(`?before=${ids[2]}`)).json)).toEqual(['m1', 'm0']);
    expect(contents((await history(`?after=${ids[10]}&limit=3`)).json)).toEqual(['m13', 'm12', 'm11']);
    expect(contents((await history(`?after=${ids[118]}`)).json)).toEqual(['m119']);
    expect(contents((await history(`?around=${ids[50]}&limit=5`)).json)).toEqual(['m52', 'm51', 'm50', 'm49', 'm48']);
  });

  it('GIVEN two of before/after/around, or an id that is not a snowflake THEN 400 / 50035', async () => {
    expect((await history(`?before=${ids[10]}&after=${ids[2]}`)).json.code).toBe(50035);
    expect((await history('?before=abc')).json.code).toBe(50035);
  });

  it('GIVEN the bot lacks Read Message History THEN 403 / 50013; lacks View Channel THEN 403 / 50001', async () => {
    const guildId = sandbox.guilds[0]!.id;
    sandbox.setChannelOverwrites(channelId, [{ id: guildId, type: 0, deny: PermissionFlagsBits.ReadMessageHistory }]);
    expect(await history()).toMatchObject({ status: 403, json: { code: 50013 } });
    sandbox.setChannelOverwrites(channelId, [{ id: guildId, type: 0, deny: PermissionFlagsBits.ViewChannel }]);
    expect(await history()).toMatchObject({ status: 403, json: { code: 50001 } });
    sandbox.setChannelOverwrites(channelId, [{ id: sandbox.botUser.id, type: 1, allow: PermissionFlagsBits.ViewChannel }]);
    expect((await history('?limit=1')).status).toBe(200);
  });

  it('GIVEN an ephemeral reply in the channel THEN history leaves it out', async () => {
    const handle = sandbox.runCommand({ name: 'news', subcommand: 'topics', channelId });
    await call(sandbox, 'POST', `/interactions/${handle.id}/${handle.token}/callback`, { type: 4, data: text('only you', { flags: 64 }) }, { auth: null });
    expect(handle.original?.interaction?.ephemeral).toBe(true);
    expect(contents((await history('?limit=1')).json)).toEqual(['m119']);
  });
});
