import { describe, expect, it } from 'vitest';
import { inferSentiment, parseSentiment } from '../../src/classify/sentiment.ts';

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
