import type { Article, Sentiment } from '../content/article.ts';

/** How each sentiment looks everywhere: one colour bar, one emoji, one label. */
export const SENTIMENT_STYLE: Record<Sentiment, { color: number; emoji: string; label: string }> = {
  positive: { color: 0x2ecc71, emoji: '🟢', label: 'Positive' },
  negative: { color: 0xe74c3c, emoji: '🔴', label: 'Negative' },
  neutral: { color: 0x95a5a6, emoji: '⚪', label: 'Neutral' },
};

/** Marks an article whose sentiment was inferred from its text rather than given by the feed. */
export const INFERRED_MARK = '❔';

/** The footer that explains the mark. */
export const INFERRED_NOTE = `${INFERRED_MARK} sentiment inferred from the text`;

/** `positive` or `positive (inferred)`. */
export function sentimentText(a: Pick<Article, 'sentiment' | 'sentimentSource'>): string {
  const s = SENTIMENT_STYLE[a.sentiment];
  return `${s.emoji} ${s.label}${a.sentimentSource === 'inferred' ? ' (inferred)' : ''}`;
}
