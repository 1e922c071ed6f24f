import { SlashCommandBuilder } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Command } from '../../src/discord/command.ts';
import type { BotContext } from '../../src/discord/context.ts';
import { GENERIC_ERROR, createInteractionRouter } from '../../src/discord/interactions.ts';
import { UserError } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { captureLogs } from '../support/bot-harness.ts';
import { startSandboxWithClient } from '../support/discord-harness.ts';

let h: Awaited<ReturnType<typeof startSandboxWithClient>> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Commands that fail on purpose: the router, not these, is under test. */
const failing: Command[] = [
  { data: new SlashCommandBuilder().setName('broken').setDescription('throws a bug'), execute: async () => { throw new TypeError('cannot read x of undefined'); } },
  { data: new SlashCommandBuilder().setName('picky').setDescription('throws a user error'), execute: async () => { throw new UserError('Use a date like 2026-11-21.'); } },
  {
    data: new SlashCommandBuilder().setName('late').setDescription('fails after deferring'),
    execute: async (i) => {
      await i.deferReply();
      throw new Error('boom after defer');
    },
  },
];

describe('interaction router', () => {
  it('GIVEN a bug THEN it is logged with context, the user gets a short apology, and the process keeps serving', async () => {
    h = await startSandboxWithClient();
    const logs = captureLogs();
    const logger = createLogger({ level: 'debug', destination: logs.destination });
    h.client.on('interactionCreate', createInteractionRouter(failing, { logger } as unknown as BotContext));

    const bug = await h.sandbox.runCommand({ name: 'broken' }).reply();
    expect(bug.content).toBe(GENERIC_ERROR);
    expect(bug.interaction?.ephemeral).toBe(true);
    const logged = logs.lines.find((l) => l.msg === 'interaction failed')!;
    expect(logged).toMatchObject({ level: 50, command: 'broken', userId: h.sandbox.users.member.id, err: expect.objectContaining({ message: 'cannot read x of undefined' }) });

    const user = await h.sandbox.runCommand({ name: 'picky' }).reply();
    expect(user.content).toBe('Use a date like 2026-11-21.');
    expect(logs.lines.filter((l) => l.level === 50)).toHaveLength(1);

    // Already deferred: the apology goes out as a follow-up instead of a second (rejected) reply.
    const late = h.sandbox.runCommand({ name: 'late' });
    const followUp = await late.waitFor((x) => x.followUps[0]);
    expect(followUp.content).toBe(GENERIC_ERROR);
    expect(late.responses.map((r) => r.kind)).toEqual(['callback', 'followup']);
  });
});
