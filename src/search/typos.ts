/**
 * Typo tolerance for the search index: which archive words are a few edits away from a query word.
 *
 * The rule, in one place:
 * - only words of letters (no digits: `2025` must never find `2026`) of at least {@link TYPO_MIN_LENGTH}
 *   letters, on both sides, are considered;
 * - a word of 4–7 letters may be 1 edit away, a longer one 2 ({@link typoBudget});
 * - an edit is a letter missing, added, replaced, or two neighbours swapped (optimal string alignment,
 *   the restricted Damerau–Levenshtein distance: `muks` → `musk` is one edit);
 * - the index (`search-index.ts`) uses it for a query word the archive does not hold, or holds 50 times
 *   more rarely than a close spelling, and weighs such matches below exact and prefix ones.
 *
 * Candidates are found with a bigram count filter, then checked with the exact bounded distance. Each
 * archive word of 4 or more letters is listed under its distinct padded bigrams (`^m mu us sk k$`).
 * An edit destroys at most three of the query's bigrams (a swap: `us sk k$` → `uk ks s$`), so a word
 * within `k` edits shares at least `distinct bigrams − 3k` of them; words below that count, or whose
 * length differs by more than `k`, are never compared. The lists are typed arrays, built from the
 * index's word list the first time a lookup needs them and extended as words are added (words are
 * never removed from the index's dictionary): a bot nobody searches with a rare or misspelt word never
 * builds them.
 */

/** Shorter words are never corrected, nor offered: too many short words are one edit apart (`the`, `she`). */
export const TYPO_MIN_LENGTH = 4;
/** Longer words are left alone: nobody mistypes a 40-letter token, and it costs a long comparison. */
const TYPO_MAX_LENGTH = 32;

/** How many edits a query word of `length` letters may be from an archive word it matches. */
export function typoBudget(length: number): number {
  if (length < TYPO_MIN_LENGTH || length > TYPO_MAX_LENGTH) return 0;
  return length <= 7 ? 1 : 2;
}

const LETTERS = /^\p{L}+$/u;
/** Words compared by `nearest`: the best few hundred by shared bigrams hold the closest spellings. */
const NEAREST_COMPARED = 400;

/** True for a word typo tolerance applies to: letters only, within the length bounds. */
export function isTypoWord(word: string): boolean {
  return word.length >= TYPO_MIN_LENGTH && word.length <= TYPO_MAX_LENGTH && LETTERS.test(word);
}

// Scratch rows for the distance, reused: a lookup compares hundreds of words.
let rowA = new Int32Array(64);
let rowB = new Int32Array(64);
let rowC = new Int32Array(64);

/**
 * The optimal-string-alignment distance between `a` and `b` (insertions, deletions, substitutions and
 * swaps of two neighbours, each 1), or `max + 1` as soon as it is certain to exceed `max`.
 */
