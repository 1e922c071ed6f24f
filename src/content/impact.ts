import { Lexer, type Token, type Tokens } from 'marked';
import { repairText } from './normalise.ts';

const HEADING = 'impact on the crypto market';

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

function isImpactHeading(t: Token): t is Tokens.Heading {
  if (t.type !== 'heading') return false;
  const text = repairText(plain((t as Tokens.Heading).tokens, (t as Tokens.Heading).text)).toLowerCase();
  return text.replace(/[\s:.!?–—-]+$/, '') === HEADING;
}

/**
 * The bullets of the "Impact on the crypto market" section (any heading level, any case), as plain
 * text. Parsed with marked's lexer so lists, code blocks and nested markup are understood, not guessed.
 */
export function extractImpact(markdown: string): string[] {
  // Most bodies have no such section: skip the parse entirely (it dominates cold start otherwise).
  if (!markdown || !markdown.toLowerCase().includes(HEADING)) return [];
  const tokens = new Lexer().lex(markdown);
  const start = tokens.findIndex(isImpactHeading);
  if (start < 0) return [];
  const depth = (tokens[start] as Tokens.Heading).depth;
  const bullets: string[] = [];
  for (const t of tokens.slice(start + 1)) {
    if (t.type === 'heading' && (t as Tokens.Heading).depth <= depth) break;
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
  for (const t of new Lexer().lex(markdown)) {
    if (t.type === 'paragraph') return repairText(plain((t as Tokens.Paragraph).tokens, (t as Tokens.Paragraph).text));
  }
  return '';
}
