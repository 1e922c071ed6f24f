import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { botProcessSetup } from '../support/bot-process.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const s = await botProcessSetup();
  cleanups.push(() => s.cleanup());
  return s;
}

/**
 * Makes a file unwritable even for root, which ignores file modes: the immutable attribute (`chattr +i`)
 * stops every writer, root included. Not root: a plain `chmod 444` does. Returns false when neither can
 * be done here (root without CAP_LINUX_IMMUTABLE, or a file system without the attribute).
 */
function makeUnwritable(path: string): boolean {
  if (process.getuid?.() !== 0) {
    chmodSync(path, 0o444);
    return true;
  }
  try {
    execFileSync('chattr', ['+i', path], { stdio: 'ignore' });
    cleanups.push(() => execFileSync('chattr', ['-i', path], { stdio: 'ignore' }));
    return true;
  } catch {
    return false;
  }
}

describe('the process fails loudly, never half-up', () => {
  it('GIVEN a database file that is not a database THEN the process says so and exits non-zero within seconds', async () => {
    const s = await setup();
    const path = await s.dir.write('data/bot.sqlite', 'this is not a SQLite database, just text that got in the way\n'.repeat(100));
    const p = s.start({ DATABASE_PATH: path });
    const { code, afterMs } = await p.exit;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    // Content loading and the start of tsx take most of it; well under the 5 s safety net.
    expect(afterMs).toBeLessThan(15_000);
    expect(p.err()).toContain(`The database file ${path} is not a SQLite database or is damaged (file is not a database).`);
    expect(p.err()).not.toContain('still open');
    expect(p.logged('could not start')?.level).toBe(60);
    // It never reached Discord: nothing to leave half-connected.
    expect(s.sandbox.connected).toBe(false);
  }, 30_000);

  it('GIVEN a database file the process cannot write THEN it refuses to start, says so, and exits non-zero', async (ctx) => {
    const s = await setup();
    const path = `${s.dir.root}/data/bot.sqlite`;
    // A database that is complete (migrated), so nothing at start needs to write to it but the check.
    openDatabase(path).close();
    if (!makeUnwritable(path)) ctx.skip();
    const p = s.start({ DATABASE_PATH: path });
    const { code } = await p.exit;
    expect(code).toBe(1);
    expect(p.err()).toContain(`The database file ${path} cannot be written (attempt to write a readonly database).`);
    expect(p.logged('digest ticker started')).toBeUndefined();
    expect(s.sandbox.connected).toBe(false);
  }, 30_000);

  it('GIVEN Discord closes the gateway with 4004 while the bot runs (token reset) THEN it logs an error and exits non-zero', async () => {
    const s = await setup();
    const p = s.start();
    await p.until('digest ticker started');
    s.sandbox.closeGateway(4004, 'Authentication failed.');
    const { code, afterMs } = await p.exit;
    expect(code).toBe(1);
    const line = p.logged(/gateway closed the connection for good/)!;
    expect(line).toBeDefined();
    expect(line.level).toBe(50);
    expect(line).toMatchObject({ code: 4004 });
    expect(line.msg).toContain('DISCORD_TOKEN');
    expect(p.out()).not.toContain(s.sandbox.token);
    expect(afterMs).toBeLessThan(30_000);
  }, 40_000);
});
