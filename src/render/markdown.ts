/**
 * Discord Markdown helpers. Article text is untrusted: escaping keeps a title like `**BREAKING**`
 * or `[click](javascript:...)` from formatting or linking, and breaks mentions as a second line of
 * defence behind `allowed_mentions: {parse: []}`.
 */

/** Inline markers: they format anywhere in a line. */
const INLINE = /[\\*_~`|[\]()<]/g;
/** Block markers: they only format at the start of a line (text is kept on one line). */
const BLOCK_START = /^(\s*)([#>-])/;
/** An ordered-list marker (`1.`): Discord's escape goes before the dot. */
const ORDERED_START = /^(\s*\d+)\./;

/** Escapes every character Discord Markdown could interpret, and defuses @everyone/@here and <@id> mentions. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(INLINE, (c) => `\\${c}`)
    .replace(BLOCK_START, (_m, space: string, marker: string) => `${space}\\${marker}`)
    .replace(ORDERED_START, (_m, number: string) => `${number}\\.`)
    .replace(/@(everyone|here)/gi, '@\u200b$1')
    .replace(/@(?=[!&]?\d)/g, '@\u200b');
}

/**
 * Cuts `text` to at most `max` UTF-16 units, ending with `…`. Never splits a surrogate pair and never
 * leaves a lone escaping backslash at the end (which would escape the ellipsis and look broken).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  let out = text.slice(0, cut);
  const trailing = /\\+$/.exec(out)?.[0].length ?? 0;
  if (trailing % 2 === 1) out = out.slice(0, -1);
  return `${out}…`;
}

/** Escapes then truncates, so the limit holds for the text as sent. */
export function safeText(text: string, max: number): string {
  return truncate(escapeMarkdown(text), max);
}

/** Percent-encodes what would end a Markdown link early, so a URL with `)` or spaces stays one link. */
export function linkTarget(url: string): string {
  return url.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** URLs longer than this are not linked: a giant tracking URL would crowd the text out of a field. */
export const MAX_LINK_URL = 512;

/** `[title](url)` with the title escaped, or the escaped title alone when there is no usable URL. */
export function link(title: string, url: string | null, maxTitle = 200): string {
  const text = safeText(title, maxTitle);
  if (!url || url.length > MAX_LINK_URL || !/^https?:\/\//i.test(url)) return text;
  return `[${text}](${linkTarget(url)})`;
}
