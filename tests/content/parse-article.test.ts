import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ParsedArticle } from '../../src/content/article.ts';
import { articleId, parseArticle, type ParseResult } from '../../src/content/parse-article.ts';
import { createTopicCanonicaliser } from '../../src/content/topics.ts';

const NOW = new Date('2026-11-27T12:00:00Z');

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/reference-like/${name}`, import.meta.url)), 'utf8');

function article(r: ParseResult): ParsedArticle {
  if (r.kind !== 'article') throw new Error(`expected an article, got ${JSON.stringify(r)}`);
  return ParsedArticle.parse(r.article);
}

function issueOf(r: ParseResult) {
  if (r.kind !== 'issue') throw new Error(`expected an issue, got ${r.kind}`);
  return r.issue;
}

describe('parseArticle — schema A (rewritten RSS story)', () => {
  const a = article(parseArticle({ file: 'news/schema-a.md', text: fixture('schema-a.md') }, { now: NOW }));

  it('GIVEN mojibake in the description THEN it is repaired', () => {
    expect(a.summary).toBe('A regulator asked the issuer to explain a shortfall in its reserves, which…');
  });

  it('GIVEN no URL field THEN url is null, not a broken link', () => {
    expect(a.url).toBeNull();
  });

  it('GIVEN OTHER next to ARTIFICIAL INTELLIGENCE THEN the topics are just AI', () => {
    expect(a.topics).toEqual(['AI']);
  });

  it('GIVEN an impact section THEN its bullets are extracted without markup, and later sections are ignored', () => {
    expect(a.impact).toEqual(['Pressure on reserve transparency may grow across issuers.', 'Traders could rotate into competing stablecoins.']);
  });

  it('GIVEN sentiment NEGATIVE in front matter THEN it is kept and marked as from front matter', () => {
    expect(a.sentiment).toBe('negative');
    expect(a.sentimentSource).toBe('frontmatter');
  });

  it('maps the remaining fields', () => {
    expect(a).toMatchObject({
      id: 'news/schema-a',
      schema: 'rss-rewritten',
      title: 'Regulators Question Stablecoin Issuer Over Reserve Gaps',
      source: 'Sample Wire',
      externalId: '99001',
      aiRewritten: true,
      imageUrl: 'https://images.example.com/photo-1?w=1080&q=80',
    });
    expect(a.publishedAt.toISOString()).toBe('2026-02-03T09:30:00.000Z');
  });
});

describe('parseArticle — schema B (aggregator entry)', () => {
  const b = article(parseArticle({ file: 'schema-b.md', text: fixture('schema-b.md') }, { now: NOW }));

  it('GIVEN no body THEN it still loads, with no impact bullets', () => {
    expect(b.impact).toEqual([]);
    expect(b.summary).toMatch(/^The chip maker's chief executive dismissed/);
  });

  it('GIVEN &#038; inside an image URL THEN it is decoded to &', () => {
    expect(b.imageUrl).toBe('https://news.example.com/uploads/chips.png?fit=750%2C600&strip=all');
  });

  it('GIVEN an unquoted YAML timestamp THEN it is the same Date as the quoted string', () => {
    const quoted = article(parseArticle({ file: 'q.md', text: fixture('schema-b.md').replace('publishedDateTime: 2024-05-07T00:27:00Z', "publishedDateTime: '2024-05-07T00:27:00Z'") }, { now: NOW }));
    expect(b.publishedAt.toISOString()).toBe('2024-05-07T00:27:00.000Z');
    expect(quoted.publishedAt.getTime()).toBe(b.publishedAt.getTime());
  });

  it('GIVEN no sentiment THEN one is inferred from the title and excerpt and marked inferred', () => {
    // "dismissed the threat" scores negative in the lexicon.
    expect(b.sentimentSource).toBe('inferred');
    expect(b.sentiment).toBe('negative');
    // Same file, upbeat wording: the inference follows the text, it is not a constant.
    const upbeat = article(
      parseArticle({
        file: 'upbeat.md',
        text: fixture('schema-b.md')
          .replace(`title: "Chip Maker Shrugs Off Rival's New Accelerator"`, 'title: "Chip Maker Celebrates Record Growth"')
          .replace(/^excerpt: .*$/m, 'excerpt: "Investors praised the excellent results and the strong, successful launch."'),
      }, { now: NOW }),
    );
    expect(upbeat).toMatchObject({ sentiment: 'positive', sentimentSource: 'inferred' });
  });

  it('maps url, source, score, related stories', () => {
    expect(b.url).toBe('https://news.example.com/chips/shrugs-off-rival/');
    expect(b.source).toBe('Example Tech');
    expect(b.score).toBe(70);
    expect(b.related).toEqual([
      { title: 'Inside the accelerator race', url: 'https://other.example.org/accelerator-race', source: 'otherexample', publishedAt: new Date('2024-05-09T19:00:00Z') },
    ]);
  });
});

describe('parseArticle — bad and unsafe input', () => {
  it('GIVEN ---js front matter THEN it is rejected with a reason AND no code ran', () => {
    const g = globalThis as { __newsBotPwned?: boolean };
    delete g.__newsBotPwned;
    for (const lang of ['js', 'javascript']) {
      const r = parseArticle({ file: `evil-${lang}.md`, text: `---${lang}\n{ title: (globalThis.__newsBotPwned = true, 'x'), publishedAt: '2026-01-01' }\n---\nbody` }, { now: NOW });
      expect(issueOf(r)).toEqual({ file: `evil-${lang}.md`, path: '', message: expect.stringMatching(/JavaScript front matter is not allowed/) });
    }
    expect(g.__newsBotPwned).toBeUndefined();
  });

  it('GIVEN another front-matter language THEN it is refused as unsupported', () => {
    expect(issueOf(parseArticle({ file: 'c.md', text: '---coffee\ntitle: "x"\n---\n' }, { now: NOW })).message).toBe('Unsupported front-matter language "coffee": write it in YAML (---) or JSON (---json)');
  });

  it('GIVEN a javascript: link THEN it never becomes the url', () => {
    const r = article(parseArticle({ file: 'x.md', text: '---\ntitle: T\npublishedDateTime: 2026-01-01T00:00:00Z\nwebUrl: "javascript:alert(1)"\noriginalUrl: "https://ok.example.com/a"\n---\n' }, { now: NOW }));
    expect(r.url).toBe('https://ok.example.com/a');
    const none = article(parseArticle({ file: 'y.md', text: '---\ntitle: T\npublishedDateTime: 2026-01-01T00:00:00Z\nwebUrl: "javascript:alert(1)"\n---\n' }, { now: NOW }));
    expect(none.url).toBeNull();
  });

  it('GIVEN draft: true or published: false THEN the file is excluded, not an error', () => {
    expect(parseArticle({ file: 'd.md', text: '---\ntitle: T\npublishedAt: 2026-01-01T00:00:00Z\ndraft: true\n---\n' }, { now: NOW })).toEqual({ kind: 'excluded', file: 'd.md', reason: 'draft: true' });
    expect(parseArticle({ file: 'p.md', text: '---\ntitle: T\npublishedDateTime: 2026-01-01T00:00:00Z\npublished: false\n---\n' }, { now: NOW })).toEqual({ kind: 'excluded', file: 'p.md', reason: 'published: false' });
  });

  it('GIVEN an invalid date THEN the issue names the file, the field and the reason', () => {
    expect(issueOf(parseArticle({ file: 'bad/date.md', text: '---\ntitle: T\npublishedAt: not-a-date\n---\n' }, { now: NOW }))).toEqual({
      file: 'bad/date.md',
      path: 'publishedAt',
      message: expect.stringMatching(/^Not a date/),
    });
  });

  it('GIVEN a nested field of the wrong type THEN the path is dotted', () => {
    const r = issueOf(parseArticle({ file: 'n.md', text: '---\ntitle: T\npublishedDateTime: 2026-01-01T00:00:00Z\nimages:\n  - url: [1, 2]\n---\n' }, { now: NOW }));
    expect(r.path).toBe('images.0.url');
  });

  it('GIVEN a missing title THEN the issue says it is required', () => {
    expect(issueOf(parseArticle({ file: 't.md', text: '---\npublishedAt: 2026-01-01T00:00:00Z\n---\n' }, { now: NOW }))).toMatchObject({ path: 'title', message: 'is required but missing' });
  });

  it('GIVEN an unknown sentiment value THEN it is an issue on that field', () => {
    expect(issueOf(parseArticle({ file: 's.md', text: '---\ntitle: T\npublishedAt: 2026-01-01T00:00:00Z\nsentiment: BULLISH\n---\n' }, { now: NOW }))).toMatchObject({ path: 'sentiment' });
  });

  it('GIVEN broken YAML or no front matter THEN a readable issue, never an exception', () => {
    expect(issueOf(parseArticle({ file: 'y.md', text: '---\ntitle: [unclosed\n---\n' }, { now: NOW })).message).toMatch(/Invalid YAML front matter/);
    expect(issueOf(parseArticle({ file: 'n.md', text: '# Just markdown' }, { now: NOW })).message).toMatch(/No front matter/);
    expect(issueOf(parseArticle({ file: 'e.md', text: '---\n---\nbody' }, { now: NOW })).message).toMatch(/Empty front matter/);
  });

  it('GIVEN extra unknown fields THEN they are allowed', () => {
    expect(parseArticle({ file: 'x.md', text: '---\ntitle: T\npublishedAt: 2026-01-01T00:00:00Z\nsomethingNew: { a: 1 }\n---\n' }, { now: NOW }).kind).toBe('article');
  });

  it('GIVEN topic overrides THEN they apply', () => {
    const topics = createTopicCanonicaliser({ 'Chips': 'Semiconductors' });
    const r = article(parseArticle({ file: 'x.md', text: '---\ntitle: T\npublishedDateTime: 2026-01-01T00:00:00Z\ntopics: [CHIPS]\n---\n' }, { topics, now: NOW }));
    expect(r.topics).toEqual(['Semiconductors']);
  });
});

describe('articleId', () => {
  it('is the relative path without .md, slugified', () => {
    expect(articleId('News/2026/Élan Café & Co.md')).toBe('news/2026/elan-cafe-co');
  });

  it('GIVEN a very long path THEN the id is at most 100 characters and still distinct', () => {
    const a = articleId(`${'x'.repeat(150)}-one.md`);
    const b = articleId(`${'x'.repeat(150)}-two.md`);
    expect(a.length).toBeLessThanOrEqual(100);
    expect(a).not.toBe(b);
    expect(articleId(`${'x'.repeat(150)}-one.md`)).toBe(a);
  });
});

/** Nine anchors, each a list of nine aliases of the previous one: 9^10 leaves from about 400 bytes. */
function aliasBomb(field: string, schema: 'A' | 'B'): string {
  const lines = ['---', 'title: Bomb', schema === 'A' ? 'publishedAt: 2026-11-21T10:00:00Z' : 'publishedDateTime: 2026-11-21T10:00:00Z', 'a: &a ["x","x","x","x","x","x","x","x","x"]'];
  const names = 'abcdefghij';
  for (let i = 1; i < names.length; i++) lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(',')}]`);
  lines.push(`${field}: *j`, '---', '');
  return lines.join('\n');
}

