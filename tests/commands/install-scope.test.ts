import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import type { DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { call, startForHttp } from '../discord-sandbox/sandbox-http.ts';

let sandbox: DiscordSandbox;
beforeEach(async () => {
  sandbox = await startForHttp();
});
afterEach(async () => {
  await sandbox.close();
});

describe('where the commands may appear', () => {
  it('every command states server install and server context, so turning on user install changes nothing', () => {
    for (const c of commands) {
      expect(c.data.toJSON(), c.data.name).toMatchObject({ integration_types: [0], contexts: [0] });
    }
  });

  it('GIVEN the commands registered globally, as in production THEN Discord keeps both fields and offers the commands in a server', async () => {
    const r = await call(sandbox, 'PUT', `/applications/${sandbox.application.id}/commands`, commands.map((c) => c.data.toJSON()));
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const stored = sandbox.commands();
    expect(stored.map((c) => [c.name, c.integration_types, c.contexts])).toEqual(commands.map((c) => [c.data.name, [0], [0]]));
    const admin = sandbox.visibleCommands({ channelId: sandbox.guilds[0]!.channels[0]!.id, user: sandbox.users.admin });
    expect(admin.map((c) => c.name)).toEqual(commands.map((c) => c.data.name));
  });
});
