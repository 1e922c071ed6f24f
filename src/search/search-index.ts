import MiniSearch, { type SearchResult } from 'minisearch';
import type { Article } from '../content/article.ts';
import { foldText } from './query.ts';

/** A ranked match. */
export interface SearchHit {
  id: string;
  score: number;
}

/** Options for one search. */
export interface SearchOptions {
  /** Keep only ids that pass (topic and sentiment filters). */
  filter?: (id: string) => boolean;
  /** Search only these fields (e.g. titles for autocomplete). */
  fields?: Array<'title' | 'summary' | 'topics' | 'source' | 'impact'>;
}

/** The full-text index over titles, summaries, topics, sources and impact bullets. */
export interface SearchIndex {
  add(article: Article): void;
  remove(id: string): void;
  /** Every match, best first; equal scores newest first. */
  search(text: string, options?: SearchOptions): SearchHit[];
  readonly size: number;
}

interface Doc {
  id: string;
  title: string;
  summary: string;
  topics: string;
  source: string;
  impact: string;
}

/** Titles say what a story is about; a hit there matters more than one in a bullet. */
export const FIELD_BOOST = { title: 3, topics: 2, source: 1.5, summary: 1, impact: 0.7 } as const;

/**
 * Builds the index (MiniSearch: a radix tree, so prefix queries like `mus` are cheap). Only ids are
 * stored: the article text already lives in the store, and keeping it twice would double memory.
 */
export function createSearchIndex(): SearchIndex {
  const time = new Map<string, number>();
  const mini = new MiniSearch<Doc>({
    fields: ['title', 'summary', 'topics', 'source', 'impact'],
    storeFields: [],
    processTerm: (term) => {
      const t = foldText(term);
      return t.length > 0 ? t : null;
    },
    searchOptions: { boost: FIELD_BOOST, prefix: true, combineWith: 'AND' },
    // Removed documents are discarded lazily and vacuumed in the background, so an update is O(1).
    autoVacuum: { minDirtCount: 200, minDirtFactor: 0.1, batchSize: 1000, batchWait: 10 },
  });

  const byRecency = (results: SearchResult[]): SearchHit[] => {
    const hits = results.map((r) => ({ id: r.id as string, score: r.score }));
    // MiniSearch orders by score only; within a run of equal scores, newer stories come first.
    let i = 0;
    while (i < hits.length) {
      let j = i + 1;
      while (j < hits.length && hits[j]!.score === hits[i]!.score) j++;
      if (j - i > 1) {
        const run = hits.slice(i, j).sort((a, b) => (time.get(b.id) ?? 0) - (time.get(a.id) ?? 0) || (a.id < b.id ? -1 : 1));
        hits.splice(i, j - i, ...run);
      }
      i = j;
    }
    return hits;
  };

  return {
    add(article) {
      if (time.has(article.id)) mini.discard(article.id);
      time.set(article.id, article.publishedAt.getTime());
      mini.add({
        id: article.id,
        title: article.title,
        summary: article.summary,
        topics: article.topics.join(' '),
        source: article.source ?? '',
        impact: article.impact.join(' '),
      });
    },
    remove(id) {
      if (!time.has(id)) return;
      time.delete(id);
      mini.discard(id);
    },
    search(text, options = {}) {
      const run = (combineWith: 'AND' | 'OR') =>
        mini.search(text, {
          combineWith,
          ...(options.fields ? { fields: options.fields } : {}),
          ...(options.filter ? { filter: (r: SearchResult) => options.filter!(r.id as string) } : {}),
        });
      let results = run('AND');
      // Every word must match first; if that finds nothing, any word may (a typo in one word still finds the rest).
      if (results.length === 0 && /\s/.test(text.trim())) results = run('OR');
      return byRecency(results);
    },
    get size() {
      return time.size;
    },
  };
}
