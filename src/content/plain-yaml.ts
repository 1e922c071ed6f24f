import yaml from 'js-yaml';

/**
 * A fast path for the front matter nearly every feed writes: block mappings and lists, one scalar per
 * line, plain or quoted without escapes. Reading that with js-yaml cost more than all the rest of an
 * article's parse. This reader accepts only that shape and returns the same value js-yaml's core-schema
 * load returns (plain scalars are typed by js-yaml's own core-schema resolvers, in its order); for
 * anything else (comments, anchors and aliases, flow collections, block or multi-line scalars, escapes,
 * tabs, carriage returns, duplicate keys, odd indentation, a character js-yaml refuses) it returns
 * `undefined`, and the caller loads the text with js-yaml, which alone explains errors.
 */

/** js-yaml's core-schema implicit types (null, bool, int, float), in the order its loader tries them. */
const IMPLICIT = (yaml.CORE_SCHEMA as unknown as { compiledImplicit: Array<{ resolve(data: string): boolean; construct(data: string): unknown }> }).compiledImplicit;

/** Characters js-yaml refuses anywhere in its input (its `PATTERN_NON_PRINTABLE`), plus `\r`, tab and BOM, which this reader leaves to it. */
// eslint-disable-next-line no-control-regex
const UNSUPPORTED_TEXT = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF\r\t\ufeff]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;

/** A key this reader takes as written: a letter, then letters, digits and `_`. */
const KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
/**
 * A plain scalar this reader takes: starts with a letter or digit, no `#` (comments), no flow brackets,
 * no `: ` (a nested key), no doubled or trailing space (js-yaml trims it). `:` at its end is checked apart.
 */
const PLAIN = /^[A-Za-z0-9](?:[^\s#[\]{}:]|:(?! )| (?=[^\s#]))*$/;
const SINGLE_QUOTED = /^'((?:[^']|'')*)'$/;
const DOUBLE_QUOTED = /^"([^"\\]*)"$/;

/** Marks text this reader does not take. */
const NO = Symbol('not plain');

interface Line {
  indent: number;
  text: string;
}

/** The value of one scalar written on one line, or `NO`. */
function scalar(text: string): unknown {
  const first = text.charCodeAt(0);
  if (first === 0x27) {
    const m = SINGLE_QUOTED.exec(text);
    return m ? m[1]!.replace(/''/g, "'") : NO;
  }
  if (first === 0x22) {
    const m = DOUBLE_QUOTED.exec(text);
    return m ? m[1]! : NO;
  }
  if (!PLAIN.test(text) || text.endsWith(':')) return NO;
  for (const type of IMPLICIT) if (type.resolve(text)) return type.construct(text);
  return text;
}

/** Keys seen so far and whether js-yaml would type them: the same few dozen keys recur in every file. */
const typedKeys = new Map<string, boolean>();

function isTypedKey(key: string): boolean {
  let typed = typedKeys.get(key);
  if (typed === undefined) {
    typed = IMPLICIT.some((type) => type.resolve(key));
    if (typedKeys.size < 10_000) typedKeys.set(key, typed);
  }
  return typed;
}

/** A reader over the lines of one front matter. */
class Reader {
  i = 0;
  constructor(private readonly lines: readonly Line[]) {}

  /** The next non-empty line (empty lines are skipped as js-yaml skips them), or null at the end. */
  peek(): Line | null {
    while (this.i < this.lines.length && this.lines[this.i]!.text === '') this.i++;
    return this.i < this.lines.length ? this.lines[this.i]! : null;
  }

  /**
   * A block mapping whose keys sit at `indent`. `first` is the text after a list item's `- `, which
   * holds the mapping's first key on the item's own line.
   */
  mapping(indent: number, first: string | null): Record<string, unknown> | typeof NO {
    const out: Record<string, unknown> = {};
    let text = first;
    for (;;) {
      if (text === null) {
        const line = this.peek();
        if (line === null || line.indent < indent) return out;
        if (line.indent > indent) return NO;
        text = line.text;
        this.i++;
      }
      const colon = text.indexOf(':');
      if (colon <= 0) return NO;
      const key = text.slice(0, colon);
      if (!KEY.test(key) || Object.prototype.hasOwnProperty.call(out, key)) return NO;
      // A key that js-yaml would type (`null`, `true`...) is stored under its typed value's text: not taken.
      if (isTypedKey(key)) return NO;
      const rest = text.slice(colon + 1);
      let value: unknown;
      if (rest === '') value = this.nested(indent);
      else if (rest.charCodeAt(0) === 0x20) {
        value = scalar(rest.slice(1));
        // A more indented line after a scalar would continue it (or be an error): not taken.
        const next = this.peek();
        if (next !== null && next.indent > indent) return NO;
      } else return NO;
      if (value === NO) return NO;
      out[key] = value;
      text = null;
    }
  }

  /** The value of a key written with nothing after its colon: a nested mapping or list, or null. */
  nested(indent: number): unknown {
    const line = this.peek();
    if (line === null) return null;
    const isItem = line.text.startsWith('- ');
    if (line.indent > indent) return isItem ? this.list(line.indent) : this.mapping(line.indent, null);
    // A list may sit at its key's own indentation.
    if (line.indent === indent && isItem) return this.list(indent);
    return null;
  }

  /** A block list whose `- ` markers sit at `indent`. */
  list(indent: number): unknown[] | typeof NO {
    const out: unknown[] = [];
    for (;;) {
      const line = this.peek();
      if (line === null || line.indent < indent) return out;
      if (line.indent > indent) return NO;
      if (!line.text.startsWith('- ')) return out;
      this.i++;
      const item = line.text.slice(2);
      let value: unknown;
      if (item === '' || item.startsWith('- ') || item.startsWith(' ')) return NO;
      if (/^[A-Za-z][A-Za-z0-9_]*:(?: |$)/.test(item)) value = this.mapping(indent + 2, item);
      else {
        value = scalar(item);
        const next = this.peek();
        if (next !== null && next.indent > indent) return NO;
      }
      if (value === NO) return NO;
      out.push(value);
    }
  }
}

/**
 * `text` read as js-yaml reads it with the core schema, when it has the plain shape described above;
 * `undefined` otherwise (then js-yaml must read it).
 */
export function readPlainYaml(text: string): Record<string, unknown> | undefined {
  if (UNSUPPORTED_TEXT.test(text)) return undefined;
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    let indent = 0;
    while (raw.charCodeAt(indent) === 0x20) indent++;
    // A line of spaces only is left to js-yaml; an empty line is skipped.
    if (indent > 0 && indent === raw.length) return undefined;
    lines.push({ indent, text: raw.slice(indent) });
  }
  const reader = new Reader(lines);
  const first = reader.peek();
  if (first === null || first.indent !== 0) return undefined;
  const value = reader.mapping(0, null);
  if (value === NO || reader.peek() !== null) return undefined;
  return value;
}
