import fc from 'fast-check';
import matter from 'gray-matter';
import { describe, expect, it } from 'vitest';
import { readFrontMatter, SAFE_MATTER_OPTIONS } from '../../src/content/front-matter.ts';

/** What gray-matter, with the bot's engines, makes of the whole file: the reference for every file it reads. */
function throughGrayMatter(text: string): { data: unknown; body: string } | { error: string } {
  try {
    const parsed = matter(text, SAFE_MATTER_OPTIONS as unknown as Parameters<typeof matter>[1]);
    return { data: parsed.data, body: parsed.content };
  } catch (err) {
    return { error: String(err) };
  }
}

const frontMatters = [
  '\ntitle: Plain story\npublishedDateTime: 2026-11-20T09:27:05Z\nquality: 32\ntopics:\n  - MARKETS\nprovider:\n  name: Chain Daily',
  "\ntitle: 'It''s up'\npublishedAt: 2026-11-20T09:27:05Z\ntags:\n- BTC\n- 5",
  '\n# a comment\ntitle: Commented\npublishedAt: 2026-11-20T09:27:05Z',
  '\ntitle: Flow list\ntags: [a, b]\npublishedAt: 2026-11-20T09:27:05Z',
  '\r\ntitle: Carriage returns\r\npublishedAt: 2026-11-20T09:27:05Z\r',
  '   \ntitle: Spaces after the dashes\npublishedAt: 2026-11-20T09:27:05Z',
  '\n',
  '',
  '\n   ',
  '\ntitle: a: b',
];

describe('readFrontMatter', () => {
  it('GIVEN files of every opening, front matter and body THEN its data and body are what gray-matter reads, whether or not it called gray-matter', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('---', '--- ', '---\t', '----', '---yaml'),
        fc.constantFrom(...frontMatters),
        fc.constantFrom('', '\n', '\r\n', '\nBody text.\n', '\n\n## Impact on the crypto market\n- up\n', '\n---\nmore dashes\n'),
        (opening, front, body) => {
          const text = `${opening}${front}\n---${body}`;
          const read = readFrontMatter(text);
          const reference = throughGrayMatter(text);
          if (!read.ok) return;
          expect('data' in reference).toBe(true);
          const ref = reference as { data: unknown; body: string };
          expect(JSON.stringify(read.data)).toBe(JSON.stringify(ref.data));
          expect(read.body).toBe(ref.body);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('GIVEN the usual plain front matter THEN it reads its fields and the body after the closing line', () => {
    const read = readFrontMatter(`---${frontMatters[0]}\n---\nBody text.\n`);
    expect(read).toEqual({ ok: true, data: { title: 'Plain story', publishedDateTime: '2026-11-20T09:27:05Z', quality: 32, topics: ['MARKETS'], provider: { name: 'Chain Daily' } }, body: 'Body text.\n' });
  });
});
