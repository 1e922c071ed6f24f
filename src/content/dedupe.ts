import type { Article, ParsedArticle } from './article.ts';
import type { RowColumns } from './stored-article.ts';
import { foldText } from '../search/query.ts';
import { slotsFor, smallHash, staysAfterHole } from '../search/open-addressing.ts';
import { canonicalUrl } from './normalise.ts';

/** Two stories with the same normalised title are the same story only if published this close. */
export const TITLE_WINDOW_MS = 48 * 60 * 60 * 1000;

/** Dashes that stand for a minus sign in front of a number. */
const MINUS = /[\u2212\u2012\u2013\u2014\ufe63\uff0d](?=\p{N})/gu;

/**
 * The words of a title, with what makes two numbers differ: a sign or currency in front (`+10`,
 * `-10`, `$10`), decimals (`1.5`) and a trailing `%`. "BTC +10%" and "BTC −10%" are two stories.
 */
const TITLE_WORD = /(?:[+\-\p{Sc}]+(?=\p{N}))?[\p{L}\p{N}\p{M}]+(?:[.,]\p{N}+)*%?/gu;

/** A title reduced to its words: case, accents and punctuation folded, numbers and their signs kept. */
export function normaliseTitle(title: string): string {
  return (foldText(title).replace(MINUS, '-').match(TITLE_WORD) ?? []).join(' ');
}

/** The keys under which an article may collide with another one. */
export function dedupeKeys(a: Article): string[] {
  const keys: string[] = [];
  if (a.url) keys.push(`url:${canonicalUrl(a.url)}`);
  if (a.externalId) keys.push(`ext:${a.externalId}`);
  const t = normaliseTitle(a.title);
  if (t) keys.push(`title:${t}`);
  return keys;
}

/**
 * The dedupe keys of an article as numbers (see `dedupeKeys`); computed once, when the file is parsed.
 * 31-bit hashes (`smallHash`): small integers, so a stored article holds its keys in its own fields
 * with no number objects (a million articles' key arrays were two million objects for every
 * collection to copy and mark). Two keys that collide only add a candidate `isDuplicate` rejects: at
 * a million articles, about a thousand pairs.
 */
export function dedupeHashes(a: Article): number[] {
  return dedupeKeys(a).map(smallHash);
}

/** An article with its dedupe keys computed. */
export type KeyedArticle = Article & { readonly dedupe: readonly number[] };

/** A stored record's dedupe keys, in fields of its own (see `stored-article.ts`). */
interface FieldKeys {
  readonly keyCount: number;
  readonly key0: number;
  readonly key1: number;
  readonly key2: number;
}

/** Where {@link keysOf} copies a stored record's keys; valid until its next call. */
const SCRATCH = [0, 0, 0];
/** How many keys the last {@link keysOf} returned. */
let keyCount = 0;

/**
 * The dedupe keys of `a`, their count in `keyCount`, with no array made for a stored record: its keys
 * are copied into a shared scratch array (its `dedupe` getter makes an array each time, and a restart
 * links a million articles). Read them before calling again.
 */
function keysOf(a: KeyedArticle): readonly number[] {
  const c = a as { columns?: RowColumns; row?: number };
  if (c.columns !== undefined) {
    keyCount = c.columns.keys(c.row!, SCRATCH);
    return SCRATCH;
  }
  const f = a as Partial<FieldKeys>;
  if (typeof f.keyCount === 'number') {
    SCRATCH[0] = f.key0!;
    SCRATCH[1] = f.key1!;
    SCRATCH[2] = f.key2!;
    keyCount = f.keyCount;
    return SCRATCH;
  }
  keyCount = a.dedupe.length;
  return a.dedupe;
}

/** Same canonical URL, same upstream id, or same title within 48 hours. */
export function isDuplicate(a: Article, b: Article): boolean {
  if (a.url && b.url && canonicalUrl(a.url) === canonicalUrl(b.url)) return true;
  if (a.externalId && b.externalId && a.externalId === b.externalId) return true;
  return normaliseTitle(a.title) === normaliseTitle(b.title) && Math.abs(a.publishedAt.getTime() - b.publishedAt.getTime()) <= TITLE_WINDOW_MS;
}

