import { Lexer, type Token, type Tokens } from 'marked';
import { repairText } from './normalise.ts';

const HEADING = 'impact on the crypto market';
/**
 * `text.toLowerCase().includes(HEADING)` without lower-casing a copy of the whole body: Unicode case
 * folding (`u`) matches the same texts, the Kelvin sign included, and `İ` (which lower-cases to two
 * characters) in neither.
 */
const HEADING_ANY_CASE = /impact on the crypto market/iu;

/**
 * marked is superlinear on some text (inline: 200 KB of `_a__` took minutes; block: thousands of list
 * items), and a body may be 2 MB. So marked only ever sees bounded pieces: the impact section (found
 * by a linear line scan) up to this size, and each run of inline text up to `MAX_INLINE_CHARS`. A real
 * section is a few bullets, well under the bound.
 */
export const MAX_SECTION_CHARS = 4 * 1024;
/** Inline text longer than this (a bullet, a paragraph) is cut before its markup is read. */
export const MAX_INLINE_CHARS = 1000;
/** The summary taken from a body is looked for in its first part only. */
const MAX_SUMMARY_SCAN_CHARS = 16 * 1024;

/** The plain text of inline tokens: emphasis, links and code keep their words, lose their markup. */
function plain(tokens: readonly Token[] | undefined, fallback: string): string {
  if (!tokens) return fallback;
  let out = '';
  for (const t of tokens) {
    if ('tokens' in t && Array.isArray(t.tokens) && t.tokens.length > 0) out += plain(t.tokens, '');
    else if (t.type === 'br') out += ' ';
    else if (t.type === 'image') out += (t as Tokens.Image).text;
    else if (t.type === 'html') continue;
    else out += 'text' in t && typeof t.text === 'string' ? t.text : '';
  }
  return out;
}

/** `text` cut to `max` characters without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text[max - 1]!) ? max - 1 : max;
  return text.slice(0, end);
}

/** Lexes bounded Markdown as `Lexer.lex` does, except that each inline run is cut to `MAX_INLINE_CHARS` first. */
function lexBounded(markdown: string): Token[] {
  const lexer = new Lexer();
  const tokens = lexer.blockTokens(markdown, []);
  for (const pending of lexer.inlineQueue) lexer.inlineTokens(cut(pending.src, MAX_INLINE_CHARS), pending.tokens);
  lexer.inlineQueue = [];
  return tokens;
}

/**
 * What can make marked read a line as anything but its own text: inline markup (escapes, tags, links,
 * emphasis, code, strikethrough, autolinks, e-mail addresses, table pipes), `&` (marked decodes numeric
 * character references in text) and control characters. A line free of these is, to marked, plain text.
 */
