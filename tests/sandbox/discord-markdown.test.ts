import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMarkdown } from '../../src/render/markdown.ts';
// @ts-expect-error: a browser module, plain JavaScript with no type declarations
import { renderInline, renderMarkdown } from '../../src/sandbox/public/discord-markdown.js';

const md = renderMarkdown as (text: string, ctx?: object) => string;
const inline = renderInline as (text: string, ctx?: object) => string;
const textOf = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

describe('Discord Markdown renderer', () => {
  it('renders the inline styles Discord supports', () => {
    expect(inline('**b** *i* _i_ __u__ ~~s~~ ||spoiler|| `code`')).toBe(
      '<strong>b</strong> <em>i</em> <em>i</em> <u>u</u> <s>s</s> <span class="md-spoiler">spoiler</span> <code class="md-code">code</code>',
    );
    expect(inline('***both***')).toBe('<strong><em>both</em></strong>');
  });

  it('renders masked links only for http(s), and autolinks bare URLs', () => {
    expect(inline('[Title](https://e.com/a?b=1&c=2)')).toBe('<a class="md-link" href="https://e.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">Title</a>');
    expect(inline('[x](javascript:alert(1))')).not.toContain('<a');
    expect(inline('see https://e.com/x.')).toBe('see <a class="md-link" href="https://e.com/x" target="_blank" rel="noopener noreferrer">https://e.com/x</a>.');
  });

  it('honours backslash escapes, so escaped text shows literally', () => {
    expect(inline('\\*\\*not bold\\*\\* \\[x\\]\\(y\\) \\_a\\_')).toBe('**not bold** [x](y) _a_');
  });

  it('escapes HTML in article text', () => {
    expect(inline('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('renders lists, quotes, headings, subtext and code blocks', () => {
    expect(md('**Impact**\n• one\n- two\n* three')).toBe('<div class="md-line"><strong>Impact</strong></div><div class="md-line">• one</div><ul class="md-list"><li>two</li><li>three</li></ul>');
    expect(md('> quoted\n# Big\n-# small')).toBe('<blockquote class="md-quote">quoted</blockquote><div class="md-h1">Big</div><div class="md-subtext">small</div>');
    expect(md('```\n**raw**\n```')).toBe('<pre class="md-codeblock"><code>**raw**</code></pre>');
  });

  it('shows mentions by name', () => {
    expect(inline('in <#400000000000000001>', { channelName: () => 'digest' })).toBe('in <span class="md-mention">#digest</span>');
  });

  it('PROPERTY: whatever the bot escapes is displayed exactly as the original text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const original = s.replace(/\s+/g, ' ');
        const shown = textOf(inline(escapeMarkdown(s))).replace(/\u200b/g, '');
        expect(shown).toBe(original);
      }),
      { numRuns: 300 },
    );
  });
});
