import { afterEach, describe, expect, it } from 'vitest';
import { validateMessage } from '../../src/payload/validate.ts';
import { startBotHarness, type BotHarness } from '../support/bot-harness.ts';
import { aggregatorArticle } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait-for.ts';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const MINUTE = 60_000;
const posts = (x: BotHarness, channelId: string) => x.sandbox.messages(channelId).filter((m) => !m.interaction);
type User = Parameters<BotHarness['sandbox']['runCommand']>[0]['user'];
const news = (x: BotHarness, subcommand: string, options: Record<string, unknown> = {}, user: User = x.sandbox.users.admin) =>
  x.sandbox.runCommand({ name: 'news', subcommand, user, options }).reply();

/** Saves `n` matching stories at once (as a copy of a folder would), and waits until the bot has loaded them all. */
async function land(x: BotHarness, prefix: string, n: number, title: (i: number) => string) {
  await Promise.all(
    Array.from({ length: n }, (_, i) => x.dir.write(`content/${prefix}/${String(i).padStart(3, '0')}.md`, aggregatorArticle({ title: title(i), date: '2026-11-21T17:00:00Z', topics: ['Bitcoin'], sentiment: 'POSITIVE' }))),
  );
  await waitFor(() => Array.from({ length: n }, (_, i) => `${prefix}/${String(i).padStart(3, '0')}`).every((id) => x.bot.store.get(id)), { timeout: 60_000, what: `${n} files loaded` });
}

