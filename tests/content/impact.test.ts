import { describe, expect, it } from 'vitest';
import { extractImpact } from '../../src/content/impact.ts';

describe('extractImpact', () => {
  it('GIVEN the heading at any level and in any case THEN its bullets are returned', () => {
    expect(extractImpact('# Title\n\n#### IMPACT ON THE CRYPTO MARKET:\n\n* one\n* two\n')).toEqual(['one', 'two']);
  });

  it('GIVEN markup in bullets THEN only the text remains', () => {
    expect(extractImpact('## Impact on the crypto market\n\n- **Bold** and _italic_ with [a link](https://x.example) and `code`\n')).toEqual([
      'Bold and italic with a link and code',
    ]);
  });

  it('GIVEN a following section of the same level THEN its bullets are not included', () => {
    expect(extractImpact('## Impact on the crypto market\n- a\n\n### Detail\n- b\n\n## Next\n- c\n')).toEqual(['a', 'b']);
  });

  it('GIVEN the phrase only inside a code block or paragraph THEN there is no section', () => {
    expect(extractImpact('```\n## Impact on the crypto market\n- fake\n```\n')).toEqual([]);
    expect(extractImpact('We discuss the impact on the crypto market below.\n\n- not it\n')).toEqual([]);
  });

  it('GIVEN no body THEN no bullets', () => {
    expect(extractImpact('')).toEqual([]);
  });

  it('GIVEN plain bullets THEN each is its own repaired text, the last one trimmed as marked trims it', () => {
    expect(extractImpact('## Impact on the crypto market\n\n- Plain one.\n- â€™Tis mojibake\n- ß\u00a0')).toEqual(['Plain one.', '’Tis mojibake', 'ß']);
  });

  it('GIVEN a bullet over the inline limit THEN it is cut to 1,000 characters', () => {
    expect(extractImpact(`## Impact on the crypto market\n- ${'a'.repeat(1200)}`)).toEqual(['a'.repeat(1000)]);
  });

  it('GIVEN a lazy continuation line, a character reference or a bare link THEN marked reads them as before', () => {
    expect(extractImpact('## Impact on the crypto market\n- First\nlazy continuation\n- Second')).toEqual(['First lazy continuation', 'Second']);
    expect(extractImpact('## Impact on the crypto market\n- Price &#36;5 and www.example.com\n- It\'s "quoted"')).toEqual(['Price $5 and www.example.com', 'It\'s "quoted"']);
  });

  it('GIVEN the heading with a Kelvin sign for its k THEN it is found, as lower-casing finds it', () => {
    expect(extractImpact('## Impact on the crypto mar\u212Aet\n- one\n')).toEqual(['one']);
  });
});
