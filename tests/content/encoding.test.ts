import { describe, expect, it } from 'vitest';
import { decodeContent } from '../../src/content/encoding.ts';

const text = '---\ntitle: Café “quoted”\n---\nBody 🚀\n';

function utf16be(s: string): Buffer {
  const le = Buffer.from(s, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

describe('decodeContent', () => {
  it('GIVEN UTF-8, with or without a byte-order mark THEN the text', () => {
    expect(decodeContent(Buffer.from(text, 'utf8'))).toEqual({ ok: true, text });
    expect(decodeContent(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]))).toEqual({ ok: true, text });
  });

  it('GIVEN UTF-16 with a byte-order mark, little or big endian THEN the text', () => {
    expect(decodeContent(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))).toEqual({ ok: true, text });
    expect(decodeContent(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)]))).toEqual({ ok: true, text });
  });

  it('GIVEN UTF-16 without a byte-order mark THEN the encoding is named', () => {
    expect(decodeContent(Buffer.from(text, 'utf16le'))).toEqual({ ok: false, message: expect.stringMatching(/UTF-16 \(little-endian\) without a byte-order mark.*UTF-8/) });
    expect(decodeContent(utf16be(text))).toEqual({ ok: false, message: expect.stringMatching(/UTF-16 \(big-endian\)/) });
  });

  it('GIVEN UTF-32 with a byte-order mark THEN the encoding is named', () => {
    expect(decodeContent(Buffer.from([0xff, 0xfe, 0, 0, 0x2d, 0, 0, 0]))).toEqual({ ok: false, message: expect.stringMatching(/UTF-32/) });
  });
});
