import { describe, expect, it } from 'vitest';
import { createTopicCanonicaliser, readableLabel, topicKey } from '../../src/content/topics.ts';

describe('topics', () => {
  const topics = createTopicCanonicaliser();

  it('GIVEN ARTIFICIAL INTELLIGENCE, Artificial Intelligence and AI THEN they are one topic, AI', () => {
    expect(topics.canonicalList(['ARTIFICIAL INTELLIGENCE', 'Artificial Intelligence', 'AI'])).toEqual(['AI']);
  });

  it('GIVEN a placeholder next to a real topic THEN the placeholder is dropped', () => {
    expect(topics.canonicalList(['OTHER', 'BITCOIN', 'news'])).toEqual(['Bitcoin']);
  });

  it('GIVEN no topic, or only placeholders THEN General', () => {
    expect(topics.canonicalList([])).toEqual(['General']);
    expect(topics.canonicalList(['OTHER', undefined, ''])).toEqual(['General']);
  });

  it('GIVEN unknown shouting tags THEN labels are in a readable case, acronyms kept', () => {
    expect(topics.canonicalList(['SUPPLY CHAIN', 'us policy'])).toEqual(['Supply Chain', 'US Policy']);
    expect(readableLabel('DeFi')).toBe('DeFi');
  });

  it('GIVEN overrides from config THEN they win over the defaults and merge spellings', () => {
    const custom = createTopicCanonicaliser({ AI: 'Artificial Intelligence', 'crypto currency': 'Crypto' });
    expect(custom.canonicalList(['ai', 'ARTIFICIAL INTELLIGENCE', 'Crypto-Currency'])).toEqual(['Artificial Intelligence', 'Crypto']);
  });
});

describe('topics — letters and symbols that matter', () => {
  const topics = createTopicCanonicaliser();

  it('GIVEN a non-Latin topic such as Биткоин THEN it stays a topic, not General', () => {
    expect(topics.canonicalList(['Биткоин'])).toEqual(['Биткоин']);
    expect(topics.canonicalList(['БИТКОИН', 'биткоин'])).toEqual(['Биткоин']);
    expect(topics.canonicalList(['ビットコイン', 'عملة'])).toEqual(['ビットコイン', 'عملة']);
  });

  it('GIVEN C# and C++ THEN they are two topics, with their symbols', () => {
    expect(topics.canonicalList(['C#', 'C++', 'c#'])).toEqual(['C#', 'C++']);
    expect(topicKey('C#')).not.toBe(topicKey('C++'));
    expect(topicKey('C#')).not.toBe(topicKey('C'));
  });

  it('GIVEN punctuation that carries no meaning THEN spellings still merge', () => {
    expect(topics.canonicalList(['A.I.', 'ai', '#AI'])).toEqual(['AI']);
  });
});