// eslint-disable-next-line no-control-regex
const INLINE_SYNTAX = /[\u0000-\u001f\u007f\\<>[\]`*~_&@|]|https?:|ftp:|www\./i;

/** A `- ` bullet whose text starts with a letter: not a nested list, heading, quote, fence, rule or task. */
const PLAIN_BULLET = /^- \p{L}/u;
const BLANK_LINE = /^ *$/;

/**
 * The bullets of a section made only of plain `- text` lines, one after another, with nothing but blank
 * lines around them, or null when the section is anything else. This is the usual shape, and for it
 * marked's result is known: one tight list whose items are their own text (cut as `lexBounded` cuts
 * inline runs). Anything else goes to marked.
 */
function plainBullets(section: string): string[] | null {
  const lines = section.split('\n');
  let first = 0;
  while (first < lines.length && BLANK_LINE.test(lines[first]!)) first++;
  let end = first;
  while (end < lines.length && PLAIN_BULLET.test(lines[end]!)) end++;
  if (end === first) return null;
  for (let i = end; i < lines.length; i++) if (!BLANK_LINE.test(lines[i]!)) return null;
  const bullets: string[] = [];
  for (let i = first; i < end; i++) {
    const line = lines[i]!;
    // marked trims the end of a list's last item: a line ending in white space of any kind goes to marked.
    if (/\s$/.test(line) || INLINE_SYNTAX.test(line)) return null;
    const text = repairText(cut(line.slice(2), MAX_INLINE_CHARS));
    if (text) bullets.push(text);
  }
  return bullets;
}

/** The heading's text as a reader sees it: markup and trailing punctuation removed, any case. */
function isImpactTitle(raw: string): boolean {
  if (raw.length > 200 || !raw.toLowerCase().includes(HEADING)) return false;
  // Text with no inline syntax is its own plain text: marked is only needed for the rest.
  const text = repairText(INLINE_SYNTAX.test(raw) ? plain(Lexer.lexInline(raw), raw) : raw).toLowerCase();
  return text.replace(/[\s:.!?–—-]+$/, '') === HEADING;
}

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The impact section found by a linear scan of lines: its heading depth and the text that follows the
 * heading, at most `MAX_SECTION_CHARS`. Lines inside fenced code blocks are never headings.
 */
function findSection(lines: readonly string[]): { depth: number; text: string } | null {
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // Fences and ATX headings start within three spaces: most lines are ruled out by one character,
    // before a regex that V8 would try at every position of a long paragraph.
    const lead = line.charCodeAt(line.charCodeAt(0) !== 32 ? 0 : line.charCodeAt(1) !== 32 ? 1 : line.charCodeAt(2) !== 32 ? 2 : 3);
    const f = lead === 0x60 || lead === 0x7e ? FENCE.exec(line) : null;
    if (fence !== null) {
      if (f && f[1]![0] === fence[0] && f[1]!.length >= fence.length && line.trim() === f[1]) fence = null;
      continue;
    }
    if (f && !(f[1]![0] === '`' && line.slice(line.indexOf(f[1]!) + f[1]!.length).includes('`'))) {
      fence = f[1]!;
      continue;
    }
    let depth = 0;
    let start = i + 1;
    const atx = lead === 0x23 ? ATX.exec(line) : null;
    if (atx && isImpactTitle(atx[2] ?? '')) depth = atx[1]!.length;
    else if (i + 1 < lines.length && line.trim() !== '' && (i === 0 || lines[i - 1]!.trim() === '') && isImpactTitle(line.trim())) {
      const under = SETEXT.exec(lines[i + 1]!);
      if (under) {
        depth = under[1]![0] === '=' ? 1 : 2;
        start = i + 2;
      }
    }
    if (depth === 0) continue;
    // Where the section ends is left to marked (it knows setext headings and code blocks); the scan only bounds it.
    let size = 0;
    let end = start;
    while (end < lines.length && size + lines[end]!.length < MAX_SECTION_CHARS) size += lines[end++]!.length + 1;
    const rest = end < lines.length ? `\n${cut(lines[end]!, MAX_SECTION_CHARS - size)}` : '';
    return { depth, text: lines.slice(start, end).join('\n') + rest };
  }
  return null;
}

/**
 * The bullets of the "Impact on the crypto market" section (any heading level, any case), as plain
 * text. The section is located by a line scan and then read with marked's lexer, bounded, so lists,
 * code blocks and nested markup are understood, not guessed, and no body can stall the load.
 */
export function extractImpact(markdown: string): string[] {
  // Most bodies have no such section: skip the scan entirely (it dominates cold start otherwise).
  if (!markdown || !HEADING_ANY_CASE.test(markdown)) return [];
  const section = findSection(markdown.replace(/\r\n?/g, '\n').split('\n'));
  if (!section) return [];
  const simple = plainBullets(section.text);
  if (simple) return simple;
  const bullets: string[] = [];
  for (const t of lexBounded(section.text)) {
    if (t.type === 'heading' && (t as Tokens.Heading).depth <= section.depth) break;
    if (t.type !== 'list') continue;
    for (const item of (t as Tokens.List).items) {
      const text = repairText(plain(item.tokens, item.text));
      if (text) bullets.push(text);
    }
  }
  return bullets;
}

/** The first paragraph's plain text, used as a summary when the front matter has none. */
export function firstParagraph(markdown: string): string {
  if (!markdown.trim()) return '';
  let head = markdown.replace(/\r\n?/g, '\n');
  // Only the start of the body can hold its first paragraph; cut at a line end so no block is split mid-line.
  if (head.length > MAX_SUMMARY_SCAN_CHARS) head = head.slice(0, head.lastIndexOf('\n', MAX_SUMMARY_SCAN_CHARS) + 1 || MAX_SUMMARY_SCAN_CHARS);
  for (const t of lexBounded(head)) {
    if (t.type === 'paragraph') return repairText(plain((t as Tokens.Paragraph).tokens, (t as Tokens.Paragraph).text));
  }
  return '';
}
