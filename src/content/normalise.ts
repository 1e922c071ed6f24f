/**
 * Text and URL repair for untrusted feed content. Feeds often pass UTF-8 through a Windows-1252
 * decoder (`â€¦` for `…`) and HTML-escape text that is not HTML (`&#038;` in URLs); both are undone
 * here, once, so every renderer can trust the text.
 */

/** Windows-1252 characters in 0x80–0x9F that differ from Latin-1, mapped back to their byte. */
const CP1252_TO_BYTE: Record<string, number> = {
  '€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89, 'Š': 0x8a,
  '‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
  '˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b, 'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
};

function byteOf(ch: string): number | undefined {
  const mapped = CP1252_TO_BYTE[ch];
  if (mapped !== undefined) return mapped;
  const code = ch.charCodeAt(0);
  // Latin-1 range, including the C1 controls a lenient decoder leaves for undefined cp1252 bytes.
  return code <= 0xff ? code : undefined;
}

/** A lead byte (Ã, Â, â, ð...) followed by continuation-byte characters: the shape of double-decoded UTF-8. */
const MOJIBAKE_RUN = /[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178]{1,3}/g;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reverses UTF-8-read-as-Windows-1252 mojibake. Each suspicious run is re-encoded to bytes and decoded
 * as UTF-8; a run that is not valid UTF-8 is left alone, so real accented text (`café`) is never damaged.
 */
export function repairMojibake(text: string): string {
  if (!/[\u00c2-\u00f4]/.test(text)) return text;
  return repairLostQuoteByte(text.replace(MOJIBAKE_RUN, (run) => {
    const chars = [...run];
    // The run may have swallowed a genuine character after the sequence: try the longest valid prefix.
    for (let n = chars.length; n >= 2; n--) {
      const fixed = decodeCp1252Utf8(chars.slice(0, n));
      if (fixed !== null) return fixed + chars.slice(n).join('');
    }
    return run;
  }));
}

/**
 * `â€` left over once every complete sequence is repaired is `E2 80` with its third byte lost: 0x9D
 * (of `”`) is one of the five bytes Windows-1252 leaves undefined, so lenient decoders drop it. The
 * other candidates (0x81, 0x8D, 0x8F, 0x90) are invisible spaces, joiners and a hyphen, none of which
 * ends a word before a space, punctuation or the end of the text: there, the quote is certain. Before
 * a letter the byte could be the hyphen (`wellâ€known`), so that is left as written.
 */
function repairLostQuoteByte(text: string): string {
  return text.includes('â€') ? text.replace(/â€(?=[\s.,;:!?)\]}»]|$)/g, '”') : text;
}

function decodeCp1252Utf8(chars: string[]): string | null {
  const bytes: number[] = [];
  for (const ch of chars) {
    const b = byteOf(ch);
    if (b === undefined) return null;
    bytes.push(b);
  }
  try {
    const decoded = utf8.decode(Uint8Array.from(bytes));
    return decoded.length < chars.length ? decoded : null;
  } catch {
    return null;
  }
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', hellip: '…', mdash: '—', ndash: '–',
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', copy: '©', reg: '®', trade: '™',
  euro: '€', pound: '£', yen: '¥', cent: '¢', deg: '°', times: '×', middot: '·', bull: '•',
};

/** Decodes HTML character references (`&#038;`, `&#x27;`, `&amp;`, `&hellip;`); unknown ones stay as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/**
 * Whether `repairText` could change a text: a mojibake lead character, `&`, a control character, white
 * space other than a single space between words, or white space at either end. Most fields have none,
 * and one scan is cheaper than the four passes (and new strings) of the repair.
 */
// eslint-disable-next-line no-control-regex
const MAY_NEED_REPAIR = /[\u0000-\u001f\u007f&\u00c2-\u00f4\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]|^ | $| {2}/;

/** Repairs one text field: mojibake, entities, stray control characters and runs of whitespace. */
export function repairText(text: string | null | undefined): string {
  if (!text) return '';
  if (typeof text === 'string' && !MAY_NEED_REPAIR.test(text)) return text;
  // eslint-disable-next-line no-control-regex
  return decodeEntities(repairMojibake(String(text))).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/\s+/g, ' ').trim();
}

/**
 * An http(s) URL that the URL parser gives back exactly as written (`new URL(u).href === u`), so the
 * parse can be skipped: a lower-case host of letter-and-digit labels ending in a letter-only label (no
 * IPv4, no punycode, no port, no user), a path, and an optional query, with no character in either
 * that the parser would percent-encode, and (see `DOT_SEGMENT`) no `.` or `..` segment to resolve.
 */
const PLAIN_URL = /^https?:\/\/[a-z0-9]+(?:[.-][a-z0-9]+)*\.[a-z]+\/[\w.~!$&()*+,;=:@%/-]*(?:\?[\w.~!$&()*+,;=:@%/?-]*)?$/;
/** A path segment starting with a dot, written or percent-encoded: the parser may resolve it. */
const DOT_SEGMENT = /\/\.|%2e/i;

/**
 * Returns the URL if it is an absolute http(s) URL, after decoding entities, else null. Anything else
 * (`javascript:`, `data:`, relative paths, garbage) must never reach a message as a link.
 */
export function safeUrl(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const text = decodeEntities(raw.trim());
  if (PLAIN_URL.test(text) && !DOT_SEGMENT.test(text)) return text;
  if (!/^https?:\/\//i.test(text)) return null;
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!url.hostname) return null;
    return url.href;
  } catch {
    return null;
  }
}

/** A URL reduced to what identifies the story: for duplicate detection, never for display. */
export function canonicalUrl(url: string): string {
  try {
    const u = new URL(url);
    u.hostname = u.hostname.toLowerCase().replace(/^www\./, '');
    // Only host, path and query make the key; with no query there are no parameters to drop or sort.
    if (u.search !== '') {
      for (const key of [...u.searchParams.keys()]) if (/^(utm_|fbclid$|gclid$|ref$)/i.test(key)) u.searchParams.delete(key);
      u.searchParams.sort();
    }
    const path = u.pathname.replace(/\/+$/, '');
    return `${u.hostname}${path}${u.search}`;
  } catch {
    return url.toLowerCase();
  }
}
