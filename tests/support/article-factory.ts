import type { ParsedArticle } from '../../src/content/article.ts';

let counter = 0;

/** A valid parsed article with sensible defaults; override only what a test is about. */
export function makeArticle(overrides: Partial<ParsedArticle> = {}): ParsedArticle {
  counter++;
  const id = overrides.id ?? `test/article-${counter}`;
  return {
    id,
    file: overrides.file ?? `${id}.md`,
    schema: 'aggregator',
    title: `Article number ${counter}`,
    url: `https://example.com/articles/${counter}`,
    source: 'Example News',
    publishedAt: new Date('2026-11-21T12:00:00Z'),
    topics: ['General'],
    summary: 'A short summary.',
    sentiment: 'neutral',
    sentimentSource: 'frontmatter',
    impact: [],
    imageUrl: null,
    score: 0,
    aiRewritten: false,
    related: [],
    externalId: null,
    ...overrides,
  };
}
