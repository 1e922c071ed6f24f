import MiniSearch from 'minisearch';
import { foldText } from '../search/query.ts';
import { FIELD_BOOST, type IndexedArticle, type SearchIndex } from '../search/search-index.ts';

/**
 * The same index contract built on MiniSearch, kept as the benchmark's baseline: the project's own
 * index must beat it on p99 latency and memory to justify existing.
 */
export function createMiniSearchIndex(): SearchIndex {
  const time = new Map<string, number>();
  const mini = new MiniSearch<{ id: string; title: string; summary: string; topics: string; source: string; impact: string }>({
    fields: ['title', 'summary', 'topics', 'source', 'impact'],
    storeFields: [],
    processTerm: (term) => foldText(term) || null,
    searchOptions: { boost: FIELD_BOOST, prefix: true, combineWith: 'AND' },
  });
  return {
    add(a: IndexedArticle) {
      time.set(a.id, a.publishedAt.getTime());
      mini.add({ id: a.id, title: a.title, summary: a.summary, topics: a.topics.join(' '), source: a.source ?? '', impact: a.impact.join(' ') });
    },
    remove(id: string) {
      if (time.delete(id)) mini.discard(id);
    },
    search(text, options = {}) {
      const results = mini.search(text);
      results.sort((a, b) => b.score - a.score || (time.get(b.id as string) ?? 0) - (time.get(a.id as string) ?? 0));
      const offset = options.offset ?? 0;
      return { total: results.length, hits: results.slice(offset, offset + (options.limit ?? 10)).map((r) => ({ id: r.id as string, score: r.score })) };
    },
    get size() {
      return time.size;
    },
  };
}
