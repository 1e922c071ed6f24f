/**
 * Topic canonicalisation. Feeds spell one topic many ways (`ARTIFICIAL INTELLIGENCE`, `Artificial
 * Intelligence`, `AI`); members filter and read digests by topic, so they must be one.
 */
import { foldText } from '../search/query.ts';

/** Default aliases, keyed by `topicKey` of the alias. Operators extend or override them with `TOPIC_ALIASES`. */
export const DEFAULT_TOPIC_ALIASES: Readonly<Record<string, string>> = {
  'artificial intelligence': 'AI',
  ai: 'AI',
  'a i': 'AI',
  'machine learning': 'AI',
  btc: 'Bitcoin',
  bitcoin: 'Bitcoin',
  eth: 'Ethereum',
  ethereum: 'Ethereum',
  sol: 'Solana',
  defi: 'DeFi',
  'decentralized finance': 'DeFi',
  'decentralised finance': 'DeFi',
  nft: 'NFT',
  nfts: 'NFT',
  etf: 'ETF',
  etfs: 'ETF',
  regulation: 'Regulation',
  regulations: 'Regulation',
  policy: 'Regulation',
  stablecoin: 'Stablecoins',
  stablecoins: 'Stablecoins',
  market: 'Markets',
  markets: 'Markets',
  trading: 'Markets',
  crypto: 'Crypto',
  cryptocurrency: 'Crypto',
  cryptocurrencies: 'Crypto',
  tech: 'Technology',
  technology: 'Technology',
  security: 'Security',
  hacks: 'Security',
  mining: 'Mining',
  memecoins: 'Memecoins',
  'meme coins': 'Memecoins',
  dogecoin: 'Dogecoin',
  doge: 'Dogecoin',
};

/** Tags that only say "uncategorised": dropped when a real topic exists. */
const PLACEHOLDERS = new Set(['other', 'others', 'news', 'general', 'misc', 'miscellaneous', 'uncategorized', 'uncategorised', 'article', 'articles', 'none', 'n a', 'na', 'unknown', '']);

/** Short words that stay upper-case in labels. */
const ACRONYMS = new Set(['ai', 'nft', 'etf', 'sec', 'cbdc', 'dao', 'dex', 'cex', 'ipo', 'usa', 'us', 'eu', 'uk', 'fed', 'ceo', 'btc', 'eth', 'ftx', 'ml', 'kyc', 'aml', 'tvl', 'l2', 'rwa']);

/** The topic assigned to an article that has none. */
export const GENERAL_TOPIC = 'General';

/**
 * The words of a topic: letters, digits and marks in any script (`Биткоин`), joined by `&` inside a
 * word (`S&P`), with trailing `#` and `+` kept because they name different things (`C#`, `C++`).
 * Other punctuation, and a leading `#` (a hashtag), carries no meaning.
 */
const TOPIC_WORD = /[\p{L}\p{N}\p{M}]+(?:&[\p{L}\p{N}\p{M}]+)*[#+]*/gu;

/** The comparison key of a topic: case, accents, meaningless punctuation and spacing folded. */
export function topicKey(label: string): string {
  return (foldText(label).match(TOPIC_WORD) ?? []).join(' ');
}

/** `ARTIFICIAL INTELLIGENCE` → `Artificial Intelligence`, keeping known acronyms (`AI`, `ETF`). */
export function readableLabel(raw: string): string {
  const words = raw.trim().replace(/[_\s]+/g, ' ').split(' ');
  const shouting = raw === raw.toUpperCase() || raw === raw.toLowerCase();
  return words
    .map((w) => {
      const k = w.toLowerCase();
      if (ACRONYMS.has(k)) return k.toUpperCase();
      // Mixed case as written (DeFi, iPhone) is kept; all-caps or all-lower is title-cased.
      return shouting ? k.charAt(0).toUpperCase() + k.slice(1) : w;
    })
    .join(' ');
}

/** Maps raw tags to canonical topic labels. */
export interface TopicCanonicaliser {
  /** The canonical label of one raw tag, or null for a placeholder. */
  canonical(raw: string): string | null;
  /** Canonical labels of all tags, deduplicated in order; `['General']` when nothing real remains. */
  canonicalList(raws: readonly unknown[]): string[];
  /** The `TOPIC_ALIASES` it was built with, so a worker thread can build the same table. */
  readonly overrides?: Readonly<Record<string, string>>;
}

/** Builds a canonicaliser from the default alias table plus `overrides` (alias → label), which win. */
export function createTopicCanonicaliser(overrides: Readonly<Record<string, string>> = {}): TopicCanonicaliser {
  const table = new Map<string, string>();
  for (const [alias, label] of Object.entries(DEFAULT_TOPIC_ALIASES)) table.set(topicKey(alias), label);
  for (const label of [...table.values()]) if (!table.has(topicKey(label))) table.set(topicKey(label), label);
  for (const [alias, rawLabel] of Object.entries(overrides)) {
    const label = rawLabel.trim();
    const previous = table.get(topicKey(alias));
    // Renaming a topic moves every spelling of it: `AI=Artificial Intelligence` also takes `A.I.`.
    if (previous && previous !== label) for (const [k, v] of table) if (v === previous) table.set(k, label);
    table.set(topicKey(alias), label);
    table.set(topicKey(label), label);
  }
  const cache = new Map<string, string | null>();

  const canonical = (raw: string): string | null => {
    const hit = cache.get(raw);
    if (hit !== undefined) return hit;
    const key = topicKey(raw);
    const label = PLACEHOLDERS.has(key) ? null : (table.get(key) ?? readableLabel(raw.trim()));
    if (cache.size < 10_000) cache.set(raw, label);
    return label;
  };

  // The key of each label, computed once: every article asks for its labels' keys to deduplicate them.
  const labelKeys = new Map<string, string>();
  const labelKey = (label: string): string => {
    let key = labelKeys.get(label);
    if (key === undefined) {
      key = topicKey(label);
      if (labelKeys.size < 10_000) labelKeys.set(label, key);
    }
    return key;
  };

  return {
    overrides,
    canonical,
    canonicalList(raws) {
      const seen = new Set<string>();
      const out: string[] = [];
      for (const raw of raws) {
        if (typeof raw !== 'string') continue;
        const label = canonical(raw);
        if (label && !seen.has(labelKey(label))) {
          seen.add(labelKey(label));
          out.push(label);
        }
      }
      return out.length > 0 ? out : [GENERAL_TOPIC];
    },
  };
}
