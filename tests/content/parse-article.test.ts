import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Article } from '../../src/content/article.ts';
import { articleId, parseArticle, type ParseResult } from '../../src/content/parse-article.ts';
import { createTopicCanonicaliser } from '../../src/content/topics.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/reference-like/${name}`, import.meta.url)), 'utf8');

function article(r: ParseResult): Article {
  if (r.kind !== 'article') throw new Error(`expected an article, got ${JSON.stringify(r)}`);
  return Article.parse(r.article);
}

function issueOf(r: ParseResult) {
  if (r.kind !== 'issue') throw new Error(`expected an issue, got ${r.kind}`);
  return r.issue;
}

describe('parseArticle — schema A (rewritten RSS story)', () => {
  const a = article(parseArticle({ file: 'news/schema-a.md', text: fixture('schema-a.md') }));

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
  const b = article(parseArticle({ file: 'schema-b.md', text: fixture('schema-b.md') }));

  it('GIVEN no body THEN it still loads, with no impact bullets', () => {
    expect(b.impact).toEqual([]);
    expect(b.summary).toMatch(/^The chip maker's chief executive dismissed/);
  });

  it('GIVEN &#038; inside an image URL THEN it is decoded to &', () => {
    expect(b.imageUrl).toBe('https://news.example.com/uploads/chips.png?fit=750%2C600&strip=all');
  });

  it('GIVEN an unquoted YAML timestamp THEN it is the same Date as the quoted string', () => {
    const quoted = article(parseArticle({ file: 'q.md', text: fixture('schema-b.md').replace('publishedDateTime: 2024-05-07T00:27:00Z', "publishedDateTime: '2024-05-07T00:27:00Z'") }));
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
      }),
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
      const r = parseArticle({ file: `evil-${lang}.md`, text: `---${lang}\n{ title: (globalThis.__newsBotPwned = true, 'x'), publishedAt: '2026-01-01' }\n---\nbody` });
      expect(issueOf(r)).toEqual({ file: `evil-${lang}.md`, path: '', message: expect.stringMatching(/JavaScript front matter is not allowed/) });
    }
    expect(g.__newsBotPwned).toBeUndefined();
  });

  it('GIVEN another front-matter language THEN it is refused as unsupported', () => {
    expect(issueOf(parseArticle({ file: 'c.md', text: '---coffee\ntitle: "x"\n---\n' })).message).toMatch(/only YAML/);
  });

  it('GIVEN a javascript: link THEN it never becomes the url', () => {
    const r = article(parseArticle({ file: 'x.md', text: '---\ntitle: T\npublishedDateTime: 2026-01-01T00:00:00Z\nwebUrl: "javascript:alert(1)"\noriginalUrl: "https://ok.example.com/a"\n---\n' }));
    expect(r.url).toBe('https://ok.example.com/a');
    const none = article(parseArticle({ file: 'y.md', text: '---\ntitle: T\npublishedDateTime: 2026-01-01T00:00:00Z\nwebUrl: "javascript:alert(1)"\n---\n' }));
    expect(none.url).toBeNull();
  });

  it('GIVEN draft: true or published: false THEN the file is excluded, not an error', () => {
    expect(parseArticle({ file: 'd.md', text: '---\ntitle: T\npublishedAt: 2026-01-01T00:00:00Z\ndraft: true\n---\n' })).toEqual({ kind: 'excluded', file: 'd.md', reason: 'draft: true' });
    expect(parseArticle({ file: 'p.md', text: '---\ntitle: T\npublishedDateTime: 2026-01-01T00:00:00Z\npublished: false\n---\n' })).toEqual({ kind: 'excluded', file: 'p.md', reason: 'published: false' });
  });

  it('GIVEN an invalid date THEN the issue names the file, the field and the reason', () => {
    expect(issueOf(parseArticle({ file: 'bad/date.md', text: '---\ntitle: T\npublishedAt: not-a-date\n---\n' }))).toEqual({
      file: 'bad/date.md',
      path: 'publishedAt',
      message: expect.stringMatching(/^publishedAt: Invalid date/),
    });
  });

  it('GIVEN a nested field of the wrong type THEN the path is dotted', () => {
    const r = issueOf(parseArticle({ file: 'n.md', text: '---\ntitle: T\npublishedDateTime: 2026-01-01T00:00:00Z\nimages:\n  - url: [1, 2]\n---\n' }));
    expect(r.path).toBe('images.0.url');
  });

  it('GIVEN a missing title THEN the issue says it is required', () => {
    expect(issueOf(parseArticle({ file: 't.md', text: '---\npublishedAt: 2026-01-01T00:00:00Z\n---\n' }))).toMatchObject({ path: 'title', message: 'title: is required but missing' });
  });

  it('GIVEN an unknown sentiment value THEN it is an issue on that field', () => {
    expect(issueOf(parseArticle({ file: 's.md', text: '---\ntitle: T\npublishedAt: 2026-01-01T00:00:00Z\nsentiment: BULLISH\n---\n' }))).toMatchObject({ path: 'sentiment' });
  });

  it('GIVEN broken YAML or no front matter THEN a readable issue, never an exception', () => {
    expect(issueOf(parseArticle({ file: 'y.md', text: '---\ntitle: [unclosed\n---\n' })).message).toMatch(/Invalid YAML front matter/);
    expect(issueOf(parseArticle({ file: 'n.md', text: '# Just markdown' })).message).toMatch(/No front matter/);
    expect(issueOf(parseArticle({ file: 'e.md', text: '---\n---\nbody' })).message).toMatch(/Empty front matter/);
  });

  it('GIVEN extra unknown fields THEN they are allowed', () => {
    expect(parseArticle({ file: 'x.md', text: '---\ntitle: T\npublishedAt: 2026-01-01T00:00:00Z\nsomethingNew: { a: 1 }\n---\n' }).kind).toBe('article');
  });

  it('GIVEN topic overrides THEN they apply', () => {
    const topics = createTopicCanonicaliser({ 'Chips': 'Semiconductors' });
    const r = article(parseArticle({ file: 'x.md', text: '---\ntitle: T\npublishedDateTime: 2026-01-01T00:00:00Z\ntopics: [CHIPS]\n---\n' }, { topics }));
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
