import { afterEach, describe, expect, it } from 'vitest';
import { botProcessSetup } from '../support/bot-process.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The bot as `npm start` runs it, against a loopback Discord, with short start-up retries. */
async function setup() {
  const proc = await botProcessSetup();
  cleanups.push(() => proc.cleanup());
  const { sandbox } = proc;
  const start = () => {
    const p = proc.start({ STARTUP_RETRY_DELAYS_MS: '100,200,400' });
    return { ...p, logged: (msg: string) => p.logged(msg) !== undefined, until: (msg: string) => p.until(msg, 40_000) };
  };
  const commandPuts = () => sandbox.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/commands'));
  return { sandbox, start, commandPuts };
}

describe('start-up: commands registered once, retried on a passing failure, never half-started', () => {
  it('GIVEN the commands PUT fails with 502 for a while THEN the bot retries with backoff, registers once, and comes up', async () => {
    const s = await setup();
    // discord.js itself retries a 5xx three times; the fourth failure reaches the bot's own backoff.
    s.sandbox.failNext({ method: 'PUT', path: '/commands', status: 502, times: 4 });
    const p = s.start();
    await p.until('digest ticker started');
    expect(p.logs().filter((l) => l.msg === 'registering the slash commands failed; retrying')).toHaveLength(1);
    expect(s.commandPuts().map((r) => r.status)).toEqual([502, 502, 502, 502, 200]);
    expect(s.sandbox.commands(s.sandbox.guilds[0]!.id).map((c) => c.name)).toEqual(['news', 'digest']);
    p.child.kill('SIGTERM');
    expect((await p.exit).code).toBe(0);
  }, 60_000);

  it('GIVEN the commands PUT always fails THEN the process closes everything and exits with code 1 after its retries, never serving half-started', async () => {
    const s = await setup();
    s.sandbox.failNext({ method: 'PUT', path: '/commands', status: 502, times: Infinity });
    const started = Date.now();
    const p = s.start();
    const { code, at } = await p.exit;
    expect(code).toBe(1);
    // Login, four tries with three waits (0.7 s) and the closing: well within 40 s even on a loaded machine.
    expect(at - started).toBeLessThan(40_000);
    expect(p.logs().filter((l) => l.msg === 'registering the slash commands failed; retrying')).toHaveLength(3);
    expect(p.logged('digest ticker started')).toBe(false);
    const fatal = p.logs().find((l) => l.msg === 'could not start')!;
    expect(fatal).toBeDefined();
    expect(fatal.time).toBeLessThanOrEqual(at);
    expect(p.err()).toContain('Startup failed: ');
    // It ended by itself once everything was closed, not by the safety net that forces the exit.
    expect(p.err()).not.toContain('still open');
    expect(s.sandbox.connected).toBe(false);
  }, 60_000);

  it('GIVEN a second start with the same commands THEN no PUT is made', async () => {
    const s = await setup();
    const first = s.start();
    await first.until('digest ticker started');
    first.child.kill('SIGTERM');
    expect((await first.exit).code).toBe(0);
    expect(s.commandPuts()).toHaveLength(1);

    const second = s.start();
    await second.until('digest ticker started');
    expect(second.logged('slash commands unchanged; not registered again')).toBe(true);
    expect(s.commandPuts()).toHaveLength(1);
    second.child.kill('SIGTERM');
    expect((await second.exit).code).toBe(0);
  }, 100_000);
});
