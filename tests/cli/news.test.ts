import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/news.ts';
import { tempDir } from '../support/temp-dir.ts';

const GOOD = fileURLToPath(new URL('../fixtures/cli-content/good', import.meta.url));
const BAD = fileURLToPath(new URL('../fixtures/cli-content/bad', import.meta.url));
const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));

async function run(...argv: string[]) {
  return runWith({}, ...argv);
}

async function runWith(env: Record<string, string>, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    now: () => new Date('2026-11-21T18:00:00Z'),
  });
  return { code, stdout, stderr };
}

describe('news CLI', () => {
  it('validate: counts and exit 0 on a clean folder', async () => {
    const r = await run('validate', '--content', GOOD);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('3 loaded, 0 skipped, 0 excluded\n');
    expect(r.stderr).toMatch(/3 files · 3 loaded · 0 skipped/);
  });

  it('validate: names each skipped file with field and reason, exit 1, and --json', async () => {
    const r = await run('validate', '--content', BAD);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('3 loaded, 1 skipped, 0 excluded');
    expect(r.stdout).toContain('✗ broken.md: publishedAt: Not a date: "someday"');
    const j = await run('validate', '--content', BAD, '--json');
    expect(JSON.parse(j.stdout)).toEqual({ loaded: 3, skipped: [{ file: 'broken.md', path: 'publishedAt', message: expect.stringMatching(/^Not a date/) }], notices: [] });
  });

  it('latest: newest first, with filters and JSON keys', async () => {
    const r = await run('latest', '--content', GOOD, '--json');
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(list.map((a) => a.id)).toEqual(['exchange-outage', 'ai-lab-raises', 'quiet-filing']);
    expect(Object.keys(list[0]!)).toEqual(['id', 'title', 'url', 'source', 'publishedAt', 'topics', 'sentiment', 'sentimentSource', 'summary', 'impact']);
    expect(list[0]!.publishedAt).toBe('2026-11-21T15:00:00.000Z');
    const ai = await run('latest', '--content', GOOD, '--topic', 'artificial intelligence', '--count', '1');
    expect(ai.stdout).toMatch(/^Latest 1 article \(topic artificial intelligence\):\n {2}1\. AI Lab Raises Money From Musk Allies/);
    const neg = JSON.parse((await run('latest', '--content', GOOD, '--sentiment', 'NEGATIVE', '--json')).stdout);
    expect(neg.map((a: { id: string }) => a.id)).toEqual(['exchange-outage']);
  });

  it('search: best first, and a clear error for an empty query', async () => {
    const r = await run('search', 'mus', '--content', GOOD);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1 result for "mus":\n {2}1\. AI Lab Raises Money From Musk Allies/);
    const empty = await run('search', '  ', '--content', GOOD);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/Type at least one word/);
  });

  it('search: a query over 200 characters is cut and the output says so', async () => {
    const r = await run('search', `musk ${'y'.repeat(250)}`, '--content', GOOD);
    expect(r.stdout).toContain('(query cut to 200 characters)');
  });

  it('impact: bullets by id or query, or a clear line when there is no section', async () => {
    const r = await run('impact', 'ai-lab-raises', '--content', GOOD);
    expect(r.stdout).toContain('Impact on the crypto market:\n  • AI tokens may rally.\n  • Compute networks could see demand.');
    const none = await run('impact', 'exchange outage', '--content', GOOD);
    expect(none.stdout).toContain('This article has no "Impact on the crypto market" section.');
    const json = JSON.parse((await run('impact', 'ai-lab-raises', '--content', GOOD, '--json')).stdout);
    expect(json).toMatchObject({ id: 'ai-lab-raises', impact: ['AI tokens may rally.', 'Compute networks could see demand.'] });
    expect((await run('impact', 'nothing matches this', '--content', GOOD)).code).toBe(1);
  });

  it('digest: the calendar day in the zone, grouped, and --json with the exact payloads', async () => {
    const utc = await run('digest', '--date', '2026-11-21', '--content', GOOD);
    expect(utc.stdout).toMatch(/^Digest for 2026-11-21 \(UTC\): 2 articles — 1 positive, 1 negative, 0 neutral/);
    // 23:30 UTC on the 20th is already the 21st in Paris.
    const paris = JSON.parse((await run('digest', '--date', '2026-11-21', '--tz', 'Europe/Paris', '--content', GOOD, '--json')).stdout);
    expect(paris).toMatchObject({ date: '2026-11-21', timezone: 'Europe/Paris', total: 3 });
    expect(paris.groups).toEqual([
      { sentiment: 'positive', topics: [{ topic: 'AI', articles: ['ai-lab-raises'] }] },
      { sentiment: 'negative', topics: [{ topic: 'Exchanges', articles: ['exchange-outage'] }] },
      { sentiment: 'neutral', topics: [{ topic: 'Mining', articles: ['quiet-filing'] }] },
    ]);
    expect(paris.messages[0].allowed_mentions).toEqual({ parse: [] });
    // The top stories first (all three, the default being five), then one embed per sentiment.
    expect(paris.messages[0].embeds.map((e: { title: string }) => e.title)).toEqual(['⭐ Top 3 stories', '🟢 Positive · 1', '🔴 Negative · 1', '⚪ Neutral · 1']);
    expect(paris.top.map((t: { id: string }) => t.id)).toHaveLength(3);
    expect(paris.mood.days).toHaveLength(14);
    expect(paris.mood.text).toMatch(/% /);
    const top = await run('digest', '--date', '2026-11-21', '--tz', 'Europe/Paris', '--top', '1', '--content', GOOD);
    expect(top.stdout).toMatch(/\nMarket mood: .+\n\nTOP STORIES \(1\)\n {2}1\. /);
    expect((await run('digest', '--top', '11', '--content', GOOD)).code).toBe(2);
    const today = await run('digest', '--content', GOOD);
    expect(today.stdout).toMatch(/^Digest for 2026-11-21 \(UTC\)/);
  });

  it('digest --week covers the 7 local days ending with the date, and --topics keeps only those topics', async () => {
    // The 20 November 23:30 UTC article is outside the UTC day of the 21st but inside the week ending on it.
    const week = await run('digest', '--date', '2026-11-21', '--week', '--content', GOOD);
    expect(week.stdout).toMatch(/^Digest for the week ending 2026-11-21 \(UTC\): 3 articles — 1 positive, 1 negative, 1 neutral/);
    const json = JSON.parse((await run('digest', '--date', '2026-11-21', '--week', '--topics', 'mining,exchanges', '--content', GOOD, '--json')).stdout);
    expect(json).toMatchObject({ days: 7, topics: ['Mining', 'Exchanges'], total: 2 });
    expect(json.groups).toEqual([
      { sentiment: 'negative', topics: [{ topic: 'Exchanges', articles: ['exchange-outage'] }] },
      { sentiment: 'neutral', topics: [{ topic: 'Mining', articles: ['quiet-filing'] }] },
    ]);
    const unknown = await run('digest', '--topics', 'Bitcoin', '--content', GOOD);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--topic "Bitcoin" is not a topic of the archive');
    expect((await run('digest', '--topics', ' , ', '--content', GOOD)).stderr).toContain('--topics needs one or more topics');
    expect((await run('latest', '--week', '--content', GOOD)).stderr).toContain('--week does not apply to "latest"');
  });

  it('bad arguments: usage and exit 2', async () => {
    for (const argv of [['frobnicate'], ['latest', '--count', '0'], ['latest', '--sentiment', 'happy'], ['digest', '--tz', 'Mars/Base'], ['digest', '--date', '2026-02-30'], ['search'], ['latest', '--bogus'], ['search', 'x', '--tz', 'UTC'], []]) {
      const r = await run(...argv, '--content', GOOD);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain('Usage: news <command>');
    }
    const missing = await run('validate', '--content', '/no/such/dir');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);
  });

  it('GIVEN TOPIC_ALIASES THEN topics merge as in the bot; GIVEN a malformed table THEN exit 2', async () => {
    const r = await runWith({ TOPIC_ALIASES: 'mining=Energy' }, 'latest', '--topic', 'energy', '--json', '--content', GOOD);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ id: 'quiet-filing', topics: ['Energy'] })]);
    const bad = await runWith({ TOPIC_ALIASES: 'nonsense' }, 'validate', '--content', GOOD);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('TOPIC_ALIASES: "nonsense" is not of the form alias=Label');
  });

  it('runs as the installed `news` bin, with real exit codes', async () => {
    const exec = promisify(execFile);
    const ok = await exec(process.execPath, [BIN, 'search', 'musk', '--content', GOOD, '--json']);
    expect(JSON.parse(ok.stdout)[0].id).toBe('ai-lab-raises');
    await expect(exec(process.execPath, [BIN, 'validate', '--content', BAD])).rejects.toMatchObject({ code: 1 });
    await expect(exec(process.execPath, [BIN, 'nope'])).rejects.toMatchObject({ code: 2 });
  });

  it('GIVEN a zoneless timestamp THEN `news latest --json` gives the same instant under TZ=UTC and TZ=America/New_York', async () => {
    const exec = promisify(execFile);
    const d = await tempDir();
    try {
      const fields = (date: string) => `---\ntitle: Zoneless ${date.length}\npublishedAt: ${date}\n---\n`;
      await d.write('quoted.md', fields("'2026-11-21 10:00:00'"));
      await d.write('unquoted.md', fields('2026-11-21T10:00'));
      const instants = async (env: Record<string, string>) => {
        const { stdout } = await exec(process.execPath, [BIN, 'latest', '--json', '--content', d.root], { env: { ...process.env, CONTENT_TIMEZONE: '', ...env } });
        return (JSON.parse(stdout) as Array<{ publishedAt: string }>).map((a) => a.publishedAt);
      };
      const utc = await instants({ TZ: 'UTC' });
      expect(utc).toEqual(['2026-11-21T10:00:00.000Z', '2026-11-21T10:00:00.000Z']);
      expect(await instants({ TZ: 'America/New_York' })).toEqual(utc);
      // CONTENT_TIMEZONE, not the server's zone, says where a zoneless time is local.
      expect(await instants({ TZ: 'UTC', CONTENT_TIMEZONE: 'America/New_York' })).toEqual(['2026-11-21T15:00:00.000Z', '2026-11-21T15:00:00.000Z']);
    } finally {
      await d.cleanup();
    }
  });

  it('GIVEN an unknown CONTENT_TIMEZONE THEN exit 2 with the variable named', async () => {
    const r = await runWith({ CONTENT_TIMEZONE: 'Mars/Base' }, 'validate', '--content', GOOD);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CONTENT_TIMEZONE: must be an IANA time zone');
  });

  it('GIVEN an article cut by the index bound THEN validate lists it as a notice and still exits 0', async () => {
    const d = await tempDir();
    try {
      const words = Array.from({ length: 3_000 }, (_, i) => `w${i}`).join(' ');
      await d.write('wordy.md', `---\ntitle: Wordy\ndescription: ${words}\npublishedAt: 2026-11-21T10:00:00Z\n---\n`);
      const r = await run('validate', '--content', d.root);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^1 loaded, 0 skipped, 0 excluded, 1 notice\n {2}! wordy\.md: only the first 2,000 distinct words are searchable/);
    } finally {
      await d.cleanup();
    }
  });
});
