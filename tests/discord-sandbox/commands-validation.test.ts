import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DISCORD_LIMITS as L } from '../../src/payload/limits.ts';
import type { DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { call, startForHttp } from './sandbox-http.ts';

let sandbox: DiscordSandbox;
beforeEach(async () => {
  // Many PUTs in a row: the rules are under test here, not the rate limits.
  sandbox = await startForHttp({ rateLimits: false });
});
afterEach(async () => {
  await sandbox.close();
});

type Command = Record<string, unknown>;
const put = (commands: unknown, guild = false) =>
  call(sandbox, 'PUT', guild ? `/applications/${sandbox.application.id}/guilds/${sandbox.guilds[0]!.id}/commands` : `/applications/${sandbox.application.id}/commands`, commands);
const cmd = (extra: Command = {}): Command => ({ name: 'news', description: 'Read news', ...extra });
const opt = (name: string, extra: Command = {}): Command => ({ type: 3, name, description: `The ${name}`, ...extra });
const choice = (name: string, value = name) => ({ name, value });

/** Expects the PUT to pass at `ok` and fail with 50035 at `bad`, with an error at `errorPath` (dots; '' for the request itself). */
async function limitHolds(ok: unknown, bad: unknown, errorPath: string) {
  const accepted = await put(ok);
  expect(accepted.status, JSON.stringify(accepted.json)).toBe(200);
  const rejected = await put(bad);
  expect(rejected.status).toBe(400);
  expect(rejected.json).toMatchObject({ code: 50035, message: 'Invalid Form Body' });
  const node = (errorPath ? errorPath.split('.') : []).reduce<Record<string, unknown> | undefined>((n, k) => n?.[k] as Record<string, unknown> | undefined, rejected.json.errors);
  expect(node?._errors, JSON.stringify(rejected.json.errors)).toEqual([expect.objectContaining({ message: expect.any(String) })]);
}

describe('PUT commands is checked by Discord\'s documented rules', () => {
  it('names: 32 lowercase characters pass; 33, uppercase or a space are refused', async () => {
    await limitHolds([cmd({ name: 'n'.repeat(L.commandName) })], [cmd({ name: 'n'.repeat(L.commandName + 1) })], '0.name');
    expect((await put([cmd({ name: 'News' })])).status).toBe(400);
    expect((await put([cmd({ name: 'my news' })])).status).toBe(400);
    expect((await put([cmd({ name: 'news-digest_2' })])).status).toBe(200);
  });

  it('descriptions: 1–100 characters, for commands and options', async () => {
    await limitHolds([cmd({ description: 'd'.repeat(L.commandDescription) })], [cmd({ description: 'd'.repeat(L.commandDescription + 1) })], '0.description');
    await limitHolds([cmd({ options: [opt('q', { description: 'd' })] })], [cmd({ options: [opt('q', { description: '' })] })], '0.options.0.description');
  });

  it('at most 25 options, subcommands and choices at one level', async () => {
    const options = (n: number) => Array.from({ length: n }, (_, i) => opt(`o${i}`));
    await limitHolds([cmd({ options: options(L.commandOptions) })], [cmd({ options: options(L.commandOptions + 1) })], '0.options');
    const subs = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 1, name: `s${i}`, description: 'Sub' }));
    await limitHolds([cmd({ options: subs(25) })], [cmd({ options: subs(26) })], '0.options');
    const choices = (n: number) => Array.from({ length: n }, (_, i) => choice(`c${i}`));
    await limitHolds([cmd({ options: [opt('q', { choices: choices(L.commandChoices) })] })], [cmd({ options: [opt('q', { choices: choices(L.commandChoices + 1) })] })], '0.options.0.choices');
  });

  it('choice names and string values: 1–100 characters', async () => {
    const withChoice = (c: unknown) => [cmd({ options: [opt('q', { choices: [c] })] })];
    await limitHolds(withChoice(choice('n'.repeat(100))), withChoice(choice('n'.repeat(101), 'v')), '0.options.0.choices.0.name');
    await limitHolds(withChoice(choice('n', 'v'.repeat(100))), withChoice(choice('n', 'v'.repeat(101))), '0.options.0.choices.0.value');
    expect((await put(withChoice(choice('n', '')))).status).toBe(400);
  });

  it('required options come before optional ones', async () => {
    await limitHolds([cmd({ options: [opt('a', { required: true }), opt('b')] })], [cmd({ options: [opt('a'), opt('b', { required: true })] })], '0.options.1.required');
  });

  it('choices and autocomplete are not allowed together', async () => {
    await limitHolds([cmd({ options: [opt('q', { autocomplete: true })] })], [cmd({ options: [opt('q', { autocomplete: true, choices: [choice('a')] })] })], '0.options.0.autocomplete');
  });

  it('names are unique: commands in one request, options at one level', async () => {
    await limitHolds([cmd(), cmd({ name: 'digest' })], [cmd(), cmd()], '1.name');
    await limitHolds([cmd({ options: [opt('a'), opt('b')] })], [cmd({ options: [opt('a'), opt('a')] })], '0.options.1.name');
    // The same name one level down is fine, as in /news search query and /news latest query.
    const sub = (name: string) => ({ type: 1, name, description: 'Sub', options: [opt('query')] });
    expect((await put([cmd({ options: [sub('search'), sub('latest')] })])).status).toBe(200);
  });

  it('a whole command counts at most 4000 characters (names, descriptions, choices)', async () => {
    // 1 + 99 for the command, 1 + 1 for the option, 19 choices of 200, and a last choice of 2 × 49: exactly 4000.
    const sized = (lastName: number) => [
      { name: 'x', description: 'd'.repeat(99), options: [{ type: 3, name: 'o', description: 'p', choices: [...Array.from({ length: 19 }, (_, i) => choice(`${i}`.padEnd(100, 'n'), `${i}`.padEnd(100, 'v'))), choice('n'.repeat(lastName), 'v'.repeat(49))] }] },
    ];
    await limitHolds(sized(49), sized(50), '0');
  });

  it('at most 100 slash commands per scope, global and guild', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => cmd({ name: `c${i}` }));
    await limitHolds(many(L.commandsPerScope), many(L.commandsPerScope + 1), '');
    expect((await put(many(L.commandsPerScope + 1), true)).status).toBe(400);
    expect((await put(many(L.commandsPerScope), true)).status).toBe(200);
  });

  it('a refused request changes nothing', async () => {
    await put([cmd()]);
    await put([cmd(), cmd({ name: 'Bad' })]);
    expect(sandbox.commands().map((c) => c.name)).toEqual(['news']);
  });
});

