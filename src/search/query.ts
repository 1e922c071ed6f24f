/** A search query the user must fix (empty, for instance); its message is shown to them as is. */
export class QueryError extends Error {
  override name = 'QueryError';
}

/** Longer queries are cut: nobody types more, and term expansion cost grows with every word. */
export const MAX_QUERY_LENGTH = 200;

/** A query ready to run, and whether it had to be cut. */
export interface PreparedQuery {
  text: string;
  truncated: boolean;
}

/** Validates and trims a raw query. Regex metacharacters need no escaping: queries are tokenised, never compiled. */
export function prepareQuery(raw: string): PreparedQuery {
  const text = (raw ?? '').replace(/\s+/g, ' ').trim();
  if (!text) throw new QueryError('Type at least one word to search for, e.g. "musk" or "bitcoin etf".');
  const chars = [...text];
  if (chars.length <= MAX_QUERY_LENGTH) return { text, truncated: false };
  return { text: chars.slice(0, MAX_QUERY_LENGTH).join('').trim(), truncated: true };
}

/**
 * Case and diacritics folding, the one definition: indexing and querying share it so `Müsk` finds `musk`,
 * and topic keys, duplicate titles and article ids start from it.
 */
export function foldText(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}