/** How much a copy of a story offers a reader; the richer copy is the one kept. Computed once, when the file is parsed. */
export function richness(a: ParsedArticle): number {
  return (
    (a.url ? 4 : 0) +
    (a.impact.length > 0 ? 4 : 0) +
    (a.imageUrl ? 1 : 0) +
    (a.source ? 1 : 0) +
    (a.sentimentSource === 'frontmatter' ? 1 : 0) +
    Math.min(a.summary.length, 1000) / 250 +
    a.impact.length * 0.1 +
    a.related.length * 0.1
  );
}

/** A free slot of a {@link HashKeyMap}: no key is negative. */
const FREE = -1;

/**
 * A map from 31-bit hashes (integers from 0 to 2^31 - 1, spread evenly, as `smallHash` makes them: the
 * dedupe keys and the title hashes) to values, in two flat arrays with open addressing (linear probing).
 * A `Map` with 200,000 keys (two per article at 100,000) costs about 10 MB with its table; this costs
 * 3 MB. A probe run reads only the keys, 4 bytes a slot: at a million articles, reading the values
 * array at every step made linking the dedupe keys a large part of a restart. Values are never `undefined`.
 */
export class HashKeyMap<V> {
  /** Keys by slot, {@link FREE} for a free slot. */
  private keys = new Int32Array(16).fill(FREE);
  private values: Array<V | undefined> = new Array<V | undefined>(16).fill(undefined);
  private mask = 15;
  private count = 0;

  /** How many keys are held. */
  get size(): number {
    return this.count;
  }

  get(key: number): V | undefined {
    return this.values[this.find(key)];
  }

  /**
   * Makes room for `keys` keys in all, so a bulk load fills the table without growing it step by step:
   * at a million articles the rehashes of about twenty doublings cost 1.7 s of a restart.
   */
  reserve(keys: number): void {
    const size = slotsFor(keys, this.mask + 1);
    if (size > this.mask + 1) this.resize(size);
  }

  set(key: number, value: V): void {
    if (!(key >= 0 && key <= 0x7fff_ffff && Math.floor(key) === key)) throw new RangeError(`A hash key is an integer from 0 to 2^31 - 1, not ${key}`);
    let i = this.find(key);
    if (this.keys[i] === FREE) {
      // Never past 80% full: probes stay short, and 200,000 keys still fit 2^18 slots.
      const size = slotsFor(this.count + 1, this.mask + 1);
      if (size > this.mask + 1) {
        this.resize(size);
        i = this.find(key);
      }
      this.count++;
      this.keys[i] = key;
    }
    this.values[i] = value;
  }

  delete(key: number): boolean {
    let i = this.find(key);
    if (this.keys[i] === FREE) return false;
    this.count--;
    // Backward-shift deletion: later keys of the same probe run move up, so no tombstone is left behind.
    const { keys, values, mask } = this;
    for (let j = (i + 1) & mask; keys[j] !== FREE; j = (j + 1) & mask) {
      const home = this.home(keys[j]!);
      if (staysAfterHole(home, i, j)) continue;
      keys[i] = keys[j]!;
      values[i] = values[j];
      i = j;
    }
    values[i] = undefined;
    keys[i] = FREE;
    return true;
  }

  /** The first slot of `key`'s probe run. Keys are hashes already: their bits, mixed, pick it. */
  private home(key: number): number {
    return Math.imul(key ^ (key >>> 16), 0x45d9f3b) & this.mask;
  }

  /** The slot holding `key`, or the free slot where it would go. */
  private find(key: number): number {
    const { keys, mask } = this;
    let i = this.home(key);
    for (let k = keys[i]!; k !== FREE && k !== key; k = keys[i]!) i = (i + 1) & mask;
    return i;
  }

