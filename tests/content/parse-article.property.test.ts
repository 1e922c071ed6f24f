import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseArticle } from '../../src/content/parse-article.ts';

/** The loader's own cap (src/files): no file above it is ever parsed. */
const CAP = 2 * 1024 * 1024;
const NOW = new Date('2026-11-27T12:00:00Z');

/** Characters that drive Markdown and YAML parsers into their slow paths, plus some ordinary text. */
const fragment = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'_*`[]()!<>#-+|~\\:&*{}",\' \n\tabc1é€â'.split('')), minLength: 1, maxLength: 12 }),
  // Known slow paths of Markdown lexers, so every run exercises some of them.
  fc.constantFrom('_a__', '*a**', '[a](', '![a', '- a\n', '  - a\n', '> ', '`a``', '<a ', 'a\n===\n', '| a |\n'),
);

/** A small piece repeated up to the cap: the shape of every pathological input found so far. */
const repeated = fc.tuple(fragment, fc.oneof(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 20_000, max: 600_000 }))).map(([piece, n]) => piece.repeat(Math.min(n, Math.floor((CAP - 4096) / piece.length))));

const yamlValue = fc.oneof(
  fc.constantFrom('2026-11-21T10:00:00Z', "'2026-11-21 10:00:00'", '2026-13-45', 'true', '0', '[a, b]', '{ a: 1 }', '&x [1]', '*x', "''", 'null', '-1e999'),
  fc.string({ maxLength: 40 }).map((s) => JSON.stringify(s)),
  repeated.map((s) => JSON.stringify(s.slice(0, 200_000))),
);

const fields = fc.dictionary(fc.constantFrom('title', 'description', 'excerpt', 'publishedAt', 'publishedDateTime', 'tags', 'topics', 'score', 'quality', 'sentiment', 'webUrl', 'related', 'draft', 'x'), yamlValue, { maxKeys: 8 })
    .map((entries) => Object.entries(entries).map(([k, v]) => `${k}: ${v}`).join('\n'));

const frontMatter = fc.oneof(
  // Valid required fields first, so the body and every converted field are reached.
  { arbitrary: fields.map((extra) => `title: Story\npublishedAt: 2026-11-21T10:00:00Z\n${extra.replace(/^(title|publishedAt|publishedDateTime|draft):.*$/gm, '')}`), weight: 3 },
  fields,
  fc.string({ maxLength: 300 }),
  repeated.map((s) => s.slice(0, 100_000)),
);

const heading = fc.constantFrom('', '## Impact on the crypto market\n\n', '# Impact on the crypto market\n- one\n', '```\n## Impact on the crypto market\n');

const file = fc.tuple(fc.constantFrom('---', '---json', '---yaml', '\uFEFF---', ''), frontMatter, heading, repeated).map(([open, fm, h, body]) => `${open}\n${fm}\n---\n${h}${body}`.slice(0, CAP));

describe('parseArticle — properties over arbitrary files under the cap', () => {
  it('never throws, always returns an article, an exclusion or a named issue, within a second and 100 MB', () => {
    fc.assert(
      fc.property(file, (text) => {
        const heapBefore = process.memoryUsage().heapUsed;
        const start = performance.now();
        const r = parseArticle({ file: 'p.md', text }, { now: NOW });
        const ms = performance.now() - start;
        const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
        expect(['article', 'excluded', 'issue']).toContain(r.kind);
        if (r.kind === 'issue') {
          expect(r.issue.file).toBe('p.md');
          expect(r.issue.message.length).toBeGreaterThan(0);
        }
        expect(ms).toBeLessThan(1000);
        expect(heapGrowth).toBeLessThan(100 * 1024 * 1024);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
