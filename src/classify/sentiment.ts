import Sentiment from 'sentiment';
import type { Sentiment as SentimentValue } from '../content/article.ts';

const analyzer = new Sentiment();

/**
 * The AFINN comparative score (sum of word scores / word count) inside ±this band counts as neutral.
 * News prose is mildly worded; 0.05 keeps a single stray "good" in a long summary from tipping it.
 */
export const NEUTRAL_BAND = 0.05;

/** Reads a front-matter sentiment in any case (`POSITIVE`, `Negative`...); anything else is null. */
export function parseSentiment(raw: unknown): SentimentValue | null {
  if (typeof raw !== 'string') return null;
  const s = raw.trim().toLowerCase();
  return s === 'positive' || s === 'negative' || s === 'neutral' ? s : null;
}

/** Infers a sentiment from text with the AFINN-165 lexicon (the `sentiment` package). */
export function inferSentiment(text: string): SentimentValue {
  const { comparative } = analyzer.analyze(text);
  if (comparative > NEUTRAL_BAND) return 'positive';
  if (comparative < -NEUTRAL_BAND) return 'negative';
  return 'neutral';
}
