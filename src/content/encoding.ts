/**
 * The text of a content file from its bytes. Editors on Windows still save UTF-16 with a byte-order
 * mark; read as UTF-8 it looks like "no front matter", which sends an operator after the wrong fix.
 */

/** The decoded text, or which encoding the file is in and what to do about it. */
export type DecodedContent = { ok: true; text: string } | { ok: false; message: string };

const RESAVE = 'save it as UTF-8';

// One decoder of each kind for every file: `decode` without `stream` starts afresh on each call.
const UTF8 = new TextDecoder('utf-8');
const UTF16LE = new TextDecoder('utf-16le');
const UTF16BE = new TextDecoder('utf-16be');

/**
 * True when most of the first pairs of bytes are a zero and a non-zero byte in this order: mostly-ASCII
 * text in UTF-16 without a byte-order mark. UTF-8 text never has zero bytes.
 */
function looksLikeUtf16(bytes: Uint8Array, zeroAt: 0 | 1): boolean {
  const n = Math.min(bytes.length, 128) & ~1;
  if (n < 8) return false;
  let pairs = 0;
  for (let i = 0; i < n; i += 2) if (bytes[i + zeroAt] === 0 && bytes[i + 1 - zeroAt] !== 0) pairs++;
  return pairs * 4 >= (n / 2) * 3;
}

/**
 * Decodes UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark, little or big
 * endian. UTF-32 and UTF-16 without a mark are named rather than guessed at. Invalid UTF-8 is decoded
 * leniently, as before: the parser then says what is wrong with the text.
 */
export function decodeContent(bytes: Uint8Array): DecodedContent {
  const [b0, b1, b2, b3] = bytes;
  if (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) return { ok: false, message: `The file is UTF-32 (little-endian); ${RESAVE}` };
  if (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) return { ok: false, message: `The file is UTF-32 (big-endian); ${RESAVE}` };
  if (b0 === 0xff && b1 === 0xfe) return { ok: true, text: UTF16LE.decode(bytes.subarray(2)) };
  if (b0 === 0xfe && b1 === 0xff) return { ok: true, text: UTF16BE.decode(bytes.subarray(2)) };
  if (looksLikeUtf16(bytes, 1)) return { ok: false, message: `The file looks like UTF-16 (little-endian) without a byte-order mark; ${RESAVE}` };
  if (looksLikeUtf16(bytes, 0)) return { ok: false, message: `The file looks like UTF-16 (big-endian) without a byte-order mark; ${RESAVE}` };
  // TextDecoder drops a UTF-8 byte-order mark itself.
  return { ok: true, text: UTF8.decode(bytes) };
}
