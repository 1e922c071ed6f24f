import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { call, startForHttp, text } from './sandbox-http.ts';

let sandbox: DiscordSandbox;
beforeEach(async () => {
  sandbox = await startForHttp({ rateLimits: false });
});
afterEach(async () => {
  await sandbox.close();
});

const post = (body: unknown) => call(sandbox, 'POST', `/channels/${sandbox.channel('news').id}/messages`, body);
const embed = (name: string, value: string) => ({ embeds: [{ title: 'T', fields: [{ name, value }] }], allowed_mentions: { parse: [] } });
const button = (custom_id: string) => ({ type: 2, style: 1, label: 'Go', custom_id });

describe('messages Discord refuses beyond the length limits', () => {
  it('GIVEN whitespace-only content and nothing else THEN 400 / 50006; text with spaces around it passes', async () => {
    for (const content of ['', ' ', '\n\t  ']) {
      expect(await post(text(content))).toMatchObject({ status: 400, json: { code: 50006, message: 'Cannot send an empty message' } });
    }
    expect((await post(text('  a  '))).status).toBe(200);
    // Whitespace content next to an embed is fine: the message is not empty.
    expect((await post({ ...embed('n', 'v'), content: '   ' })).status).toBe(200);
    expect(sandbox.messages(sandbox.channel('news').id)).toHaveLength(2);
  });

  it('GIVEN a whitespace-only embed field name or value THEN 400 / 50035; a zero-width space passes', async () => {
    expect(await post(embed('name', '  '))).toMatchObject({ status: 400, json: { code: 50035, errors: { embeds: { 0: { fields: { 0: { value: { _errors: [expect.anything()] } } } } } } } });
    expect(await post(embed('\n', 'value'))).toMatchObject({ status: 400, json: { code: 50035, errors: { embeds: { 0: { fields: { 0: { name: expect.anything() } } } } } } });
    expect((await post(embed('\u200b', '\u200b'))).status).toBe(200);
  });

  it('GIVEN flags 64 (ephemeral) on a channel message THEN 400 / 50035; other flags (4, suppress embeds) pass', async () => {
    expect(await post(text('secret', { flags: 64 }))).toMatchObject({ status: 400, json: { code: 50035, errors: { flags: expect.anything() } } });
    expect((await post(text('plain', { flags: 4 }))).status).toBe(200);
  });

  it('GIVEN an ephemeral interaction reply THEN flags 64 is accepted there', async () => {
    const handle = sandbox.runCommand({ name: 'news', subcommand: 'topics' });
    const r = await call(sandbox, 'POST', `/interactions/${handle.id}/${handle.token}/callback`, { type: 4, data: text('only you', { flags: 64 }) }, { auth: null });
    expect(r.status).toBe(204);
    expect(handle.ephemeral).toBe(true);
  });

  it('GIVEN two components with the same custom_id in one message THEN 400 / 50035, in one row or across rows', async () => {
    const rows = (...ids: string[][]) => text('pick', { components: ids.map((r) => ({ type: 1, components: r.map(button) })) });
    expect((await post(rows(['a', 'b'], ['c']))).status).toBe(200);
    expect(await post(rows(['a', 'a']))).toMatchObject({ status: 400, json: { code: 50035, errors: { components: { 0: { components: { 1: { custom_id: expect.anything() } } } } } } });
    expect((await post(rows(['a'], ['a']))).json.code).toBe(50035);
  });

  it('GIVEN an edit that repeats a custom_id THEN it is refused too, and the message is unchanged', async () => {
    const sent = await post(text('page 1', { components: [{ type: 1, components: [button('prev'), button('next')] }] }));
    const edit = await call(sandbox, 'PATCH', `/channels/${sandbox.channel('news').id}/messages/${sent.json.id}`, { components: [{ type: 1, components: [button('next'), button('next')] }] });
    expect(edit.json.code).toBe(50035);
    expect(sandbox.messages(sandbox.channel('news').id)[0]!.components).toEqual(sent.json.components);
  });
});
