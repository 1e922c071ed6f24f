import { describe, expect, it } from 'vitest';
import { escapeMarkdown, link, truncate } from '../../src/render/markdown.ts';

describe('escapeMarkdown', () => {
  it('escapes inline markers so text cannot format', () => {
    expect(escapeMarkdown('**bold** _it_ ~~s~~ `c` ||spoiler|| [x](y)')).toBe('\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\`c\\` \\|\\|spoiler\\|\\| \\[x\\]\\(y\\)');
  });

  it('escapes block markers only at the start, keeping hyphens readable', () => {
    expect(escapeMarkdown('# Title - with a dash')).toBe('\\# Title - with a dash');
    expect(escapeMarkdown('> quote')).toBe('\\> quote');
    expect(escapeMarkdown('- item')).toBe('\\- item');
  });

  it('defuses @everyone, @here and user or role mentions', () => {
    expect(escapeMarkdown('@everyone @HERE <@123> <@&456>')).toBe('@\u200beveryone @\u200bHERE \\<@\u200b123> \\<@\u200b&456>');
  });

  it('keeps text on one line', () => {
    expect(escapeMarkdown('a\n\n# b')).toBe('a # b');
  });
});

describe('truncate', () => {
  it('ends with an ellipsis within the limit', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });

  it('never splits a surrogate pair nor leaves a dangling backslash', () => {
    expect(truncate('😀😀😀', 4)).toBe('😀…');
    expect(truncate('ab\\*cd', 4)).toBe('ab…');
  });
});

describe('link', () => {
  it('links an escaped title, percent-encoding characters that would end the link', () => {
    expect(link('A [b]', 'https://e.com/x_(y) z')).toBe('[A \\[b\\]](https://e.com/x_%28y%29%20z)');
  });

  it('GIVEN no URL, a non-http URL or a huge one THEN plain escaped text', () => {
    expect(link('*T*', null)).toBe('\\*T\\*');
    expect(link('T', 'javascript:alert(1)')).toBe('T');
    expect(link('T', `https://e.com/${'x'.repeat(600)}`)).toBe('T');
  });
});

describe('escapeMarkdown — ordered lists', () => {
  it('escapes a leading "1." before the dot, as Discord expects', () => {
    expect(escapeMarkdown('2026. A year in review')).toBe('2026\\. A year in review');
    expect(escapeMarkdown('0.')).toBe('0\\.');
  });
});
