import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/news.ts';

const GOOD = fileURLToPath(new URL('../fixtures/cli-content/good', import.meta.url));

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...argv, '--content', GOOD], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
    now: () => new Date('2026-11-21T18:00:00Z'),
  });
  return { code, stdout, stderr };
}

const ids = (stdout: string) => (JSON.parse(stdout) as Array<{ id: string }>).map((a) => a.id);

describe('news search: typos and suggestions', () => {
  it('GIVEN a misspelt word THEN the close spelling matches and is named', async () => {
    const r = await run('search', 'exchnage');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1 result for "exchnage":\n {2}\(close spellings of "exchnage": exchange, exchanges\)\n {2}1\. Exchange Outage Frustrates Traders/);
    expect(ids((await run('search', 'muks', '--json')).stdout)).toEqual(['ai-lab-raises']);
  });

  it('GIVEN nothing matches THEN the closest archive word is suggested', async () => {
    // Two swaps in a 6-letter word: past the one edit a search allows, within the two a suggestion may.
    const none = await run('search', 'otugae');
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('0 results for "otugae".\nDid you mean: outage?\n');
  });
});

describe('news search: filters', () => {
  it('GIVEN --topic, --sentiment, --source, --since and --sort THEN each narrows or orders the results', async () => {
    expect(ids((await run('search', 'desk', '--source', 'desk two', '--json')).stdout).sort()).toEqual(['exchange-outage', 'quiet-filing']);
    expect(ids((await run('search', 'desk', '--since', '12h', '--json')).stdout)).toEqual(['exchange-outage']);
    expect(ids((await run('search', 'desk', '--since', '2026-11-21', '--sort', 'newest', '--json')).stdout)).toEqual(['exchange-outage']);
    expect(ids((await run('search', 'desk', '--sort', 'newest', '--json')).stdout)).toEqual(['exchange-outage', 'quiet-filing']);
    expect(ids((await run('search', 'desk', '--topic', 'mining', '--json')).stdout)).toEqual(['quiet-filing']);
    expect(ids((await run('search', 'desk', '--sentiment', 'negative', '--json')).stdout)).toEqual(['exchange-outage']);
    const text = await run('search', 'desk', '--source', 'Desk Two', '--since', '7d', '--sort', 'newest');
    expect(text.stdout).toMatch(/^2 results for "desk" \(source Desk Two, last 7 days, newest first\):\n {2}1\. Exchange Outage/);
  });

  it('GIVEN a bad filter value THEN the usage and exit 2, saying what is accepted', async () => {
    for (const [argv, message] of [
      [['--since', 'yesterday'], 'news: --since: “yesterday” is not a period. Use 24h, 7d, 30d or a date such as 2026-11-20.'],
      [['--since', '2026-02-30'], 'news: --since: “2026-02-30” is not a real date.'],
      [['--sort', 'oldest'], 'news: --sort: “oldest” is not a sort. Use relevance (best match first) or newest.'],
      [['--source', 'Nobody'], 'news: --source "Nobody" is not a source of the archive (known: Desk Two, Wire One)'],
      [['--topic', 'Gardening'], 'news: --topic "Gardening" is not a topic of the archive'],
      [['--sentiment', 'happy'], 'news: --sentiment must be one of positive, negative, neutral (got "happy")'],
    ] as const) {
      const r = await run('search', 'desk', ...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('Usage: news <command>');
    }
  });
});

describe('news impact --topic', () => {
  it('GIVEN a topic and a period THEN its bullets by sentiment; nothing in the period exits 1', async () => {
    const r = await run('impact', '--topic', 'ai', '--since', '7d');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'Impact on the crypto market · AI · last 7 days: 1 article with impact notes',
        '',
        'POSITIVE (1)',
        '  AI Lab Raises Money From Musk Allies — Wire One · 2026-11-21',
        '    • AI tokens may rally.',
        '    • Compute networks could see demand.',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await run('impact', '--topic', 'AI', '--json')).stdout) as { topic: string; groups: Array<{ sentiment: string; articles: unknown[] }> };
    expect(json.topic).toBe('AI');
    expect(json.groups.map((g) => [g.sentiment, g.articles.length])).toEqual([
      ['positive', 1],
      ['negative', 0],
      ['neutral', 0],
    ]);
    const none = await run('impact', '--topic', 'mining');
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('Impact on the crypto market · Mining · last 7 days: 0 articles with impact notes\n');
  });

  it('GIVEN --since with an article, or an article and --topic THEN exit 2', async () => {
    expect((await run('impact', 'ai-lab-raises', '--since', '7d')).code).toBe(2);
    expect((await run('impact', 'ai-lab-raises', '--topic', 'AI')).code).toBe(2);
  });
});