function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

describe('parseArticle — a hostile file is refused quickly', () => {
  it.each([
    ['tags', 'A'],
    ['score', 'A'],
    ['topics', 'B'],
  ] as const)('GIVEN a 400-byte YAML alias bomb in %s THEN the file is skipped and named within a second', (field, schema) => {
    const text = aliasBomb(field, schema);
    expect(text.length).toBeLessThan(500);
    const { value, ms } = timed(() => parseArticle({ file: 'bomb.md', text }, { now: NOW }));
    expect(issueOf(value)).toEqual({ file: 'bomb.md', path: '', message: expect.stringMatching(/more than 100,000 values, counting each YAML alias/) });
    expect(ms).toBeLessThan(1000);
  });

  it.each(['tags', 'score'])('GIVEN a 1 MB string aliased 45,000 times in %s THEN the file is skipped and named within a second', (field) => {
    const text = ['---', 'title: T', 'publishedAt: 2026-11-21T10:00:00Z', `s: &s "${'x'.repeat(1_000_000)}"`, `l: &l [${Array(450).fill('*s').join(',')}]`, `m: &m [${Array(100).fill('*l').join(',')}]`, `${field}: *m`, '---', ''].join('\n');
    const { value, ms } = timed(() => parseArticle({ file: 'long.md', text }, { now: NOW }));
    expect(issueOf(value)).toEqual({ file: 'long.md', path: '', message: expect.stringMatching(/more than 4,000,000 characters of text, counting each YAML alias/) });
    expect(ms).toBeLessThan(1000);
  });

  it('GIVEN a few legitimate aliases THEN the file still loads', () => {
    const r = article(parseArticle({ file: 'ok.md', text: '---\ntitle: T\npublishedAt: 2026-11-21T10:00:00Z\ncommon: &t [ETH, DeFi]\ntags: *t\n---\n' }, { now: NOW }));
    expect(r.topics).toEqual(['Ethereum', 'DeFi']);
  });

  it('GIVEN an alias inside its own anchor THEN the file is refused, not looped over', () => {
    const r = issueOf(parseArticle({ file: 'loop.md', text: '---\ntitle: T\npublishedAt: 2026-11-21T10:00:00Z\ntags: &t [a, *t]\n---\n' }, { now: NOW }));
    expect(r).toMatchObject({ file: 'loop.md', path: '' });
  });

  it('GIVEN ---JS or ---Javascript in any case THEN it is refused and never evaluated', () => {
    const g = globalThis as { __newsBotPwnedAgain?: boolean };
    for (const lang of ['JS', 'Javascript', ' js ']) {
      const r = parseArticle({ file: 'evil.md', text: `---${lang}\n{ title: (globalThis.__newsBotPwnedAgain = true, 'x') }\n---\n` }, { now: NOW });
      expect(issueOf(r).message).toMatch(/JavaScript front matter is not allowed/);
    }
    expect(g.__newsBotPwnedAgain).toBeUndefined();
  });

  it('GIVEN a 200 KB body of `_a__` under the impact heading THEN it is handled in under a second', () => {
    const body = `## Impact on the crypto market\n\n- ${'_a__'.repeat(50_000)}\n\n${'_a__'.repeat(50_000)}\n`;
    for (const description of ['description: D\n', '']) {
      const { value, ms } = timed(() => parseArticle({ file: 'slow.md', text: `---\ntitle: T\n${description}publishedAt: 2026-11-21T10:00:00Z\n---\n${body}` }, { now: NOW }));
      expect(value.kind).toBe('article');
      expect(ms).toBeLessThan(1000);
    }
  });

  it('GIVEN a body just under the 2 MB cap, with no summary, THEN it is handled in under a second', () => {
    const body = `${'_a__ *b** [c]( '.repeat(127_000)}\n## Impact on the crypto market\n- ${'_a__'.repeat(10_000)}\n`;
    expect(body.length).toBeGreaterThan(1_900_000);
    const { value, ms } = timed(() => parseArticle({ file: 'huge.md', text: `---\ntitle: T\npublishedAt: 2026-11-21T10:00:00Z\n---\n${body}` }, { now: NOW }));
    expect(article(value).impact).toHaveLength(1);
    expect(ms).toBeLessThan(1000);
  });
});

