import { afterEach, describe, expect, it } from 'vitest';
import { createBatchParser } from '../../src/files/parse-batch.ts';
import { createSearchIndex, decodeSnapshot } from '../../src/search/search-index.ts';
import { aggregatorArticle, tempDir } from '../support/temp-dir.ts';

const dirs: Array<{ cleanup(): Promise<void> }> = [];
afterEach(async () => {
  while (dirs.length) await dirs.pop()!.cleanup();
});

const NOW = Date.parse('2026-11-27T00:00:00Z');

describe('a batch parser sending its files in parts', () => {
  it('GIVEN files parsed, a part taken, then more parsed THEN each part indexes only its own files, searchable on their own', async () => {
    const d = await tempDir('parse-batch-');
    dirs.push(d);
    const files = await d.writeNumbered('a', 5, (i) => aggregatorArticle({ title: i < 3 ? `Solar miners story ${i}` : `Bitcoin funds story ${i}` }));
    const parser = createBatchParser({ aliases: {}, whole: false });

    expect(parser.parse(files.slice(0, 3), NOW).map((e) => e.kind)).toEqual(['article', 'article', 'article']);
    const first = parser.nextPart()!;
    parser.parse(files.slice(3), NOW);
    const second = parser.nextPart()!;

    expect(decodeSnapshot(first.index).keys).toEqual(files.slice(0, 3).map(([file]) => file));
    expect(decodeSnapshot(second.index).keys).toEqual(files.slice(3).map(([file]) => file));
    expect(decodeSnapshot(second.titles).keys).toEqual(files.slice(3).map(([file]) => file));
    // The second part's index knows nothing of the first's words, and finds its own.
    const later = createSearchIndex({ snapshot: second.index });
    expect(later.search('solar').hits).toEqual([]);
    expect(later.search('bitcoin').hits.map((h) => h.id).sort()).toEqual(files.slice(3).map(([file]) => file).sort());
  });
});
