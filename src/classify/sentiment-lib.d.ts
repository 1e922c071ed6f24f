/**
 * The part of the `sentiment` package that `inferSentiment` calls directly (see `sentiment.ts`): its
 * language table, with the AFINN labels and the negation rule.
 */
declare module 'sentiment/lib/language-processor.js' {
  /** The package's language table: `analyze` reads the labels and applies the scoring strategy through it. */
  const languageProcessor: {
    getLabels(languageCode: string): Record<string, number>;
    applyScoringStrategy(languageCode: string, tokens: string[], cursor: number, tokenScore: number): number;
  };
  export default languageProcessor;
}