describe('parseArticle — dates mean one instant', () => {
  const at = (value: string, options: { now?: Date; timeZone?: string } = {}) =>
    parseArticle({ file: 'd.md', text: `---\ntitle: T\npublishedAt: ${value}\n---\n` }, { now: options.now ?? NOW, timeZone: options.timeZone });

  it.each([
    ['2026-13-45', /not a real calendar date/],
    ['2026-02-30', /not a real calendar date/],
    ["'2026-02-30T10:00:00Z'", /not a real calendar date/],
    ['2026-11-21T25:00:00Z', /not a real time/],
    ['true', /true is not a date/],
    ['0', /a number is not a date/],
    ['-1', /a number is not a date/],
    ['8640000000000000', /a number is not a date/],
    ['1989-12-31T23:59:59Z', /before 1990-01-01/],
    ['2026-11-28T12:00:01Z', /more than a day after now/],
    ["'Sat, 21 Nov 2026 10:00:00 GMT'", /Not a date.*ISO 8601/],
  ])('GIVEN publishedAt: %s THEN the file is skipped, naming the field and the reason', (value, reason) => {
    const r = issueOf(at(value));
    expect(r).toEqual({ file: 'd.md', path: 'publishedAt', message: expect.stringMatching(reason) });
  });

  it('GIVEN the range limits THEN 1990-01-01 and exactly one day ahead are accepted', () => {
    expect(article(at('1990-01-01')).publishedAt.toISOString()).toBe('1990-01-01T00:00:00.000Z');
    expect(article(at('2026-11-28T12:00:00Z')).publishedAt.toISOString()).toBe('2026-11-28T12:00:00.000Z');
    expect(article(at('2024-02-29')).publishedAt.toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  it('GIVEN a date in a related story THEN it is checked too, with its path', () => {
    const r = parseArticle(
      { file: 'r.md', text: '---\ntitle: T\npublishedDateTime: 2026-11-21T10:00:00Z\nrelated:\n  - title: Other\n    publishedDateTime: 2026-02-30\n---\n' },
      { now: NOW },
    );
    expect(issueOf(r)).toMatchObject({ path: 'related.0.publishedDateTime', message: expect.stringMatching(/not a real calendar date/) });
  });

  it('GIVEN a zoneless timestamp, quoted or not THEN it is UTC; with a content time zone THEN it is local time there', () => {
    for (const value of ["'2026-11-21 10:00:00'", '2026-11-21 10:00:00', '2026-11-21T10:00:00', "'2026-11-21T10:00'"]) {
      expect(article(at(value)).publishedAt.toISOString(), value).toBe('2026-11-21T10:00:00.000Z');
      expect(article(at(value, { timeZone: 'America/New_York' })).publishedAt.toISOString(), value).toBe('2026-11-21T15:00:00.000Z');
    }
    // A zone written in the value always wins over the content time zone.
    expect(article(at("'2026-11-21 10:00:00 +02:00'", { timeZone: 'America/New_York' })).publishedAt.toISOString()).toBe('2026-11-21T08:00:00.000Z');
    expect(article(at('2026-11-21T10:00:00.5-0500')).publishedAt.toISOString()).toBe('2026-11-21T15:00:00.500Z');
  });
});

describe('parseArticle — formats and error texts', () => {
  it('GIVEN ---json front matter THEN it is accepted like YAML', () => {
    const r = article(parseArticle({ file: 'j.md', text: '---json\n{ "title": "From JSON", "publishedAt": "2026-11-21T10:00:00Z", "tags": ["ETH"] }\n---\nBody.\n' }, { now: NOW }));
    expect(r).toMatchObject({ title: 'From JSON', topics: ['Ethereum'] });
    expect(r.publishedAt.toISOString()).toBe('2026-11-21T10:00:00.000Z');
  });

  it('GIVEN broken JSON front matter THEN the issue says it is JSON', () => {
    expect(issueOf(parseArticle({ file: 'j.md', text: '---json\n{ "title": \n---\n' }, { now: NOW })).message).toMatch(/^Invalid JSON front matter/);
  });

  it('GIVEN a field error THEN the path is said once, with a human reason', () => {
    const r = issueOf(parseArticle({ file: 't.md', text: '---\ntitle: T\npublishedAt: 2026-11-21T10:00:00Z\ntags: [{ a: 1 }]\n---\n' }, { now: NOW }));
    expect(r).toEqual({ file: 't.md', path: 'tags.0', message: 'must be text or a number, not an object' });
  });
});

describe('parseArticle — front-matter values zod converts', () => {
  const parse = (frontMatter: string) => parseArticle({ file: 'x.md', text: `---\n${frontMatter}\n---\n` }, { now: NOW });

  it('GIVEN numbers written as text and text written as numbers THEN they are converted as before', () => {
    const a = article(parse("title: T\npublishedAt: '2026-11-21T10:00:00Z'\nscore: '3'\nexternalId: 5\ntags: [BTC, 5]\ndraft: 'false'"));
    expect({ score: a.score, externalId: a.externalId, topics: a.topics }).toEqual({ score: 3, externalId: '5', topics: ['Bitcoin', '5'] });
  });

  it('GIVEN an empty date THEN it counts as missing', () => {
    expect(issueOf(parse("title: T\npublishedAt: ''"))).toEqual({ file: 'x.md', path: 'publishedAt', message: 'is required but missing' });
  });

  it('GIVEN an infinite number THEN the field is named', () => {
    expect(issueOf(parse('title: T\npublishedAt: 2026-11-21T10:00:00Z\nstickyWeight: .inf'))).toEqual({ file: 'x.md', path: 'stickyWeight', message: 'must be a number, not not a finite number' });
  });

  it('GIVEN related stories with an empty and a real date THEN the empty one has no date', () => {
    const b = article(parse("title: T\npublishedDateTime: 2026-11-21T10:00:00Z\nquality: '80'\nheat: 20\nrelated:\n  - title: R\n    publishedDateTime: ''\n  - title: S\n    publishedDateTime: 2026-11-20T10:00:00Z"));
    expect(b.score).toBe(50);
    expect(b.related.map((r) => [r.title, r.publishedAt?.toISOString() ?? null])).toEqual([
      ['R', null],
      ['S', '2026-11-20T10:00:00.000Z'],
    ]);
  });
});
