import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { ArticleStore } from '../../src/content/store.ts';
import { openDatabase } from '../../src/db/database.ts';
import { createSqliteDigestStore } from '../../src/db/sqlite-digest-store.ts';
import { startDiscordSandbox, type DiscordSandbox } from '../../src/discord-sandbox/server.ts';
import { loadContentDir } from '../../src/files/content-files.ts';
import { createLogger } from '../../src/logger.ts';
import { startBot, type OpenArchive, type RunningBot } from '../../src/main.ts';
import { BOT_ARTICLES, captureLogs, manualClock } from '../support/bot-harness.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait-for.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * An archive whose load is held at 43% until `release()`: then the real loader reads the folder.
 * The bot under test is the real one; only how long its archive takes is in the test's hands.
 */
function heldArchive() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const open: OpenArchive = ({ dir, readOptions }) => {
    const store = new ArticleStore({ topics: readOptions.topics });
    let progress = { done: 43, total: 100 };
    const ready = gate.then(() => loadContentDir(dir, store, { ...readOptions, onProgress: (done, total) => void (progress = { done, total }) }));
    return { store, ready, progress: () => progress };
  };
  return { open, release };
}

/** The loopback Discord, content, a database with one digest already due, and the bot started on a held archive. */
async function startLoading() {
  const sandbox: DiscordSandbox = await startDiscordSandbox();
  cleanups.push(() => sandbox.close());
  const dir = await tempDir('news-bot-loading-');
  cleanups.push(() => dir.cleanup());
  for (const [file, text] of Object.entries(BOT_ARTICLES)) await dir.write(`content/${file}`, text);
  const guildId = sandbox.guilds[0]!.id;
  const digestChannel = sandbox.channel('digest').id;
  const dbPath = `${dir.root}/data/bot.sqlite`;
  await dir.write('data/.keep', '');
  // Due since 08:00 this morning (the clock says 18:00): the ticker would post it at its first tick.
  const seed = createSqliteDigestStore(openDatabase(dbPath));
  await seed.upsertSubscription({ guildId, channelId: digestChannel, time: '08:00', timezone: 'UTC', topics: null, nextDueAt: new Date('2026-11-21T08:00:00Z') }, new Date('2026-11-20T12:00:00Z'));
  await seed.close();

  const parsed = parseConfig({ DISCORD_TOKEN: sandbox.token, DISCORD_API_URL: sandbox.apiUrl, DISCORD_GUILD_ID: guildId, CONTENT_DIR: `${dir.root}/content`, DATABASE_PATH: dbPath });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const logs = captureLogs();
  const archive = heldArchive();
  const bot: RunningBot = await startBot({
    config: parsed.config,
    logger: createLogger({ level: 'debug', secret: sandbox.token, destination: logs.destination }),
    clock: manualClock('2026-11-21T18:00:00Z'),
    // A real ticker, fast: if it were not held back, the due digest would go out within milliseconds.
    engine: { tickMs: 20 },
    restRetries: 0,
    watch: false,
    openArchive: archive.open,
    waitForArchive: false,
  });
  cleanups.push(() => bot.stop());
  const digestPosts = () => sandbox.messages(digestChannel).filter((m) => !m.interaction);
  return { sandbox, bot, logs, guildId, digestPosts, release: archive.release };
}

describe('online while the archive loads', () => {
  it('GIVEN the archive still loading THEN the bot is online, every command answers "Loading the archive: 43%…" privately, and suggestions are empty', async () => {
    const { sandbox, logs } = await startLoading();
    expect(sandbox.connected).toBe(true);
    expect(logs.lines.some((l) => l.msg === 'logged in to Discord')).toBe(true);
    expect(logs.lines.some((l) => l.msg === 'articles loaded')).toBe(false);

    for (const input of [
      { name: 'news', subcommand: 'search', options: { query: 'musk' } },
      { name: 'news', subcommand: 'latest' },
      { name: 'news', subcommand: 'topics' },
      { name: 'digest', subcommand: 'send-now', user: sandbox.users.admin },
    ]) {
      const reply = await sandbox.runCommand(input).reply();
      expect(reply.content).toMatch(/^Loading the archive: 43%…/);
      expect(reply.interaction?.ephemeral).toBe(true);
    }
    const choices = await sandbox.autocomplete({ name: 'news', subcommand: 'impact', options: { article: 'mus' }, focused: 'article' }).waitFor((h) => h.choices);
    expect(choices).toEqual([]);
  });

  it('GIVEN a digest due while the archive loads THEN nothing is posted until it is loaded, then the digest is posted once, from the whole archive', async () => {
    const { sandbox, bot, guildId, digestPosts, release } = await startLoading();
    // Commands come and go while the 20 ms ticker runs: it has had many chances to claim the digest.
    for (let i = 0; i < 5; i++) expect((await sandbox.runCommand({ name: 'news', subcommand: 'latest' }).reply()).content).toMatch(/^Loading the archive/);
    expect(digestPosts()).toEqual([]);
    expect(await bot.digestStore.listDeliveries(guildId)).toEqual([]);

    release();
    const report = await bot.ready;
    expect(report.loaded).toBe(Object.keys(BOT_ARTICLES).length);
    const delivered = await waitFor(async () => (await bot.digestStore.listDeliveries(guildId)).find((d) => d.status === 'delivered'), { what: 'the digest delivered', timeout: 10_000 });
    // Built from the whole archive: both articles of the 24 h before the 08:00 slot are in it.
    expect(delivered.articleCount).toBe(2);
    const posts = digestPosts();
    expect(posts.length).toBeGreaterThan(0);
    expect(posts[0]!.content).toMatch(/\*\*2\*\* articles/);

    // Commands now answer in full; and however many more ticks run, the digest is not posted again.
    const search = await sandbox.runCommand({ name: 'news', subcommand: 'search', options: { query: 'musk' } }).reply();
    expect(search.embeds[0]!.title).toBe('Results 1–5 of 7 for “musk”');
    await sandbox.runCommand({ name: 'news', subcommand: 'latest' }).reply();
    expect(digestPosts()).toHaveLength(posts.length);
    expect(await bot.digestStore.listDeliveries(guildId)).toHaveLength(1);
  });
});