  private resize(size: number) {
    const { keys, values } = this;
    this.keys = new Int32Array(size).fill(FREE);
    this.values = new Array<V | undefined>(size).fill(undefined);
    this.mask = size - 1;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === FREE) continue;
      const at = this.find(keys[i]!);
      this.keys[at] = keys[i]!;
      this.values[at] = values[i];
    }
  }
}

/**
 * Which files hold the same story. Files are linked by the keys they share (URL, upstream id, title)
 * and joined into a cluster when `isDuplicate` agrees; the richest copy of each cluster wins. Every
 * change is incremental: adding or removing a file only visits the files sharing one of its keys.
 */
export class DuplicateClusters {
  /** Dedupe key hash → the file carrying it, or the files when several do (rare: a Set per key would cost ~40 MB at 100k). */
  private readonly byKey = new HashKeyMap<string | Set<string>>();

  /** `articleOf` reads the article currently stored for a file and `richnessOf` its richness; the store owns both. */
  constructor(
    private readonly articleOf: (file: string) => KeyedArticle | undefined,
    private readonly richnessOf: (file: string) => number,
  ) {}

  /** Makes room for `keys` dedupe keys in all (see `HashKeyMap.reserve`). */
  reserve(keys: number): void {
    this.byKey.reserve(keys);
  }

  /**
   * Records the keys of `article`, which `file` now holds. Returns true when no other file shares a key
   * with it (as {@link isAlone} would say next).
   */
  link(file: string, article: KeyedArticle): boolean {
    const keys = keysOf(article);
    let alone = true;
    for (let k = 0, n = keyCount; k < n; k++) {
      const key = keys[k]!;
      const files = this.byKey.get(key);
      if (files === undefined || files === file) this.byKey.set(key, file);
      else {
        alone = false;
        if (typeof files === 'string') this.byKey.set(key, new Set([files, file]));
        else files.add(file);
      }
    }
    return alone;
  }

  /** Forgets the keys of `article`, which `file` held until now. */
  unlink(file: string, article: KeyedArticle): void {
    for (const key of article.dedupe) {
      const files = this.byKey.get(key);
      if (files === file) this.byKey.delete(key);
      else if (typeof files === 'object') {
        files.delete(file);
        if (files.size === 1) this.byKey.set(key, [...files][0]!);
      }
    }
  }

  /** True when no other file shares a key with `article`: it is its own winner, with no cluster to walk. */
  isAlone(article: KeyedArticle): boolean {
    const keys = keysOf(article);
    for (let k = 0, n = keyCount; k < n; k++) if (typeof this.byKey.get(keys[k]!) === 'object') return false;
    return true;
  }

  /** The files connected to `file` by duplicate edges (sharing a key and passing `isDuplicate`), `file` included. */
  cluster(file: string): Set<string> {
    const seen = new Set<string>([file]);
    const queue = [file];
    while (queue.length > 0) {
      const f = queue.pop()!;
      const a = this.articleOf(f);
      if (!a) continue;
      for (const key of a.dedupe) {
        const files = this.byKey.get(key);
        for (const other of typeof files === 'string' ? [files] : (files ?? [])) {
          if (seen.has(other)) continue;
          const b = this.articleOf(other);
          if (b && isDuplicate(a, b)) {
            seen.add(other);
            queue.push(other);
          }
        }
      }
    }
    return seen;
  }

  /** Every cluster touching `files`, once each, with its winner: the richest copy, ties to the first path. */
  clustersOf(files: Iterable<string>): { members: Set<string>; winner: string }[] {
    const done = new Set<string>();
    const out: { members: Set<string>; winner: string }[] = [];
    for (const f of files) {
      if (done.has(f) || !this.articleOf(f)) continue;
      const members = this.cluster(f);
      let winner: string | undefined;
      let best = -Infinity;
      for (const m of members) {
        done.add(m);
        const r = this.richnessOf(m);
        if (winner === undefined || r > best || (r === best && m < winner)) {
          winner = m;
          best = r;
        }
      }
      out.push({ members, winner: winner! });
    }
    return out;
  }
}
