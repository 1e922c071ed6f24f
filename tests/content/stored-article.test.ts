import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dedupeHashes, richness } from '../../src/content/dedupe.ts';
import { foldedTitleHash, makeStoredArticle, columnRecord, isColumnRecord, plainArticle, publishedMs, storedArticle, titleHash, type RowColumns } from '../../src/content/stored-article.ts';
import { smallHash } from '../../src/search/open-addressing.ts';
import { foldText } from '../../src/search/query.ts';
import { makeArticle } from '../support/article-factory.ts';

describe('stored articles', () => {
  it('GIVEN any publication time a Date can hold THEN the record reads it back to the millisecond', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        const stored = storedArticle(makeArticle({ publishedAt: new Date(ms) }));
        expect(publishedMs(stored)).toBe(ms);
        expect(stored.publishedAt.getTime()).toBe(ms);
      }),
      { numRuns: 500 },
    );
  });

  it('GIVEN any parsed article THEN its stored record reads back its fields, richness and dedupe keys exactly', () => {
    const text = fc.string({ maxLength: 1200 });
    fc.assert(
      fc.property(
        fc.record({
          summary: text,
          impact: fc.array(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 12 }),
          related: fc.nat({ max: 7 }),
          url: fc.option(fc.webUrl(), { nil: null }),
          externalId: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: null }),
          title: fc.string({ minLength: 1, maxLength: 80 }),
          imageUrl: fc.option(fc.webUrl(), { nil: null }),
          inferred: fc.boolean(),
        }),
        (f) => {
          const parsed = makeArticle({
            title: f.title,
            summary: f.summary,
            impact: f.impact,
            url: f.url,
            externalId: f.externalId,
            imageUrl: f.imageUrl,
            sentimentSource: f.inferred ? 'inferred' : 'frontmatter',
            related: Array.from({ length: f.related }, (_, i) => ({ title: `r${i}`, url: null, source: null, publishedAt: null })),
          });
          const stored = storedArticle(parsed);
          expect(stored.richness).toBeCloseTo(richness(parsed), 9);
          expect(stored.dedupe).toEqual(dedupeHashes(parsed));
          expect(publishedMs(stored)).toBe(parsed.publishedAt.getTime());
          const { id, file, title, url, source, publishedAt, topics, sentiment, sentimentSource, score, externalId } = parsed;
          expect(plainArticle(stored)).toEqual({ id, file, title, url, source, publishedAt, topics, sentiment, sentimentSource, score, externalId });
        },
      ),
    );
  });

  it('GIVEN a record kept as a row of columns THEN it reads the same fields as a plain record, and asks its columns only when read', () => {
    const parsed = makeArticle({ title: 'Bitcoin 🚀 rallies', url: null, externalId: 'up-7', source: 'Wire', topics: ['Bitcoin', 'ETF'], summary: 'x'.repeat(401) });
    const plain = storedArticle(parsed);
    const asked: string[] = [];
    const ask = <T,>(what: string, row: number, value: T): T => {
      asked.push(`${what}@${row}`);
      return value;
    };
    const columns: RowColumns = {
      text: (row, field) => ask(`text${field}`, row, [parsed.title, parsed.url, parsed.externalId][field]!),
      titleHash: (row) => ask('titleHash', row, 12345),
      source: (row) => ask('source', row, plain.source),
      topics: (row) => ask('topics', row, plain.topics),
      sentiment: (row) => ask('sentiment', row, plain.sentiment),
      sentimentSource: (row) => ask('sentimentSource', row, plain.sentimentSource),
      score: (row) => ask('score', row, plain.score),
      richness: (row) => ask('richness', row, plain.richness),
      keys(row, into) {
        plain.dedupe.forEach((k, i) => (into[i] = k));
        return ask('keys', row, plain.dedupe.length);
      },
      dedupe: (row) => ask('dedupe', row, [...plain.dedupe]),
    };
    const record = columnRecord(columns, 41, plain.id, plain.file, publishedMs(plain));
    expect(asked).toEqual([]);
    expect(isColumnRecord(record)).toBe(true);
    expect(isColumnRecord(plain)).toBe(false);
    expect(publishedMs(record)).toBe(parsed.publishedAt.getTime());
    expect(asked).toEqual([]);
    expect(record.richness).toBe(plain.richness);
    expect(record.dedupe).toEqual(plain.dedupe);
    expect(plainArticle(record)).toEqual(plainArticle(plain));
    expect(asked).toEqual(['richness@41', 'dedupe@41', 'text0@41', 'text1@41', 'source@41', 'topics@41', 'sentiment@41', 'sentimentSource@41', 'score@41', 'text2@41']);
    // The title's hash comes from the columns, without reading the title.
    expect(titleHash(record)).toBe(12345);
    expect(titleHash(plain)).toBe(foldedTitleHash(parsed.title));
    expect(asked.at(-1)).toBe('titleHash@41');
    // Its fields are the columns' own: none can be assigned in place of them.
    expect(() => ((record as { topics: string[] }).topics = [])).toThrow(TypeError);
  });

  it('GIVEN any title THEN its hash from the string and of its folded text agree', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constantFrom('Bitcoin ETF', 'ÉTÉ Café', 'İstanbul', 'ß straße', '比特币')), (title) => {
        expect(foldedTitleHash(title)).toBe(smallHash(foldText(title)));
      }),
      { numRuns: 500 },
    );
  });

  it('GIVEN two copies whose richness differs by the smallest step (a summary one character longer) THEN the stored ones still differ the same way', () => {
    const short = storedArticle(makeArticle({ summary: 'x'.repeat(400) }));
    const long = storedArticle(makeArticle({ summary: 'x'.repeat(401) }));
    expect(long.richness - short.richness).toBeCloseTo(0.004, 9);
    expect(long.richness).toBeGreaterThan(short.richness);
  });

  it('GIVEN an article THEN its dedupe keys are integers below 2^31 (held without a number object each)', () => {
    const keys = dedupeHashes(makeArticle({ url: 'https://example.com/a?utm_source=x', externalId: '123', title: 'Bitcoin hits a record' }));
    expect(keys).toHaveLength(3);
    for (const k of keys) expect(Number.isInteger(k) && k >= 0 && k < 2 ** 31).toBe(true);
  });

  it('GIVEN more dedupe keys than an article can have THEN making the record fails with a clear error', () => {
    const fields = { ...plainArticle(makeArticle()), publishedMs: 0, richness: 1, dedupe: [1, 2, 3, 4] };
    expect(() => makeStoredArticle(fields)).toThrow(/at most 3 dedupe keys, not 4/);
  });
});
