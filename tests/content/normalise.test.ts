import { describe, expect, it } from 'vitest';
import { canonicalUrl, decodeEntities, repairText, safeUrl } from '../../src/content/normalise.ts';

describe('repairText', () => {
  it.each([
    ['whichâ€¦', 'which…'],
    ['itâ€™s', 'it’s'],
    ['â€œquotedâ€\u009d', '“quoted”'],
    ['cafÃ©', 'café'],
    ['rocket ðŸš€', 'rocket 🚀'],
    ['Fish &amp; Chips &#038; more &#x27;x&#x27; &hellip;', "Fish & Chips & more 'x' …"],
  ])('GIVEN %j THEN %j', (input, expected) => {
    expect(repairText(input)).toBe(expected);
  });

  it('GIVEN correct accented text THEN it is left alone', () => {
    expect(repairText('café naïve Zürich — “fine”')).toBe('café naïve Zürich — “fine”');
  });

  it('GIVEN runs of whitespace and control characters THEN they are collapsed or removed', () => {
    expect(repairText('  a\n\tb\u0007  c ')).toBe('a b c');
  });

  it('GIVEN an unknown entity THEN it is kept as written', () => {
    expect(decodeEntities('a &bogus; b')).toBe('a &bogus; b');
  });
});

describe('safeUrl', () => {
  it('GIVEN an http(s) URL with &#038; THEN the entity is decoded', () => {
    expect(safeUrl('https://example.com/a.png?fit=750%2C600&#038;strip=all')).toBe('https://example.com/a.png?fit=750%2C600&strip=all');
  });

  it.each(['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,hi', '/relative/path', 'ftp://example.com/x', 'not a url', '', 42, null])(
    'GIVEN %j THEN null',
    (input) => {
      expect(safeUrl(input)).toBeNull();
    },
  );
});

describe('canonicalUrl', () => {
  it('drops tracking parameters, fragments, www and trailing slashes', () => {
    expect(canonicalUrl('https://WWW.Example.com/a/b/?utm_source=feed&x=1#top')).toBe(canonicalUrl('http://example.com/a/b?x=1'));
  });
});

describe('repairText — a closing quote that lost its last byte', () => {
  it.each([
    ['whalesâ€ sell', 'whales” sell'],
    ['â€œsellâ€, they said', '“sell”, they said'],
    ['they said â€œsoonâ€', 'they said “soon”'],
    ['a â€œquoteâ€.', 'a “quote”.'],
  ])('GIVEN %j THEN %j', (input, expected) => {
    expect(repairText(input)).toBe(expected);
  });

  it('GIVEN â€ before a letter THEN it is left alone: the lost byte could be a hyphen as well as a quote', () => {
    expect(repairText('wellâ€known')).toBe('wellâ€known');
  });

  it.each(['pâté à la crème', 'Â bientôt', 'prix: 5 € — â la carte', 'Ã la mode', 'A “proper” quote', 'x€ y'])('GIVEN legitimate text %j THEN it is untouched', (text) => {
    expect(repairText(text)).toBe(text);
  });
});

describe('repairText and safeUrl on text that needs nothing', () => {
  it.each([
    [' a', 'a'],
    ['a  b', 'a b'],
    ['a\u00a0b', 'a b'],
    ['a\tb', 'a b'],
    ['plain text', 'plain text'],
  ])('GIVEN %j THEN repairText gives %j', (input, expected) => {
    expect(repairText(input)).toBe(expected);
  });

  it.each([
    ['https://a.example.com/p?a=1&b=2', 'https://a.example.com/p?a=1&b=2'],
    ['https://a.example.com/x/./y', 'https://a.example.com/x/y'],
    ['https://a.example.com/%2e%2e/p', 'https://a.example.com/p'],
    ['https://a.example.com', 'https://a.example.com/'],
    ["https://a.example.com/p?q=it's", 'https://a.example.com/p?q=it%27s'],
    ['https://A.example.com/p', 'https://a.example.com/p'],
    ['https://0x7f.1/p', 'https://127.0.0.1/p'],
    ['https://a.example.com/a b', 'https://a.example.com/a%20b'],
  ])('GIVEN %s THEN safeUrl gives what the URL parser gives: %s', (input, expected) => {
    expect(safeUrl(input)).toBe(expected);
  });
});
