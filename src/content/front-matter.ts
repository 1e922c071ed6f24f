import matter from 'gray-matter';
import yaml from 'js-yaml';
import { readPlainYaml } from './plain-yaml.ts';

/**
 * Front matter, read safely. Content files are untrusted: a few hundred bytes must not be able to
 * run code (`---js`), freeze the process (a YAML alias bomb) or mean different things on different
 * servers (timestamps). Everything that turns front-matter text into values lives here.
 */

/** The front matter of one file, or why it could not be read. */
export type FrontMatter = { ok: true; data: Record<string, unknown>; body: string } | { ok: false; message: string };

/**
 * The most values a front matter may hold once YAML aliases are expanded. A real article has a few
 * dozen; 9 nested anchors of 9 aliases each stand for 9^10, and every later step (validation,
 * `String(value)`) walks the expanded tree, so the bound is checked before anything reads the data.
 */
export const MAX_FRONT_MATTER_VALUES = 100_000;

/**
 * The most characters of text a front matter may hold once aliases are expanded: twice what fits in a
 * file under the loader's 2 MB cap. A 1 MB string aliased 90,000 times is few values but 90 GB of text.
 */
export const MAX_FRONT_MATTER_CHARS = 4_000_000;

/** Nesting deeper than this is refused: no article needs it, and walking it would risk the stack. */
const MAX_DEPTH = 64;

class FrontMatterError extends Error {}

const refuseJavaScript = () => {
  throw new FrontMatterError('JavaScript front matter is not allowed: content is untrusted and is never executed');
};

/**
 * YAML 1.2 core schema: timestamps stay strings, so a quoted and an unquoted date go through the
 * same strict parser (`dates.ts`) instead of js-yaml's lenient one (`2026-13-45` → 14 Feb 2027).
 */
function parseYaml(text: string): unknown {
  // The usual plain shape is read without js-yaml, to the same value (see `plain-yaml.ts`).
  return readPlainYaml(text) ?? yaml.safeLoad(text, { schema: yaml.CORE_SCHEMA, json: false });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new FrontMatterError(`Invalid JSON front matter: ${(err as Error).message}`);
  }
}

/**
 * The engines of every gray-matter call. gray-matter `eval`s `---js` / `---javascript` by default:
 * both are replaced with a function that throws, and YAML goes through the core schema above.
 */
export const SAFE_MATTER_OPTIONS = {
  engines: { yaml: parseYaml, json: parseJson, javascript: refuseJavaScript, js: refuseJavaScript },
} as const;

/** The languages a front matter may declare after its opening `---`, and the engine each one uses. */
const LANGUAGES: Readonly<Record<string, 'yaml' | 'json' | 'javascript'>> = { '': 'yaml', yaml: 'yaml', yml: 'yaml', json: 'json', js: 'javascript', javascript: 'javascript' };

/** How much a value stands for once expanded: values and characters of text. */
interface Size {
  values: number;
  chars: number;
}

/**
 * What `data` stands for with every alias expanded, stopping once a bound is passed. js-yaml shares
 * one object between an anchor and its aliases, so counting each shared object once (memoised) keeps
 * this linear in the text, whatever the expansion. A cycle (an alias inside its own anchor) or
 * excessive depth returns a reason instead.
 */
function expandedSize(data: unknown): Size | string {
  const sizes = new Map<object, Size>();
  const open = new Set<object>();
  const visit = (value: unknown, depth: number): Size | string => {
    if (value === null || typeof value !== 'object') return { values: 1, chars: typeof value === 'string' ? value.length : 0 };
    const known = sizes.get(value);
    if (known !== undefined) return known;
    if (open.has(value)) return 'an alias refers to the value that contains it';
    if (depth > MAX_DEPTH) return `values are nested more than ${MAX_DEPTH} deep`;
    open.add(value);
    const total: Size = { values: 1, chars: 0 };
    // Keys (none for a list) and values in order, without building an entry array per object.
    const keys: readonly string[] | null = Array.isArray(value) ? null : Object.keys(value);
    const count = keys === null ? (value as unknown[]).length : keys.length;
    for (let i = 0; i < count; i++) {
      const child: unknown = keys === null ? (value as unknown[])[i] : (value as Record<string, unknown>)[keys[i]!];
      if (child === null || typeof child !== 'object') {
        // A scalar, counted here rather than through a call and a result object per value.
        total.values += 1;
        total.chars += typeof child === 'string' ? child.length : 0;
      } else {
        const size = visit(child, depth + 1);
        if (typeof size === 'string') return size;
        total.values += size.values;
        total.chars += size.chars;
      }
      if (keys !== null) total.chars += keys[i]!.length;
      if (total.values > MAX_FRONT_MATTER_VALUES || total.chars > MAX_FRONT_MATTER_CHARS) break;
    }
    open.delete(value);
    sizes.set(value, total);
    return total;
  };
  return visit(data, 0);
}

