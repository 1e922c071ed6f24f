import { afterEach, describe, expect, it } from 'vitest';
import { startBotHarness, type BotHarness } from '../support/bot-harness.ts';
import { aggregatorArticle } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait-for.ts';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const text = (m: { content: string; embeds: unknown[] }) => `${m.content}\n${JSON.stringify(m.embeds)}`;

describe('late articles reach a digest', () => {
  it('GIVEN a digest went out WHEN an article dated inside its period is saved afterwards THEN the next digest carries it, and the one after does not repeat it', async () => {
    h = await startBotHarness({ watch: true });
    const digestId = h.channel('digest').id;
    const set = await h.sandbox.runCommand({ name: 'digest', subcommand: 'set', user: h.sandbox.users.admin, options: { channel: digestId, time: '08:00', timezone: 'UTC' } }).reply();
    expect(set.content).toMatch(/^✅/);

    h.clock.set('2026-11-22T08:00:00Z');
    expect((await h.tick()).map((o) => o.status)).toEqual(['delivered']);
    const first = h.sandbox.messages(digestId).map(text).join('\n');
    expect(first).toContain('Ethereum upgrade ships on time');

    // A rewritten story saved at 09:00 on the 22nd, dated 20:00 on the 21st: inside the period just sent.
    h.clock.set('2026-11-22T09:00:00Z');
    await h.dir.write('content/late/rewritten-story.md', aggregatorArticle({ title: 'Rewritten story about stablecoin audits', date: '2026-11-21T20:00:00Z', topics: ['STABLECOINS'], sentiment: 'NEUTRAL' }));
    await waitFor(() => h!.bot.store.get('late/rewritten-story'), { timeout: 5000, what: 'the watcher loading the new file' });
    // Searchable at once, as before.
    expect(h.bot.store.search('stablecoin audits').articles.map((a) => a.id)).toEqual(['late/rewritten-story']);

    const before = h.sandbox.messages(digestId).length;
    h.clock.set('2026-11-23T08:00:00Z');
    expect((await h.tick()).map((o) => o.status)).toEqual(['delivered']);
    const second = h.sandbox.messages(digestId).slice(before);
    expect(second.map(text).join('\n')).toContain('Rewritten story about stablecoin audits');
    expect(second[0]!.content).toMatch(/\*\*1\*\* article/);

    const before3 = h.sandbox.messages(digestId).length;
    h.clock.set('2026-11-24T08:00:00Z');
    await h.tick();
    expect(h.sandbox.messages(digestId).slice(before3).map(text).join('\n')).not.toContain('Rewritten story about stablecoin audits');
  });
});
