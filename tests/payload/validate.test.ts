import { describe, expect, it } from 'vitest';
import { DISCORD_LIMITS as L } from '../../src/payload/limits.ts';
import { validateAutocompleteChoices, validateMessage } from '../../src/payload/validate.ts';

// Every "within Discord limits" test elsewhere trusts validateMessage, so each limit is pinned here
// at its exact value (accepted) and one past it (rejected, with the path Discord would name).

const x = (n: number) => 'x'.repeat(n);
const button = (custom_id: string, label = 'Go') => ({ type: 2, style: 2, label, custom_id });
const row = (...components: unknown[]) => ({ type: 1, components });
const select = (options: unknown[]) => ({ type: 3, custom_id: 'pick', options });
const option = (over: Record<string, string> = {}) => ({ label: 'L', value: 'v', description: 'd', ...over });
const choice = (name: string, value: string | number = name) => ({ name, value });

describe('validateMessage — message content and embeds', () => {
  it('accepts content of 2000 characters and rejects 2001', () => {
    expect(L.content).toBe(2000);
    expect(validateMessage({ content: x(2000) })).toEqual([]);
    expect(validateMessage({ content: x(2001) })).toEqual([{ path: 'content', message: 'content must be 2000 or fewer in length (got 2001).' }]);
  });

  it('counts characters, not UTF-16 units: 2000 emoji fit, 2001 do not', () => {
    expect(validateMessage({ content: '📰'.repeat(2000) })).toEqual([]);
    expect(validateMessage({ content: '📰'.repeat(2001) })).toEqual([{ path: 'content', message: 'content must be 2000 or fewer in length (got 2001).' }]);
  });

  it('counts an unpaired surrogate as one character, as a pair is one', () => {
    expect(validateMessage({ content: `${'📰'.repeat(1999)}\ud83d` })).toEqual([]);
    expect(validateMessage({ content: `\ude00${'📰'.repeat(1999)}\ud83d` })).toEqual([{ path: 'content', message: 'content must be 2000 or fewer in length (got 2001).' }]);
  });

  it('accepts 10 embeds and rejects 11', () => {
    expect(L.embedsPerMessage).toBe(10);
    const embeds = (n: number) => Array.from({ length: n }, () => ({ title: 't' }));
    expect(validateMessage({ embeds: embeds(10) })).toEqual([]);
    expect(validateMessage({ embeds: embeds(11) })).toEqual([{ path: 'embeds', message: 'Must be 10 or fewer in length (got 11).' }]);
  });

  it('accepts an embed title of 256 and rejects 257', () => {
    expect(L.embedTitle).toBe(256);
    expect(validateMessage({ embeds: [{ title: x(256) }] })).toEqual([]);
    expect(validateMessage({ embeds: [{ title: x(257) }] })).toEqual([{ path: 'embeds[0].title', message: 'title must be 256 or fewer in length (got 257).' }]);
  });

  it('accepts an embed description of 4096 and rejects 4097', () => {
    expect(L.embedDescription).toBe(4096);
    expect(validateMessage({ embeds: [{ description: x(4096) }] })).toEqual([]);
    expect(validateMessage({ embeds: [{ description: x(4097) }] })).toEqual([{ path: 'embeds[0].description', message: 'description must be 4096 or fewer in length (got 4097).' }]);
  });

  it('accepts 25 fields and rejects 26', () => {
    expect(L.embedFields).toBe(25);
    const fields = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}`, value: 'v' }));
    expect(validateMessage({ embeds: [{ fields: fields(25) }] })).toEqual([]);
    expect(validateMessage({ embeds: [{ fields: fields(26) }] })).toEqual([{ path: 'embeds[0].fields', message: 'Must be 25 or fewer in length (got 26).' }]);
  });

  it('accepts a field name of 256 and rejects 257', () => {
    expect(L.fieldName).toBe(256);
    expect(validateMessage({ embeds: [{ fields: [{ name: x(256), value: 'v' }] }] })).toEqual([]);
    expect(validateMessage({ embeds: [{ fields: [{ name: x(257), value: 'v' }] }] })).toEqual([
      { path: 'embeds[0].fields[0].name', message: 'field name must be 256 or fewer in length (got 257).' },
    ]);
  });

  it('accepts a field value of 1024 and rejects 1025', () => {
    expect(L.fieldValue).toBe(1024);
    expect(validateMessage({ embeds: [{ fields: [{ name: 'n', value: x(1024) }] }] })).toEqual([]);
    expect(validateMessage({ embeds: [{ fields: [{ name: 'n', value: x(1025) }] }] })).toEqual([
      { path: 'embeds[0].fields[0].value', message: 'field value must be 1024 or fewer in length (got 1025).' },
    ]);
  });

  it('rejects a field with an empty name or value', () => {
    expect(validateMessage({ embeds: [{ fields: [{ name: '', value: '' }] }] })).toEqual([
      { path: 'embeds[0].fields[0].name', message: 'field name is required.' },
      { path: 'embeds[0].fields[0].value', message: 'field value is required.' },
    ]);
  });

  it('rejects a field name or value of whitespace only (Discord trims it to nothing); a zero-width space passes', () => {
    expect(validateMessage({ embeds: [{ fields: [{ name: ' \n', value: '\t ' }] }] })).toEqual([
      { path: 'embeds[0].fields[0].name', message: 'field name is required.' },
      { path: 'embeds[0].fields[0].value', message: 'field value is required.' },
    ]);
    expect(validateMessage({ embeds: [{ fields: [{ name: '\u200b', value: '\u200b' }] }] })).toEqual([]);
  });

  it('GIVEN a channel message THEN flags 64 and an empty (or whitespace-only) message are refused; an interaction reply may carry flags 64', () => {
    expect(validateMessage({ content: 'hi', flags: 64 }, { channelMessage: true })).toEqual([{ path: 'flags', message: 'Ephemeral messages can only be sent as interaction responses' }]);
    expect(validateMessage({ content: 'hi', flags: 64 })).toEqual([]);
    expect(validateMessage({ content: '  \n' }, { channelMessage: true })).toEqual([{ path: '', message: 'Cannot send an empty message' }]);
    expect(validateMessage({ content: '  ', embeds: [{ title: 'T' }] }, { channelMessage: true })).toEqual([]);
  });

  it('accepts footer text of 2048 and rejects 2049', () => {
    expect(L.footerText).toBe(2048);
    expect(validateMessage({ embeds: [{ footer: { text: x(2048) } }] })).toEqual([]);
    expect(validateMessage({ embeds: [{ footer: { text: x(2049) } }] })).toEqual([{ path: 'embeds[0].footer.text', message: 'footer text must be 2048 or fewer in length (got 2049).' }]);
  });

  it('accepts an author name of 256 and rejects 257', () => {
    expect(L.authorName).toBe(256);
    expect(validateMessage({ embeds: [{ author: { name: x(256) } }] })).toEqual([]);
    expect(validateMessage({ embeds: [{ author: { name: x(257) } }] })).toEqual([{ path: 'embeds[0].author.name', message: 'author name must be 256 or fewer in length (got 257).' }]);
  });

  it('accepts 6000 characters summed over every embed of a message and rejects 6001', () => {
    expect(L.embedTotal).toBe(6000);
    // Title, description, footer, author, field name and value all count, across both embeds: 256+4096+1000+256+256+136 = 6000.
    const body = (lastValue: number) => ({
      embeds: [
        { title: x(256), description: x(4096), footer: { text: x(1000) } },
        { author: { name: x(256) }, fields: [{ name: x(256), value: x(lastValue) }] },
      ],
    });
    expect(validateMessage(body(136))).toEqual([]);
    expect(validateMessage(body(137))).toEqual([{ path: 'embeds', message: 'Embed size exceeds maximum size of 6000 (got 6001).' }]);
  });

  it('rejects a body that is not an object', () => {
    expect(validateMessage('hello')).toEqual([{ path: '', message: 'Message body must be an object.' }]);
  });
});

describe('validateMessage — components', () => {
  it('rejects a custom_id used twice in one message, in one row or across rows', () => {
    expect(validateMessage({ components: [row(button('a'), button('b')), row(button('c'))] })).toEqual([]);
    expect(validateMessage({ components: [row(button('a')), row(button('a'))] })).toEqual([{ path: 'components[1].components[0].custom_id', message: 'Component custom id cannot be duplicated' }]);
  });

  it('accepts a custom_id of 1 and of 100 characters, and rejects 0 and 101', () => {
    expect(L.customId).toBe(100);
    expect(validateMessage({ components: [row(button('a'), button(x(100)))] })).toEqual([]);
    expect(validateMessage({ components: [row(button(''), button(x(101)))] })).toEqual([
      { path: 'components[0].components[0].custom_id', message: 'custom_id must be between 1 and 100 in length (got 0).' },
      { path: 'components[0].components[1].custom_id', message: 'custom_id must be between 1 and 100 in length (got 101).' },
    ]);
  });

  it('does not ask a link button for a custom_id', () => {
    expect(validateMessage({ components: [row({ type: 2, style: 5, label: 'Read', url: 'https://example.com/' })] })).toEqual([]);
  });

  it('checks a select menu’s custom_id too', () => {
    expect(validateMessage({ components: [row({ type: 3, custom_id: x(101), options: [option()] })] })).toEqual([
      { path: 'components[0].components[0].custom_id', message: 'custom_id must be between 1 and 100 in length (got 101).' },
    ]);
  });

  it('accepts a button label of 80 and rejects 81', () => {
    expect(L.buttonLabel).toBe(80);
    expect(validateMessage({ components: [row(button('b', x(80)))] })).toEqual([]);
    expect(validateMessage({ components: [row(button('b', x(81)))] })).toEqual([{ path: 'components[0].components[0].label', message: 'label must be 80 or fewer in length (got 81).' }]);
  });

  it('accepts 5 components in a row and rejects 6', () => {
    expect(L.componentsPerRow).toBe(5);
    const buttons = (n: number) => Array.from({ length: n }, (_, i) => button(`b${i}`));
    expect(validateMessage({ components: [row(...buttons(5))] })).toEqual([]);
    expect(validateMessage({ components: [row(...buttons(6))] })).toEqual([{ path: 'components[0].components', message: 'Must be 5 or fewer in length (got 6).' }]);
  });

  it('accepts 5 action rows and rejects 6', () => {
    expect(L.actionRows).toBe(5);
    const rows = (n: number) => Array.from({ length: n }, (_, i) => row(button(`r${i}`)));
    expect(validateMessage({ components: rows(5) })).toEqual([]);
    expect(validateMessage({ components: rows(6) })).toEqual([{ path: 'components', message: 'Must be 5 or fewer in length (got 6).' }]);
  });

  it('accepts 25 select options and rejects 26', () => {
    expect(L.selectOptions).toBe(25);
    const options = (n: number) => Array.from({ length: n }, (_, i) => option({ value: `v${i}` }));
    expect(validateMessage({ components: [row(select(options(25)))] })).toEqual([]);
    expect(validateMessage({ components: [row(select(options(26)))] })).toEqual([{ path: 'components[0].components[0].options', message: 'Must be 25 or fewer in length (got 26).' }]);
  });

  it.each(['label', 'value', 'description'])('accepts a select option %s of 100 and rejects 101', (key) => {
    expect(L.selectOptionText).toBe(100);
    expect(validateMessage({ components: [row(select([option({ [key]: x(100) })]))] })).toEqual([]);
    expect(validateMessage({ components: [row(select([option({ [key]: x(101) })]))] })).toEqual([
      { path: `components[0].components[0].options[0].${key}`, message: `${key} must be 100 or fewer in length (got 101).` },
    ]);
  });
});

describe('validateAutocompleteChoices', () => {
  it('accepts 25 choices and rejects 26', () => {
    expect(L.autocompleteChoices).toBe(25);
    const choices = (n: number) => Array.from({ length: n }, (_, i) => choice(`c${i}`));
    expect(validateAutocompleteChoices(choices(25))).toEqual([]);
    expect(validateAutocompleteChoices(choices(26))).toEqual([{ path: 'choices', message: 'Must be 25 or fewer in length (got 26).' }]);
  });

  it('accepts a name of 1 and of 100 characters, and rejects 0 and 101', () => {
    expect(L.autocompleteChoiceText).toBe(100);
    expect(validateAutocompleteChoices([choice('a', 'v'), choice(x(100), 'v')])).toEqual([]);
    expect(validateAutocompleteChoices([choice('', 'v'), choice(x(101), 'v')])).toEqual([
      { path: 'choices[0].name', message: 'name must be between 1 and 100 in length (got 0).' },
      { path: 'choices[1].name', message: 'name must be between 1 and 100 in length (got 101).' },
    ]);
  });

  it('accepts a value of 1 and of 100 characters, and rejects 0 and 101', () => {
    expect(validateAutocompleteChoices([choice('n', 'a'), choice('n', x(100))])).toEqual([]);
    expect(validateAutocompleteChoices([choice('n', ''), choice('n', x(101))])).toEqual([
      { path: 'choices[0].value', message: 'value must be between 1 and 100 in length (got 0).' },
      { path: 'choices[1].value', message: 'value must be between 1 and 100 in length (got 101).' },
    ]);
  });

  it('rejects an answer that is not a list', () => {
    expect(validateAutocompleteChoices({ name: 'n', value: 'v' })).toEqual([{ path: 'choices', message: 'choices must be an array.' }]);
  });
});