function yamlMessage(err: unknown): string {
  const e = err as { reason?: string; mark?: { line?: number; column?: number }; message?: string };
  if (e.reason && e.mark) return `Invalid YAML front matter: ${e.reason} (line ${(e.mark.line ?? 0) + 1}, column ${(e.mark.column ?? 0) + 1})`;
  return `Invalid front matter: ${String(e.message ?? err).split('\n')[0]}`;
}

/**
 * The body gray-matter gives for a closing delimiter ending at `end`: the rest of the text, less one
 * `\r` and then one `\n` right after the delimiter.
 */
function bodyAfter(source: string, end: number): string {
  let start = end;
  if (source.charCodeAt(start) === 13) start++;
  if (source.charCodeAt(start) === 10) start++;
  return source.slice(start);
}

/**
 * Splits a file into its front matter (parsed) and its body. Accepts YAML (`---`, `---yaml`) and
 * JSON (`---json`); refuses JavaScript and every other language by name. Never throws.
 */
export function readFrontMatter(text: string): FrontMatter {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const opening = /^---([^\n]*)(?:\n|$)/.exec(source);
  if (!opening) return { ok: false, message: 'No front matter: the file must start with a --- block' };
  const declared = opening[1]!.trim();
  const language = LANGUAGES[declared.toLowerCase()];
  if (language === 'javascript') return { ok: false, message: 'JavaScript front matter is not allowed: content is untrusted and is never executed' };
  if (!language) return { ok: false, message: `Unsupported front-matter language "${declared.slice(0, 40)}": write it in YAML (---) or JSON (---json)` };
  // gray-matter copies its whole input into a Buffer and hashes it as a cache key on every call, options
  // or not: it is given only the text up to its closing delimiter, and the body is cut here as it would cut it.
  const close = source.indexOf('\n---', 3);
  // The usual file (a plain `---` line, a closing one, YAML of the plain shape) is read without gray-matter:
  // its YAML engine would be given exactly this text (what follows `---` up to the closing delimiter) and
  // read it with `readPlainYaml` all the same. The call around it (which hashes the whole front matter as
  // that cache key, among the rest) made `readFrontMatter` take 11.9 µs a file instead of 7.2
  // (`src/bench/parse-cost.ts`), and a parse worker's thread about a sixth more time in all.
  const plain = declared === '' && close !== -1 ? readPlainYaml(source.slice(3, close)) : undefined;
  let parsed: { data: unknown; content: string };
  if (plain !== undefined) parsed = { data: plain, content: '' };
  else {
    const head = close === -1 ? source : source.slice(0, close + 4);
    try {
      parsed = matter(head, SAFE_MATTER_OPTIONS as unknown as Parameters<typeof matter>[1]);
    } catch (err) {
      if (err instanceof FrontMatterError) return { ok: false, message: err.message };
      return { ok: false, message: language === 'json' ? `Invalid JSON front matter: ${(err as Error).message}` : yamlMessage(err) };
    }
  }
  const data = parsed.data;
  const size = expandedSize(data);
  if (typeof size === 'string') return { ok: false, message: `Front matter refused: ${size}` };
  if (size.values > MAX_FRONT_MATTER_VALUES) {
    return { ok: false, message: `Front matter refused: it holds more than ${MAX_FRONT_MATTER_VALUES.toLocaleString('en')} values, counting each YAML alias (*name) as a copy` };
  }
  if (size.chars > MAX_FRONT_MATTER_CHARS) {
    return { ok: false, message: `Front matter refused: it holds more than ${MAX_FRONT_MATTER_CHARS.toLocaleString('en')} characters of text, counting each YAML alias (*name) as a copy` };
  }
  if (!data || typeof data !== 'object' || Array.isArray(data) || Object.keys(data).length === 0) {
    return { ok: false, message: 'Empty front matter: expected fields such as title and a publication date' };
  }
  return { ok: true, data: data as Record<string, unknown>, body: close === -1 ? parsed.content : bodyAfter(source, close + 4) };
}
