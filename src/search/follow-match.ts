/**
 * The test behind a follow: does a new article match its saved query? Stricter than `/news search`,
 * which ranks and may fall back to any word: a follow posts to a channel, so every word must be there.
 */
import type { Article } from '../content/article.ts';
import { tokenize } from './search-index.ts';

/** The most words a follow's query may have: each one must match, so more only narrows to nothing. */
export const MAX_FOLLOW_WORDS = 8;

/** The distinct words of a query, as the matcher reads them (folded, split on anything but letters and digits). */
export function followWords(query: string): string[] {
  return [...new Set(tokenize(query))];
}

/**
 * A matcher for one query: true when every word of it starts a word of the article's title, topics or
 * source (`etf` matches `ETFs`, `Müsk` matches `musk`). These are the fields kept in memory, so a
 * check costs no file read; a query with no word matches nothing.
 */
export function createFollowMatcher(query: string): (a: Pick<Article, 'title' | 'topics' | 'source'>) => boolean {
  const words = followWords(query);
  if (words.length === 0) return () => false;
  return (a) => {
    const tokens = tokenize([a.title, a.topics.join(' '), a.source ?? ''].join(' '));
    return words.every((w) => tokens.some((t) => t.startsWith(w)));
  };
}
