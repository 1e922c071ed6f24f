import { SlashCommandBuilder } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import type { Command } from '../../src/discord/command.ts';
import { commandsHash, commandScope, isTransientStartupError, retryWithBackoff } from '../../src/discord/startup.ts';

describe('retryWithBackoff', () => {
  it('GIVEN two transient failures THEN it waits 1 s then 2 s and returns the third result', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retryWithBackoff(
      async () => {
        calls++;
        if (calls < 3) throw Object.assign(new Error('502 Bad Gateway'), { status: 502 });
        return 'ok';
      },
      { sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe('ok');
    expect(waits).toEqual([1000, 2000]);
  });

  it('GIVEN a failure that persists THEN the last one is thrown after the last delay; a permanent one at once', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    await expect(retryWithBackoff(async () => Promise.reject(Object.assign(new Error('down'), { status: 503 })), { delaysMs: [10, 20, 40], sleep })).rejects.toThrow('down');
    expect(waits).toEqual([10, 20, 40]);
    waits.length = 0;
    await expect(retryWithBackoff(async () => Promise.reject(Object.assign(new Error('Invalid Form Body'), { status: 400 })), { sleep })).rejects.toThrow('Invalid Form Body');
    expect(waits).toEqual([]);
  });

  it('classifies: 5xx, 429, refused connections and a locked database may pass; 4xx, a bad token and bugs do not', () => {
    expect([500, 502, 429, 408].map((status) => isTransientStartupError({ status }))).toEqual([true, true, true, true]);
    expect(isTransientStartupError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientStartupError(Object.assign(new Error('busy'), { name: 'DatabaseError' }))).toBe(true);
    expect([400, 401, 403, 404].map((status) => isTransientStartupError({ status }))).toEqual([false, false, false, false]);
    expect(isTransientStartupError(Object.assign(new Error('An invalid token was provided.'), { code: 'TokenInvalid' }))).toBe(false);
    expect(isTransientStartupError(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('commandsHash', () => {
  it('is stable for the same commands and scope, and changes with a description or the scope', () => {
    const scope = commandScope('200000000000000001', '300000000000000000');
    expect(commandsHash(commands, scope)).toBe(commandsHash(commands, scope));
    expect(commandsHash(commands, scope)).toMatch(/^[0-9a-f]{64}$/);
    expect(commandsHash(commands, commandScope('200000000000000001'))).not.toBe(commandsHash(commands, scope));
    const changed: Command[] = [...commands.slice(0, 1), { ...commands[1]!, data: new SlashCommandBuilder().setName('digest').setDescription('changed') }];
    expect(commandsHash(changed, scope)).not.toBe(commandsHash(commands, scope));
  });
});
