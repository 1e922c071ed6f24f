import languageProcessor from 'sentiment/lib/language-processor.js';
import type { Sentiment as SentimentValue } from '../content/article.ts';

/**
 * The English AFINN-165 labels (emoji included) exactly as `Sentiment#analyze` reads them. `analyze`
 * also builds lists of every word, match and partial score for each call, which cost more than the
 * scoring itself on a cold start; only the comparative score is needed, so it is computed here with the
 * package's own labels and negation rule, and its tokenizer's rules (`sentimentTokens`).
 */
// A Map of the same own entries answers `hasOwnProperty` and the score in one lookup.
const labels = new Map(Object.entries(languageProcessor.getLabels('en')));

/** Code units the package's tokenizer turns into a space (`\n` and its punctuation) or reads as one (`\s`). */
const SPACING = new Uint8Array(0x10000);
for (const ch of '\n.,/#!?$%^&*;:{}=_`"~()') SPACING[ch.charCodeAt(0)] = 2;
for (const ch of ' \t\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff') SPACING[ch.charCodeAt(0)] ||= 1;
SPACING[0x20] = 2;

/**
 * The words of a text exactly as the package's tokenizer (`sentiment/lib/tokenize.js`) gives them, in
 * one pass instead of five: it lower-cases, turns `\n` and punctuation into spaces, collapses every run of
 * two or more white-space characters into one space, trims, and splits on spaces. So a run of two or
 * more separates words, as does a lone space, newline or punctuation mark; any other lone white-space
 * character (a tab, a no-break space) stays inside its word; runs at either end are dropped.
 */
export function sentimentTokens(input: string): string[] {
  const s = input.toLowerCase();
  const tokens: string[] = [];
  const n = s.length;
  let start = 0;
  // Leading white space and punctuation are trimmed away.
  while (start < n && SPACING[s.charCodeAt(start)] !== 0) start++;
  let i = start;
  while (i < n) {
    const kind = SPACING[s.charCodeAt(i)]!;
    if (kind === 0) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < n && SPACING[s.charCodeAt(end)] !== 0) end++;
    if (end === n) break; // a trailing run: trimmed
    if (end - i === 1 && kind === 1) {
      i = end; // a lone tab or no-break space: part of the word
      continue;
    }
    tokens.push(s.slice(start, i));
    start = i = end;
  }
  tokens.push(s.slice(start, i));
  return tokens;
}

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

/** `Sentiment#analyze(text).comparative` of the `sentiment` package, in English, without its per-word lists. */
export function comparativeScore(text: string): number {
  const tokens = sentimentTokens(text);
  let score = 0;
  // Last word first, as `analyze` sums them; a negator before a word (`not good`) flips its score.
  for (let i = tokens.length - 1; i >= 0; i--) {
    const label = labels.get(tokens[i]!);
    if (label === undefined) continue;
    score += languageProcessor.applyScoringStrategy('en', tokens, i, label);
  }
  return tokens.length > 0 ? score / tokens.length : 0;
}

/** Infers a sentiment from text with the AFINN-165 lexicon (the `sentiment` package). */
export function inferSentiment(text: string): SentimentValue {
  const comparative = comparativeScore(text);
  if (comparative > NEUTRAL_BAND) return 'positive';
  if (comparative < -NEUTRAL_BAND) return 'negative';
  return 'neutral';
}
