import fc from 'fast-check';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { readPlainYaml } from '../../src/content/plain-yaml.ts';

/** What the front-matter engine gets from js-yaml for the same text: the reference the fast path must equal. */
const jsYaml = (text: string) => yaml.safeLoad(text, { schema: yaml.CORE_SCHEMA, json: false });

const plainScalar = fc
  .tuple(fc.constantFrom('a', 'Z', '0', '7', 'é'), fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', ':', '.', ',', "'", '"', '!', '&', '*', '%', '@', '-', '/', 'é', '😀', '_'), maxLength: 10 }))
  .map(([first, rest]) => first + rest);
const scalar = fc.oneof(
  { arbitrary: plainScalar, weight: 4 },
  fc.string({ unit: fc.constantFrom('a', ' ', "''", '"', ':', '#', 'é'), maxLength: 8 }).map((s) => `'${s}'`),
  fc.string({ unit: fc.constantFrom('a', ' ', "'", ':', '#', 'é'), maxLength: 8 }).map((s) => `"${s}"`),
  fc.constantFrom('true', 'False', 'null', 'NULL', '0', '010', '0x1A', '1_000', '1:30', '1.5', '1e3', '2026-11-21T10:00:00Z', '12abc', 'https://x.example/a?b=1'),
);
type Node = { s: string } | { list: Array<{ s: string } | Entries> } | Entries;
type Entries = Array<[string, Node]>;
const tree = fc.letrec<{ map: Entries; list: Node }>((tie) => ({
  map: fc.array(fc.tuple(fc.constantFrom('title', 'a', 'b', 'x_y', 'K9', 'constructor'), fc.oneof({ arbitrary: scalar.map((s) => ({ s })), weight: 4 }, tie('map'), tie('list'))), { minLength: 1, maxLength: 4 }),
  list: fc.array(fc.oneof({ arbitrary: scalar.map((s) => ({ s })), weight: 3 }, tie('map')), { minLength: 1, maxLength: 3 }).map((items) => ({ list: items }) as Node),
}));

/** Block YAML for a tree; lists indented under their key, or (`compact`) at the key's own indentation. */
function render(entries: Entries, indent: number, compact: boolean): string {
  let out = '';
  const pad = ' '.repeat(indent);
  for (const [key, value] of entries) {
    if ('s' in value) out += `${pad}${key}: ${value.s}\n`;
    else if (Array.isArray(value)) out += `${pad}${key}:\n${render(value, indent + 2, compact)}`;
    else {
      out += `${pad}${key}:\n`;
      const at = compact ? indent : indent + 2;
      for (const item of value.list) {
        out += 'list' in item || Array.isArray(item) ? `${' '.repeat(at)}- ${render(item as Entries, at + 2, compact).slice(at + 2)}` : `${' '.repeat(at)}- ${item.s}\n`;
      }
    }
  }
  return out;
}

describe('readPlainYaml', () => {
  it('GIVEN a front matter in the usual shape THEN it reads exactly what js-yaml reads', () => {
    const text = "\ntitle: 'It''s up'\npublishedDateTime: 2026-11-20T09:27:05.595Z\nquality: 32\npublished: true\nnothing:\ntopics:\n  - SECURITY\nimages:\n  - url: \"https://images.example.com/1.jpg?fit=750%2C600&#038;strip=all\"\n    width: 750\ntags:\n- BTC\n- 5\nprovider:\n  name: Chain Daily";
    const read = readPlainYaml(text);
    expect(read).toEqual(jsYaml(text));
    expect(read).toMatchObject({ title: "It's up", quality: 32, published: true, nothing: null, tags: ['BTC', 5] });
  });

  it('GIVEN any block front matter of mappings, lists and one-line scalars THEN what it reads, when it reads it, is what js-yaml reads', () => {
    let read = 0;
    fc.assert(
      fc.property(tree.map, fc.boolean(), (entries, compact) => {
        const text = `\n${render(entries, 0, compact)}`;
        const value = readPlainYaml(text);
        if (value === undefined) return;
        read++;
        expect(JSON.stringify(value)).toBe(JSON.stringify(jsYaml(text)));
      }),
      { numRuns: 2000 },
    );
    // The generator is mostly the plain shape: most texts must take the fast path, or it tests nothing.
    expect(read).toBeGreaterThan(500);
  });

  it.each([
    ['a comment', 'title: a # note'],
    ['an anchor and alias', 'a: &x 1\nb: *x'],
    ['a flow list', 'tags: [a, b]'],
    ['an escape', 'title: "a\\nb"'],
    ['a tab', 'title:\ta'],
    ['a carriage return', 'title: a\r\nb: c'],
    ['a duplicate key', 'a: 1\na: 2'],
    ['a key js-yaml types', 'True: 1'],
    ['a multi-line scalar', 'title: a\n  b'],
    ['a block scalar', 'title: |\n  a'],
    ['a trailing space', 'title: a '],
    ['a value starting with an indicator', 'title: -1'],
  ])('GIVEN %s THEN it is left to js-yaml', (_, text) => {
    expect(readPlainYaml(`\n${text}`)).toBeUndefined();
  });
});
