import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { repairMessage, truncate } from '../../src/payload/repair.ts';
import type { ActionRow, Embed, MessagePayload } from '../../src/payload/types.ts';
import { validateMessage } from '../../src/payload/validate.ts';

const x = (n: number) => 'x'.repeat(n);

/** Texts of every size that matters: empty, whitespace, emoji, and well past each limit (a short seed repeated keeps generation fast). */
const text = (max: number) =>
  fc.oneof(
    fc.constantFrom('', ' ', '\n\t ', '\u200b', '📰'),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }), fc.nat(max)).map(([s, n]) => s.repeat(Math.ceil(n / s.length))),
  );

const field = fc.record({ name: text(400), value: text(1500), inline: fc.boolean() }, { requiredKeys: ['name', 'value'] });
const embed: fc.Arbitrary<Embed> = fc.record(
  {
    title: text(400),
    description: text(6000),
    color: fc.nat(0xffffff),
    fields: fc.array(field, { maxLength: 40 }),
    footer: fc.record({ text: text(2500) }),
    author: fc.record({ name: text(400) }),
  },
  { requiredKeys: [] },
);
const customId = fc.oneof(fc.constantFrom('a', 'b', 'news:page:1', ''), fc.constant(x(101)), fc.string({ maxLength: 120 }));
const button = fc.record({ type: fc.constant(2 as const), style: fc.constantFrom(1 as const, 2 as const), label: text(120), custom_id: customId });
const link = fc.record({ type: fc.constant(2 as const), style: fc.constant(5 as const), label: text(120), url: fc.constant('https://example.com') });
const select = fc.record({
  type: fc.constant(3 as const),
  custom_id: customId,
  options: fc.array(fc.record({ label: text(150), value: text(150), description: text(150) }), { maxLength: 30 }),
});
const row: fc.Arbitrary<ActionRow> = fc.record({ type: fc.constant(1 as const), components: fc.array(fc.oneof(button, link, select), { maxLength: 7 }) });
const payload: fc.Arbitrary<MessagePayload> = fc.record(
  {
    content: text(3000),
    embeds: fc.array(embed, { maxLength: 25 }),
    components: fc.array(row, { maxLength: 7 }),
    flags: fc.constantFrom(0, 4, 64, 68),
    allowed_mentions: fc.constant({ parse: [] as never[] }),
  },
  { requiredKeys: ['allowed_mentions'] },
);

describe('repairMessage: any payload becomes messages Discord accepts', () => {
  it('GIVEN any payload THEN every message it gives passes the channel-message validator and pings no one', () => {
    fc.assert(
      fc.property(payload, (p) => {
        for (const m of repairMessage(p)) {
          expect(validateMessage(m, { channelMessage: true })).toEqual([]);
          expect(m.allowed_mentions).toEqual({ parse: [] });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('GIVEN a valid payload THEN it comes back as the same one message', () => {
    const p: MessagePayload = { content: 'hello', embeds: [{ title: 'T', description: 'D', fields: [{ name: 'n', value: 'v' }], footer: { text: 'ref abc' } }], allowed_mentions: { parse: [] } };
    expect(repairMessage(p)).toEqual([p]);
  });

  it('GIVEN 23 embeds THEN three messages of 10, 10 and 3, in order, content on the first', () => {
    const embeds = Array.from({ length: 23 }, (_, i) => ({ title: `E${i}` }));
    const out = repairMessage({ content: 'Daily digest', embeds, allowed_mentions: { parse: [] } });
    expect(out.map((m) => m.embeds?.length)).toEqual([10, 10, 3]);
    expect(out.flatMap((m) => m.embeds!.map((e) => e.title))).toEqual(embeds.map((e) => e.title));
    expect(out.map((m) => m.content)).toEqual(['Daily digest', undefined, undefined]);
  });

  it('GIVEN over-long texts THEN they are cut with "…" to the limit; the footer (which carries the marker) survives an oversized embed whole', () => {
    const [m] = repairMessage({ content: x(2500), embeds: [{ title: x(300), description: x(5000), footer: { text: 'Daily digest · ref 0123456789' }, fields: [{ name: ' ', value: x(2000) }] }], allowed_mentions: { parse: [] } });
    expect([...m!.content!]).toHaveLength(2000);
    expect(m!.content!.endsWith('x…')).toBe(true);
    const head = m!.embeds![0]!;
    expect(head.title).toBe(`${x(255)}…`);
    expect(head.description).toBe(`${x(4095)}…`);
    expect(head.footer).toEqual({ text: 'Daily digest · ref 0123456789' });
    expect(head.fields).toEqual([{ name: '\u200b', value: `${x(1023)}…` }]);
  });

  it('GIVEN more fields than one embed holds THEN the rest follow in a continuation embed of the same colour', () => {
    const fields = Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, value: 'v' }));
    const [m] = repairMessage({ embeds: [{ title: 'Topics', color: 5, fields }], allowed_mentions: { parse: [] } });
    expect(m!.embeds!.map((e) => e.fields?.length)).toEqual([25, 5]);
    expect(m!.embeds![1]).toEqual({ color: 5, fields: fields.slice(25) });
  });

  it('GIVEN flags 64 and a repeated custom_id THEN the flag is removed and the second component dropped', () => {
    const b = (id: string) => ({ type: 2 as const, style: 1 as const, label: 'Go', custom_id: id });
    const [m] = repairMessage({ content: 'pick', flags: 64 | 4, components: [{ type: 1, components: [b('a'), b('a'), b('b')] }], allowed_mentions: { parse: [] } });
    expect(m!.flags).toBe(4);
    expect(m!.components![0]!.components.map((c) => c.custom_id)).toEqual(['a', 'b']);
  });

  it('GIVEN a payload with nothing to show THEN no message at all', () => {
    expect(repairMessage({ content: '  ', allowed_mentions: { parse: [] } })).toEqual([]);
  });

  it('truncate counts code points, so an emoji is never split', () => {
    expect(truncate('📰📰📰', 2)).toBe('📰…');
    expect(truncate('abc', 3)).toBe('abc');
  });
});