describe('/news follow', () => {
  it('GIVEN a follow WHEN 500 matching files land at once THEN one message lists them within Discord limits; the next batch waits 10 minutes; unfollow stops it', async () => {
    h = await startBotHarness({ watch: true });
    const digestId = h.channel('digest').id;
    const followed = await news(h, 'follow', { query: 'bitcoin  surge', channel: digestId });
    expect(followed.interaction?.ephemeral).toBe(true);
    expect(followed.content).toMatch(new RegExp(`^🔔 Following “bitcoin surge” in <#${digestId}> \\(follow #\\d+\\)\\. .* at most one message every 10 minutes\\.$`));
    const [follow] = await h.bot.engine.follows.list(h.guildId);
    expect(follow).toMatchObject({ channelId: digestId, query: 'bitcoin surge', createdBy: h.sandbox.users.admin.id });

    // Stories that were there before the follow are never posted by it.
    h.clock.advance(MINUTE);
    await land(h, 'burst', 500, (i) => `Bitcoin surge number ${i}`);
    await land(h, 'other', 5, (i) => `Ethereum story ${i}`);
    h.clock.advance(10_000);
    const outcomes = await h.tick();
    expect(outcomes.map((o) => o.status)).toEqual(['delivered']);
    const first = posts(h, digestId);
    expect(first).toHaveLength(1);
    const m = first[0]!;
    expect(validateMessage(m.body)).toEqual([]);
    expect(m.body.allowed_mentions).toEqual({ parse: [] });
    expect(m.body).toMatchObject({ nonce: expect.stringMatching(/^[0-9a-z]{1,25}$/), enforce_nonce: true });
    expect(m.content).toMatch(/^🔔 \*\*500 new articles\*\* for “bitcoin surge”\n-# ref [0-9a-z]{12}$/);
    const description = (m.embeds[0] as { description: string }).description;
    const listed = description.split('\n').filter((l) => l.includes('Bitcoin surge number')).length;
    expect(listed).toBeGreaterThan(10);
    expect(description).toContain(`…and ${500 - listed} more articles`);
    expect(description).not.toContain('Ethereum story');
    expect(await h.bot.digestStore.listDeliveries(h.guildId)).toMatchObject([{ reason: 'follow', status: 'delivered', articleCount: 500 }]);

    // More matches within 10 minutes of that message wait for the next batch.
    await land(h, 'later', 3, (i) => `Later bitcoin surge ${i}`);
    h.clock.advance(MINUTE);
    expect(await h.tick()).toEqual([]);
    await h.restart();
    expect(await h.tick()).toEqual([]);
    expect(posts(h, digestId)).toHaveLength(1);
    // A second short of ten minutes after the first batch was claimed: still waiting; then due.
    h.clock.advance(9 * MINUTE - 1000);
    expect(await h.tick()).toEqual([]);
    h.clock.advance(1000);
    const second = await h.tick();
    expect(second.map((o) => [o.status, o.articles])).toEqual([['delivered', 3]]);
    expect(posts(h, digestId)).toHaveLength(2);
    expect(posts(h, digestId)[1]!.content).toMatch(/^🔔 \*\*3 new articles\*\* for “bitcoin surge”/);
    // Nothing is posted twice, by this process or after another restart.
    await h.restart();
    h.clock.advance(20 * MINUTE);
    expect(await h.tick()).toEqual([]);

    const list = await news(h, 'follows', {}, h.sandbox.users.member);
    expect(list.interaction?.ephemeral).toBe(true);
    expect((list.embeds[0] as { title: string; description: string }).description).toContain(`**#${follow!.id}** “bitcoin surge” → <#${digestId}>`);
    const choices = await h.sandbox
      .autocomplete({ name: 'news', subcommand: 'unfollow', focused: 'id', user: h.sandbox.users.admin, options: { id: 'surge' } })
      .waitFor((x) => x.choices as Array<{ name: string; value: number }> | null);
    expect(choices).toEqual([{ name: `#${follow!.id} “bitcoin surge” → #digest`, value: follow!.id }]);
    const gone = await news(h, 'unfollow', { id: follow!.id });
    expect(gone.interaction?.ephemeral).toBe(true);
    expect(gone.content).toBe(`🔕 Stopped following “bitcoin surge” in <#${digestId}>.`);
    expect(await h.bot.engine.follows.list(h.guildId)).toEqual([]);
    await land(h, 'after', 2, (i) => `Bitcoin surge after unfollow ${i}`);
    h.clock.advance(20 * MINUTE);
    expect(await h.tick()).toEqual([]);
    expect(posts(h, digestId)).toHaveLength(2);
  });

  it('GIVEN a member without Manage Server THEN follow and unfollow are refused in a reply only they see, and nothing changes', async () => {
    h = await startBotHarness();
    const digestId = h.channel('digest').id;
    const member = h.sandbox.users.member;
    const refused = await news(h, 'follow', { query: 'bitcoin', channel: digestId }, member);
    expect(refused.interaction?.ephemeral).toBe(true);
    expect(refused.content).toBe('Only members with the Manage Server permission can change what this server follows. /news follows lists them for everyone.');
    expect(await h.bot.engine.follows.list(h.guildId)).toEqual([]);
    await news(h, 'follow', { query: 'bitcoin', channel: digestId });
    const [f] = await h.bot.engine.follows.list(h.guildId);
    const unfollow = await news(h, 'unfollow', { id: f!.id }, member);
    expect(unfollow.interaction?.ephemeral).toBe(true);
    expect(unfollow.content).toMatch(/^Only members with the Manage Server permission/);
    expect(await h.bot.engine.follows.list(h.guildId)).toHaveLength(1);
  });

  it('GIVEN bad queries, a duplicate, an unknown id or the limit THEN ephemeral explanations', async () => {
    h = await startBotHarness();
    const digestId = h.channel('digest').id;
    expect((await news(h, 'follow', { query: '  ?! ', channel: digestId })).content).toBe('“?!” has no word to look for: use letters or digits, e.g. query:bitcoin etf.');
    expect((await news(h, 'follow', { query: 'a b c d e f g h i', channel: digestId })).content).toBe('A follow matches articles that have every one of its words: use at most 8.');
    expect((await news(h, 'follow', { query: 'bitcoin', channel: digestId })).content).toMatch(/^🔔 Following/);
    expect((await news(h, 'follow', { query: 'bitcoin', channel: digestId })).content).toBe(`<#${digestId}> already follows “bitcoin”.`);
    expect((await news(h, 'unfollow', { id: 999 })).content).toBe('This server has no follow #999. /news follows lists them with their ids.');
    for (let i = 1; i < 25; i++) expect((await news(h, 'follow', { query: `topic ${i}`, channel: digestId })).content).toMatch(/^🔔 Following/);
    const full = await news(h, 'follow', { query: 'one too many', channel: digestId });
    expect(full.interaction?.ephemeral).toBe(true);
    expect(full.content).toBe('This server already has 25 follows, the most it may have. Remove one with /news unfollow first.');
    const list = await news(h, 'follows');
    expect(validateMessage(list.body)).toEqual([]);
    expect((list.embeds[0] as { title: string }).title).toBe('🔔 Follows · 25/25');
  });

  it('GIVEN two bot processes on one database watching the same folder THEN a batch is posted once, by one of them', async () => {
    h = await startBotHarness({ watch: true });
    const other = await h.startAnother();
    const digestId = h.channel('digest').id;
    await news(h, 'follow', { query: 'bitcoin', channel: digestId });
    h.clock.advance(MINUTE);
    await land(h, 'burst', 50, (i) => `Bitcoin news ${i}`);
    await waitFor(() => Array.from({ length: 50 }, (_, i) => `burst/${String(i).padStart(3, '0')}`).every((id) => other.store.get(id)), { timeout: 30_000, what: 'the other process loading the files' });
    h.clock.advance(10_000);
    const [mine, theirs] = await Promise.all([h.tick(), other.engine.tick()]);
    expect([...mine, ...theirs].map((o) => o.status)).toEqual(['delivered']);
    expect(posts(h, digestId)).toHaveLength(1);
    expect(posts(h, digestId)[0]!.content).toMatch(/^🔔 \*\*50 new articles\*\*/);
    h.clock.advance(20 * MINUTE);
    await Promise.all([h.tick(), other.engine.tick()]);
    expect(posts(h, digestId)).toHaveLength(1);
  });

  it('GIVEN a batch whose post was lost after Discord applied it, a kill, and a restart past the nonce window THEN the channel has the message once', async () => {
    h = await startBotHarness({ watch: true, backoffMs: [60_000] });
    const digestId = h.channel('digest').id;
    await news(h, 'follow', { query: 'bitcoin', channel: digestId });
    h.clock.advance(MINUTE);
    await land(h, 'burst', 20, (i) => `Bitcoin news ${i}`);
    h.clock.advance(10_000);
    h.sandbox.dropNext({ method: 'POST', path: `/channels/${digestId}/messages`, when: 'after-applying' });
    void h.tick().catch(() => undefined);
    await waitFor(() => h!.sandbox.requests.some((r) => r.method === 'POST' && r.path === `/channels/${digestId}/messages` && r.status === 0), { what: 'the lost post' });
    await h.kill();
    expect(posts(h, digestId)).toHaveLength(1);

    await h.startAfterNonceWindow();
    await h.tick();
    const rows = await h.bot.digestStore.listDeliveries(h.guildId);
    expect(rows).toMatchObject([{ reason: 'follow', status: 'delivered', articleCount: 20 }]);
    expect(posts(h, digestId)).toHaveLength(1);
    expect(rows[0]!.messageIds).toEqual([posts(h, digestId)[0]!.id]);
  });
});
