// @ts-check
// Discord-flavoured Markdown to HTML, for the sandbox page. It follows what Discord renders in
// messages and embeds: bold, italics, underline, strikethrough, spoilers, inline code and code blocks,
// masked links (http and https only), headings, lists, block quotes, subtext, mentions, and
// backslash escapes. Everything else is shown as text, HTML-escaped.

const ESCAPABLE = /[\\*_~`|[\]()<>#\-.:!+={}@/]/;

/** @type {Record<string, string>} */
const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * HTML-escapes text.
 * @param {unknown} text
 * @returns {string}
 */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * @param {string} text
 * @param {number} index
 */
function isEscaped(text, index) {
  let n = 0;
  for (let i = index - 1; i >= 0 && text[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/**
 * @param {string} text
 * @param {string} delimiter
 * @param {number} from
 */
function findClosing(text, delimiter, from) {
  for (let j = text.indexOf(delimiter, from); j !== -1; j = text.indexOf(delimiter, j + 1)) {
    if (!isEscaped(text, j)) return j;
  }
  return -1;
}

/** @type {Array<[delimiter: string, wrap: (inner: string) => string]>} */
const SPANS = [
  ['||', (inner) => `<span class="md-spoiler">${inner}</span>`],
  ['**', (inner) => `<strong>${inner}</strong>`],
  ['__', (inner) => `<u>${inner}</u>`],
  ['~~', (inner) => `<s>${inner}</s>`],
  ['*', (inner) => `<em>${inner}</em>`],
  ['_', (inner) => `<em>${inner}</em>`],
];

/** @param {string} url */
function safeHref(url) {
  return /^https?:\/\//i.test(url) ? escapeHtml(url) : null;
}

/**
 * Renders one line of inline Markdown to HTML.
 * @param {string} text
 * @param {{ channelName?: (id: string) => string | undefined, userName?: (id: string) => string | undefined }} [ctx]
 */
export function renderInline(text, ctx = {}) {
  let out = '';
  let i = 0;
  outer: while (i < text.length) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length && ESCAPABLE.test(text[i + 1])) {
      out += escapeHtml(text[i + 1]);
      i += 2;
      continue;
    }
    if (ch === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > i + 1) {
        out += `<code class="md-code">${escapeHtml(text.slice(i + 1, end))}</code>`;
        i = end + 1;
        continue;
      }
    }
    for (const [d, wrap] of SPANS) {
      if (!text.startsWith(d, i)) continue;
      let close = findClosing(text, d, i + d.length);
      // `***x***`: the doubled delimiter closes at the end of the run, leaving `*x*` inside.
      while (close > 0 && d.length === 2 && text[close + 2] === d[0]) close++;
      // Single-character delimiters need content and must not be the start of the doubled form.
      if (close > i + d.length && text.slice(i + d.length, close).trim() !== '') {
        out += wrap(renderInline(text.slice(i + d.length, close), ctx));
        i = close + d.length;
        continue outer;
      }
    }
    if (ch === '[') {
      const closeLabel = findClosing(text, ']', i + 1);
      if (closeLabel > i && text[closeLabel + 1] === '(') {
        const closeUrl = findClosing(text, ')', closeLabel + 2);
        const href = closeUrl > 0 ? safeHref(text.slice(closeLabel + 2, closeUrl).trim()) : null;
        if (href) {
          out += `<a class="md-link" href="${href}" target="_blank" rel="noopener noreferrer">${renderInline(text.slice(i + 1, closeLabel), ctx)}</a>`;
          i = closeUrl + 1;
          continue;
        }
      }
    }
    if (text.startsWith('http://', i) || text.startsWith('https://', i)) {
      const m = /^https?:\/\/[^\s<]+[^\s<.,:;"')\]]/.exec(text.slice(i));
      if (m) {
        out += `<a class="md-link" href="${escapeHtml(m[0])}" target="_blank" rel="noopener noreferrer">${escapeHtml(m[0])}</a>`;
        i += m[0].length;
        continue;
      }
    }
    if (ch === '<') {
      const m = /^<(@!?|@&|#)(\d{5,20})>/.exec(text.slice(i));
      if (m) {
        const name = m[1] === '#' ? ctx.channelName?.(m[2]) : ctx.userName?.(m[2]);
        const label = m[1] === '#' ? `#${name ?? 'unknown-channel'}` : m[1] === '@&' ? '@role' : `@${name ?? 'user'}`;
        out += `<span class="md-mention">${escapeHtml(label)}</span>`;
        i += m[0].length;
        continue;
      }
    }
    out += escapeHtml(ch);
    i++;
  }
  return out;
}

/**
 * Renders a Markdown message or embed text to HTML.
 * @param {string} text
 * @param {{ channelName?: (id: string) => string | undefined, userName?: (id: string) => string | undefined }} [ctx]
 */
export function renderMarkdown(text, ctx = {}) {
  const lines = String(text ?? '').split('\n');
  /** @type {string[]} */
  const out = [];
  /** @type {string[] | null} */
  let list = null;
  /** @type {string[] | null} */
  let quote = null;
  const flush = () => {
    if (list) out.push(`<ul class="md-list">${list.map((l) => `<li>${l}</li>`).join('')}</ul>`);
    if (quote) out.push(`<blockquote class="md-quote">${quote.join('<br>')}</blockquote>`);
    list = null;
    quote = null;
  };
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (line.startsWith('```')) {
      flush();
      /** @type {string[]} */
      const body = [];
      let end = n + 1;
      while (end < lines.length && !lines[end].startsWith('```')) body.push(lines[end++]);
      if (end < lines.length) {
        out.push(`<pre class="md-codeblock"><code>${escapeHtml(body.join('\n'))}</code></pre>`);
        n = end;
        continue;
      }
    }
    const bullet = /^\s*[-*] (.*)$/.exec(line);
    if (bullet) {
      if (quote) flush();
      (list ??= []).push(renderInline(bullet[1], ctx));
      continue;
    }
    const q = /^> (.*)$/.exec(line);
    if (q) {
      if (list) flush();
      (quote ??= []).push(renderInline(q[1], ctx));
      continue;
    }
    flush();
    const heading = /^(#{1,3}) (.+)$/.exec(line);
    if (heading) {
      out.push(`<div class="md-h${heading[1].length}">${renderInline(heading[2], ctx)}</div>`);
      continue;
    }
    const sub = /^-# (.+)$/.exec(line);
    if (sub) {
      out.push(`<div class="md-subtext">${renderInline(sub[1], ctx)}</div>`);
      continue;
    }
    out.push(line === '' ? '<div class="md-blank"></div>' : `<div class="md-line">${renderInline(line, ctx)}</div>`);
  }
  flush();
  return out.join('');
}
