import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { botProcessSetup } from '../support/bot-process.ts';
import { aggregatorArticle } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait-for.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Enough stories from the last hours (the process runs on the real clock) for a digest of several messages. */
async function recentStories(write: (file: string, text: string) => Promise<unknown>, n: number) {
  const now = Date.now();
  const topics = ['Bitcoin', 'Ethereum', 'Payments', 'Legal', 'Markets', 'Memecoins', 'Mining', 'Regulation', 'Stablecoins', 'DeFi', 'NFTs', 'Exchanges'];
  for (let i = 0; i < n; i++) {
    const title = `Story ${i} about ${topics[i % topics.length]} with a title long enough to fill an embed field ${'x'.repeat(60)}`;
    await write(`content/recent/story-${i}.md`, aggregatorArticle({ title, date: new Date(now - (i + 1) * 60_000).toISOString(), topics: [topics[i % topics.length]!], sentiment: ['POSITIVE', 'NEGATIVE', 'NEUTRAL'][i % 3] }));
  }
}

describe('SIGTERM: the process finishes what it owes, hands the rest back, and exits 0', () => {
  it('GIVEN a send-now in progress with slow Discord answers WHEN SIGTERM THEN the message in flight and the admin reply complete, the rest is handed back, exit 0, and the next start posts the rest once', async () => {
    const s = await botProcessSetup();
    cleanups.push(() => s.cleanup());
    await recentStories((f, t) => s.dir.write(f, t), 120);
    const digestId = s.sandbox.channel('digest').id;
    const admin = s.sandbox.users.admin;
    const p = s.start({ SHUTDOWN_TIMEOUT_MS: '10000' });
    await p.until('digest ticker started');
    const set = await s.sandbox.runCommand({ name: 'digest', subcommand: 'set', user: admin, options: { channel: digestId, time: '08:00', timezone: 'UTC' } }).reply(10_000);
    expect(set.content).toMatch(/^✅/);

    // Every digest message is answered 1.5 s late (stored at once, as Discord would have it).
    s.sandbox.delayNext({ method: 'POST', path: `/channels/${digestId}/messages`, delayMs: 1500, times: Infinity });
    const sendNow = s.sandbox.runCommand({ name: 'digest', subcommand: 'send-now', user: admin });
    await waitFor(() => s.sandbox.messages(digestId).length === 1, { timeout: 15_000, what: 'the first digest message' });
    p.child.kill('SIGTERM');

    // A command arriving now is told the bot is restarting instead of timing out.
    await p.until(/^shutting down/);
    const late = await s.sandbox.runCommand({ name: 'news', subcommand: 'latest', user: admin }).reply(5000);
    expect(late.content).toBe('⏳ The bot is restarting. Try again in a minute.');
    expect(late.interaction?.ephemeral).toBe(true);

    const reply = await sendNow.reply(15_000);
    const { code } = await p.exit;
    expect(code).toBe(0);
    expect(p.logged('shut down cleanly')).toBeDefined();
    const db = new Database(`${s.dir.root}/data/bot.sqlite`, { readonly: true });
    const row = db.prepare("SELECT status, lease_owner, payloads, message_ids FROM deliveries WHERE slot LIKE 'manual:%'").get() as { status: string; lease_owner: string | null; payloads: string; message_ids: string };
    db.close();
    const total = (JSON.parse(row.payloads) as unknown[]).length;
    expect(total).toBeGreaterThan(1);
    // The message in flight was finished and recorded; no new one was started after SIGTERM.
    expect(s.sandbox.messages(digestId)).toHaveLength(1);
    expect(reply.content).toBe(`⏳ The bot is restarting, so the digest in <#${digestId}> stopped after 1 message. The rest is posted as soon as it is back.`);
    // Recorded: the part sent, and the rest handed back (claimed, no owner) for whoever starts next.
    expect(row.status).toBe('claimed');
    expect(row.lease_owner).toBeNull();
    expect((JSON.parse(row.message_ids) as Array<string | null>).filter(Boolean)).toHaveLength(1);

    // The next start takes the rest over at once (its lease was released), and posts each message once.
    const again = s.start();
    await waitFor(() => s.sandbox.messages(digestId).length === total, { timeout: 30_000, interval: 50, what: 'the rest of the digest' });
    await again.until(/^digest delivered/);
    const posts = s.sandbox.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${digestId}/messages`);
    expect(posts).toHaveLength(total);
    again.child.kill('SIGTERM');
    expect((await again.exit).code).toBe(0);
  }, 90_000);
});