export function editDistance(a: string, b: string, max: number): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > max) return max + 1;
  if (m + 1 > rowA.length) {
    rowA = new Int32Array(m + 1);
    rowB = new Int32Array(m + 1);
    rowC = new Int32Array(m + 1);
  }
  // prev2: row i-2, prev: row i-1, cur: row i. Only the band |i - j| <= max is computed (a cheaper
  // path never leaves it); the cell just past each end of a row's band is marked as over the bound.
  const over = max + 1;
  let prev2 = rowA;
  let prev = rowB;
  let cur = rowC;
  for (let j = 0; j <= m; j++) prev[j] = j <= max ? j : over;
  for (let i = 1; i <= n; i++) {
    const lo = i - max > 1 ? i - max : 1;
    const hi = i + max < m ? i + max : m;
    cur[lo - 1] = lo === 1 ? (i <= max ? i : over) : over;
    let rowMin = cur[lo - 1]!;
    const ca = a.charCodeAt(i - 1);
    const ca2 = i > 1 ? a.charCodeAt(i - 2) : -1;
    for (let j = lo; j <= hi; j++) {
      const cb = b.charCodeAt(j - 1);
      let d = prev[j - 1]! + (ca === cb ? 0 : 1);
      const up = prev[j]! + 1;
      if (up < d) d = up;
      const left = cur[j - 1]! + 1;
      if (left < d) d = left;
      if (j > 1 && ca === b.charCodeAt(j - 2) && ca2 === cb && prev2[j - 2]! + 1 < d) d = prev2[j - 2]! + 1;
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (hi < m) cur[hi + 1] = over;
    if (rowMin > max) return over;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return Math.min(prev[m]!, over);
}

/** The distinct bigrams of `^word$`, as numbers (two UTF-16 code units; ^ and $ are code units 1 and 2). */
function bigrams(word: string): number[] {
  // Words are short: a linear check for repeats is cheaper than a Set per word.
  const out: number[] = [];
  let before = 1;
  for (let i = 0; i <= word.length; i++) {
    const c = i < word.length ? word.charCodeAt(i) : 2;
    const g = before * 65536 + c;
    if (!out.includes(g)) out.push(g);
    before = c;
  }
  return out;
}

/**
 * The key of the list of words of `length` letters holding bigram `g`. Lists are split by length so
 * a lookup reads only the lengths within its budget: before, most of what it read was discarded.
 */
const listKey = (g: number, length: number) => g * 64 + length;

/** An archive word close to a query word: its id in the index's word list, and how many edits away. */
export interface TypoCandidate {
  readonly term: number;
  readonly edits: number;
}

/** Finds archive words close to a query word. */
export interface TypoLookup {
  /** Words within `maxEdits` of `word` (never `word` itself), in word-list order. Shared with later calls: never change it. */
  candidates(word: string, maxEdits: number): readonly TypoCandidate[];
  /**
   * Up to `limit` words within `maxEdits` of `word`, fewest edits first, found among the words that
   * share the most bigrams with it: for suggestions, where a wide budget must stay fast and the best
   * few matter, not every one. Shared with later calls: never change it.
   */
  nearest(word: string, maxEdits: number, limit: number): readonly TypoCandidate[];
  /** Bytes held by the lookup's lists (0 until the first lookup), for memory reports. */
  readonly bytes: number;
}

/** A growable list of word ids. */
class IdList {
  ids = new Int32Array(4);
  length = 0;
  push(id: number) {
    if (this.length === this.ids.length) {
      const next = new Int32Array(this.ids.length * 2);
      next.set(this.ids);
      this.ids = next;
    }
    this.ids[this.length++] = id;
  }
}

/** Lookups remembered by each {@link TypoLookup}: a bot's misspelt searches repeat (`etherium`), and one costs a fraction of a millisecond. */
export const TYPO_CACHE_SIZE = 512;

/**
 * The most recently used answers, up to `size`, all forgotten at once by `clear`. A `Map` iterates in
 * insertion order, so re-inserting a key on use keeps the least recently used first.
 */
class RecentAnswers<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: string, value: V) {
    if (this.map.size >= this.size) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, value);
  }

  clear() {
    this.map.clear();
  }
}

/**
 * A lookup over `terms`, the index's own word list (append-only; read, never copied). Nothing is built
 * until the first call; each call first lists the words added since the previous one. Answers are
 * remembered ({@link TYPO_CACHE_SIZE}) until the word list grows: a new word may be a closer spelling.
 */
