import fc from 'fast-check';
import Sentiment from 'sentiment';
import { describe, expect, it } from 'vitest';
import { comparativeScore, inferSentiment, parseSentiment } from '../../src/classify/sentiment.ts';

describe('sentiment', () => {
  it('GIVEN POSITIVE, negative or Neutral in any case THEN it is parsed', () => {
    expect([parseSentiment('POSITIVE'), parseSentiment('negative'), parseSentiment(' Neutral ')]).toEqual(['positive', 'negative', 'neutral']);
    expect(parseSentiment('bullish')).toBeNull();
    expect(parseSentiment(undefined)).toBeNull();
  });

  it('GIVEN clearly good news THEN positive is inferred', () => {
    expect(inferSentiment('Record gains as investors celebrate a great, successful launch')).toBe('positive');
  });

  it('GIVEN clearly bad news THEN negative is inferred', () => {
    expect(inferSentiment('Hack drains funds; users fear losses after the disastrous exploit')).toBe('negative');
  });

  it('GIVEN flat reporting THEN neutral is inferred', () => {
    expect(inferSentiment('The company filed its quarterly report on Tuesday')).toBe('neutral');
  });
});

describe('sentiment score', () => {
  it("GIVEN any text THEN its score is the sentiment package's own comparative score, word for word", () => {
    const analyzer = new Sentiment();
    const unit = fc.constantFrom('good', 'bad', 'not', "don't", 'constructor', 'Great', 'CRASH', '😀', 'naïve', ' ', '  ', '\t', '\n', '\u00a0', '\u2028', '.', ',', '!', '#', '(', '"', "'", '-', 'x', 'İ');
    fc.assert(
      fc.property(fc.oneof(fc.array(unit, { maxLength: 30 }).map((words) => words.join('')), fc.string()), (text) => {
        expect(comparativeScore(text)).toBe(analyzer.analyze(text).comparative);
      }),
      { numRuns: 3000 },
    );
  });
});
