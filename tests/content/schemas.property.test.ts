import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSchemaA, readSchemaB, SchemaA, SchemaB } from '../../src/content/schemas.ts';

/**
 * `readSchemaA` / `readSchemaB` skip zod when every field already has its final type. These check the
 * shortcut against the schemas themselves, so a schema that changes without its shortcut fails here.
 */

/** Any value front matter can hold, final types and ones zod must coerce or refuse alike. */
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', 'true', 'false', '42', ' 7 '),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const value = fc.oneof({ weight: 4, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) });
/** An object with the named fields (each maybe absent), one unknown field, or sometimes not an object at all. */
const nested = (keys: string[], field: fc.Arbitrary<unknown> = value) =>
  fc.oneof({ weight: 4, arbitrary: fc.record(Object.fromEntries([...keys, 'extra'].map((k) => [k, field])), { requiredKeys: [] }) }, { weight: 1, arbitrary: value });
const listOf = (item: fc.Arbitrary<unknown>) => fc.oneof({ weight: 4, arbitrary: fc.array(item, { maxLength: 3 }) }, { weight: 1, arbitrary: value });
const title = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), value);
const text = fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 12 }) }, { weight: 1, arbitrary: value });
const num = fc.oneof({ weight: 3, arbitrary: fc.integer() }, { weight: 1, arbitrary: value });
const flag = fc.oneof({ weight: 3, arbitrary: fc.boolean() }, { weight: 1, arbitrary: value });
const image = nested(['url', 'width', 'height']);
const provider = fc.oneof(fc.record({ name: text, domain: text, images: listOf(image), extra: value }, { requiredKeys: [] }), value);

const schemaA = fc.record(
  {
    title,
    description: text,
    publishedAt: value,
    updatedAt: value,
    lang: text,
    externalId: fc.oneof(text, num),
    source: nested(['name', 'key', 'type'], text),
    category: text,
    tags: listOf(fc.oneof(text, num)),
    stickyWeight: num,
    sentiment: text,
    score: num,
    draft: flag,
    coverImage: nested(['raw', 'full', 'regular', 'small', 'thumb'], text),
    ai: nested(['rewritten'], flag),
    unknown: value,
  },
  { requiredKeys: [] },
);
const schemaB = fc.record(
  {
    category: text,
    title,
    excerpt: text,
    publishedDateTime: value,
    originalUrl: text,
    webUrl: text,
    type: text,
    quality: num,
    heat: num,
    published: flag,
    provider,
    topics: listOf(fc.oneof(text, num)),
    images: listOf(image),
    related: listOf(fc.record({ title: text, excerpt: text, publishedDateTime: value, webUrl: text, provider, extra: value }, { requiredKeys: [] })),
    sentiment: text,
    secured: text,
    unknown: value,
  },
  { requiredKeys: [] },
);

/** What a read of front matter says: its values, or why not. */
type Verdict = { success: true; data: unknown } | { success: false; error: { issues: unknown[] } };

/** A shortcut's answer for `d` is the schema's own: the same verdict, and the same values or the same issues. */
function expectSameAsSchema(fast: Verdict, schema: { safeParse(d: unknown): Verdict; parse(d: unknown): unknown }, d: unknown) {
  const zod = schema.safeParse(d);
  expect(fast.success).toBe(zod.success);
  if (fast.success && zod.success) expect(schema.parse(fast.data)).toEqual(zod.data);
  else if (!fast.success && !zod.success) expect(fast.error.issues).toEqual(zod.error.issues);
}

describe('schema shortcuts', () => {
  // The shortcut keeps nested values as they are (callers read only their known fields); read through the
  // schema once more, they must be exactly what the schema makes of the front matter.
  it('GIVEN any schema A front matter THEN the shortcut accepts exactly what SchemaA accepts, with the same values', () => {
    fc.assert(
      fc.property(schemaA, (d) => expectSameAsSchema(readSchemaA(d), SchemaA, d)),
      { numRuns: 3000 },
    );
  });

  it('GIVEN any schema B front matter THEN the shortcut accepts exactly what SchemaB accepts, with the same values', () => {
    fc.assert(
      fc.property(schemaB, (d) => expectSameAsSchema(readSchemaB(d), SchemaB, d)),
      { numRuns: 3000 },
    );
  });
});