export function createTypoLookup(terms: readonly string[]): TypoLookup {
  const lists = new Map<number, IdList>();
  /** Each word's length when it is listed, 0 when it is not (too short, digits): read in the counting loop. */
  let lengths = new Uint8Array(0);
  let counts = new Uint8Array(0);
  let touched = new Int32Array(0);
  /** `nearest`'s histogram of shared bigram counts, reused. */
  const histogram = new Int32Array(TYPO_MAX_LENGTH + 3);
  let indexed = 0;
  /** Answers by kind, edits, limit and word; valid while `terms` has `answeredAt` words. */
  const answers = new RecentAnswers<readonly TypoCandidate[]>(TYPO_CACHE_SIZE);
  let answeredAt = 0;
  const remembered = (key: string): readonly TypoCandidate[] | undefined => {
    if (answeredAt !== terms.length) {
      answers.clear();
      answeredAt = terms.length;
    }
    return answers.get(key);
  };

  const catchUp = () => {
    if (indexed === terms.length) return;
    if (lengths.length < terms.length) {
      const size = Math.max(terms.length, Math.ceil(lengths.length * 1.5));
      const l = new Uint8Array(size);
      l.set(lengths);
      lengths = l;
      counts = new Uint8Array(size);
      touched = new Int32Array(size);
    }
    for (; indexed < terms.length; indexed++) {
      const word = terms[indexed]!;
      if (!isTypoWord(word)) continue;
      lengths[indexed] = word.length;
      for (const g of bigrams(word)) {
        const key = listKey(g, word.length);
        let list = lists.get(key);
        if (!list) lists.set(key, (list = new IdList()));
        list.push(indexed);
      }
    }
  };

  /** Counts, for each listed word of a length within `maxEdits` of the word's, the bigrams (`grams`, the word's) it shares with `word`; returns how many words were touched (ids in `touched`). */
  const count = (word: string, grams: readonly number[], maxEdits: number): number => {
    catchUp();
    const minLen = Math.max(TYPO_MIN_LENGTH, word.length - maxEdits);
    const maxLen = Math.min(TYPO_MAX_LENGTH, word.length + maxEdits);
    let n = 0;
    for (let b = 0; b < grams.length; b++) {
      for (let len = minLen; len <= maxLen; len++) {
        const list = lists.get(listKey(grams[b]!, len));
        if (!list) continue;
        const ids = list.ids;
        for (let i = 0; i < list.length; i++) {
          const t = ids[i]!;
          if (counts[t] === 0) touched[n++] = t;
          counts[t]!++;
        }
      }
    }
    return n;
  };

  return {
    candidates(word, maxEdits) {
      if (maxEdits < 1 || !isTypoWord(word)) return [];
      // Words are letters only: the key cannot be read two ways.
      const key = `c${maxEdits}:${word}`;
      const known = remembered(key);
      if (known) return known;
      const grams = bigrams(word);
      const need = Math.max(1, grams.length - 3 * maxEdits);
      const n = count(word, grams, maxEdits);
      const out: TypoCandidate[] = [];
      for (let i = 0; i < n; i++) {
        const t = touched[i]!;
        if (counts[t]! >= need) {
          const term = terms[t]!;
          if (term !== word) {
            const edits = editDistance(word, term, maxEdits);
            if (edits <= maxEdits) out.push({ term: t, edits });
          }
        }
        counts[t] = 0;
      }
      out.sort((a, b) => a.term - b.term);
      answers.set(key, out);
      return out;
    },
    nearest(word, maxEdits, limit) {
      if (maxEdits < 1 || !isTypoWord(word)) return [];
      const key = `n${maxEdits}:${limit}:${word}`;
      const known = remembered(key);
      if (known) return known;
      const grams = bigrams(word);
      const need = Math.max(1, grams.length - 3 * maxEdits);
      const n = count(word, grams, maxEdits);
      // Only the words sharing the most bigrams are compared (the rest are far more likely to be far):
      // a histogram of the shared counts gives the cut without sorting every touched word.
      histogram.fill(0);
      for (let i = 0; i < n; i++) histogram[counts[touched[i]!]!]!++;
      let cut = histogram.length - 1;
      for (let sum = histogram[cut]!; cut > need && (sum === 0 || sum + histogram[cut - 1]! <= NEAREST_COMPARED); ) sum += histogram[--cut]!;
      const out: TypoCandidate[] = [];
      for (let i = 0; i < n; i++) {
        const t = touched[i]!;
        if (counts[t]! < cut || terms[t] === word) continue;
        const edits = editDistance(word, terms[t]!, maxEdits);
        if (edits <= maxEdits) out.push({ term: t, edits });
      }
      for (let i = 0; i < n; i++) counts[touched[i]!] = 0;
      const best = out.sort((a, b) => a.edits - b.edits || a.term - b.term).slice(0, limit);
      answers.set(key, best);
      return best;
    },
    get bytes() {
      if (indexed === 0) return 0;
      let b = lengths.byteLength + counts.byteLength + touched.byteLength;
      for (const l of lists.values()) b += l.ids.byteLength + 48;
      return b;
    },
  };
}