describe('install scope: integration_types and contexts', () => {
  it('known values pass, globally and in a guild; unknown values, repeats and non-arrays are refused', async () => {
    expect((await put([cmd({ integration_types: [0], contexts: [0] })])).status).toBe(200);
    expect((await put([cmd({ integration_types: [0, 1], contexts: [0, 1, 2] })], true)).status).toBe(200);
    expect((await put([cmd({ integration_types: null, contexts: null })])).status).toBe(200);
    await limitHolds([cmd({ integration_types: [1] })], [cmd({ integration_types: [2] })], '0.integration_types.0');
    await limitHolds([cmd({ contexts: [2] })], [cmd({ contexts: [0, 3] })], '0.contexts.1');
    await limitHolds([cmd({ contexts: [0] })], [cmd({ contexts: [0, 0] })], '0.contexts');
    await limitHolds([cmd({ contexts: [0] })], [cmd({ contexts: 0 })], '0.contexts');
  });

  it('a global command limited to DMs or to user installs is not offered in a server; a guild command ignores both', async () => {
    const channelId = sandbox.guilds[0]!.channels[0]!.id;
    expect((await put([cmd({ name: 'dm-only', contexts: [1, 2] }), cmd({ name: 'user-only', integration_types: [1] }), cmd({ name: 'server', contexts: [0] })])).status).toBe(200);
    expect(sandbox.visibleCommands({ channelId, user: sandbox.users.member }).map((c) => c.name)).toEqual(['server']);
    expect((await put([cmd({ name: 'guild-dm-only', contexts: [1] })], true)).status).toBe(200);
    expect(sandbox.visibleCommands({ channelId, user: sandbox.users.member }).map((c) => c.name)).toEqual(['guild-dm-only', 'server']);
  });
});
