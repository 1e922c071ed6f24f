import { DISCORD_LIMITS as L } from './limits.ts';

/** One way a message breaks Discord's limits, with the JSON path of the offending value. */
export interface LimitViolation {
  path: string;
  message: string;
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
/**
 * Discord counts characters as UTF-16 code units would not: it counts code points. Counted in place
 * (a surrogate pair is one), since spreading every text into an array of characters costs an
 * allocation per character on each digest post.
 */
const len = (v: unknown): number => {
  const s = str(v);
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
};

/** Discord's EPHEMERAL message flag (`1 << 6`): valid on interaction responses only. */
const EPHEMERAL = 64;
/** Discord trims texts before checking them; an empty string, or one of whitespace only, counts as missing. A zero-width space is not whitespace. */
const blank = (v: unknown) => typeof v === 'string' && v.length > 0 && v.trim().length === 0;

/** Which message is checked: a post in a channel also refuses the ephemeral flag and an empty message. */
export interface ValidateOptions {
  /** `POST /channels/{id}/messages`: flags 64 is refused, and so is a message with nothing to show. */
  channelMessage?: boolean;
}

/**
 * Checks a message body (as sent to Discord's REST API) against every limit Discord enforces, and
 * returns all violations; an empty list means Discord would accept it. Used by the renderers' tests,
 * by the digest sender before every post, and by the loopback server, which answers 400/50035 when
 * the list is not empty. Beyond lengths: whitespace-only field names and values, and a `custom_id`
 * used twice in one message; with `channelMessage`, the ephemeral flag and an empty message.
 */
export function validateMessage(body: unknown, options: ValidateOptions = {}): LimitViolation[] {
  const out: LimitViolation[] = [];
  const over = (path: string, value: unknown, max: number, what: string) => {
    if (len(value) > max) out.push({ path, message: `${what} must be ${max} or fewer in length (got ${len(value)}).` });
  };
  if (!isObj(body)) return [{ path: '', message: 'Message body must be an object.' }];

  over('content', body.content, L.content, 'content');
  const embeds = Array.isArray(body.embeds) ? body.embeds : [];
  if (embeds.length > L.embedsPerMessage) out.push({ path: 'embeds', message: `Must be ${L.embedsPerMessage} or fewer in length (got ${embeds.length}).` });
  let total = 0;
  embeds.forEach((e, i) => {
    if (!isObj(e)) return;
    const p = `embeds[${i}]`;
    over(`${p}.title`, e.title, L.embedTitle, 'title');
    over(`${p}.description`, e.description, L.embedDescription, 'description');
    total += len(e.title) + len(e.description);
    if (isObj(e.footer)) {
      over(`${p}.footer.text`, e.footer.text, L.footerText, 'footer text');
      total += len(e.footer.text);
    }
    if (isObj(e.author)) {
      over(`${p}.author.name`, e.author.name, L.authorName, 'author name');
      total += len(e.author.name);
    }
    const fields = Array.isArray(e.fields) ? e.fields : [];
    if (fields.length > L.embedFields) out.push({ path: `${p}.fields`, message: `Must be ${L.embedFields} or fewer in length (got ${fields.length}).` });
    fields.forEach((f, j) => {
      if (!isObj(f)) return;
      const fp = `${p}.fields[${j}]`;
      if (len(f.name) === 0 || blank(f.name)) out.push({ path: `${fp}.name`, message: 'field name is required.' });
      if (len(f.value) === 0 || blank(f.value)) out.push({ path: `${fp}.value`, message: 'field value is required.' });
      over(`${fp}.name`, f.name, L.fieldName, 'field name');
      over(`${fp}.value`, f.value, L.fieldValue, 'field value');
      total += len(f.name) + len(f.value);
    });
  });
  if (total > L.embedTotal) out.push({ path: 'embeds', message: `Embed size exceeds maximum size of ${L.embedTotal} (got ${total}).` });

  const rows = Array.isArray(body.components) ? body.components : [];
  const customIds = new Set<string>();
  if (rows.length > L.actionRows) out.push({ path: 'components', message: `Must be ${L.actionRows} or fewer in length (got ${rows.length}).` });
  rows.forEach((row, i) => {
    if (!isObj(row)) return;
    const comps = Array.isArray(row.components) ? row.components : [];
    if (comps.length > L.componentsPerRow) out.push({ path: `components[${i}].components`, message: `Must be ${L.componentsPerRow} or fewer in length (got ${comps.length}).` });
    comps.forEach((c, j) => {
      if (!isObj(c)) return;
      const cp = `components[${i}].components[${j}]`;
      const isLink = c.type === 2 && c.style === 5;
      if (!isLink) {
        const id = str(c.custom_id);
        if (id.length < 1 || id.length > L.customId) out.push({ path: `${cp}.custom_id`, message: `custom_id must be between 1 and ${L.customId} in length (got ${id.length}).` });
        else if (customIds.has(id)) out.push({ path: `${cp}.custom_id`, message: 'Component custom id cannot be duplicated' });
        customIds.add(id);
      }
      if (c.type === 2) over(`${cp}.label`, c.label, L.buttonLabel, 'label');
      if (c.type === 3) {
        const options = Array.isArray(c.options) ? c.options : [];
        if (options.length > L.selectOptions) out.push({ path: `${cp}.options`, message: `Must be ${L.selectOptions} or fewer in length (got ${options.length}).` });
        options.forEach((o, k) => {
          if (!isObj(o)) return;
          for (const key of ['label', 'value', 'description'] as const) over(`${cp}.options[${k}].${key}`, o[key], L.selectOptionText, key);
        });
      }
    });
  });
  const attachments = Array.isArray(body.attachments) ? body.attachments : [];
  if (attachments.length > L.attachmentsPerMessage) out.push({ path: 'attachments', message: `Must be ${L.attachmentsPerMessage} or fewer in length (got ${attachments.length}).` });
  const attachmentIds = new Set<string>();
  attachments.forEach((a, i) => {
    const ap = `attachments[${i}]`;
    if (!isObj(a)) return void out.push({ path: ap, message: 'Must be an object.' });
    const id = typeof a.id === 'number' || typeof a.id === 'string' ? String(a.id) : '';
    if (!id) out.push({ path: `${ap}.id`, message: 'This field is required' });
    else if (attachmentIds.has(id)) out.push({ path: `${ap}.id`, message: 'Attachment ids must be unique' });
    attachmentIds.add(id);
    if (typeof a.filename !== 'string' || a.filename.trim().length === 0) out.push({ path: `${ap}.filename`, message: 'This field is required' });
    over(`${ap}.description`, a.description, L.attachmentDescription, 'description');
  });
  if (options.channelMessage) {
    if (((Number(body.flags) || 0) & EPHEMERAL) !== 0) out.push({ path: 'flags', message: 'Ephemeral messages can only be sent as interaction responses' });
    const content = str(body.content).trim();
    if (!content && embeds.length === 0 && rows.length === 0 && attachments.length === 0) out.push({ path: '', message: 'Cannot send an empty message' });
  }
  return out;
}

/** Checks an autocomplete answer (`{choices}`) against Discord's limits. */
export function validateAutocompleteChoices(choices: unknown): LimitViolation[] {
  if (!Array.isArray(choices)) return [{ path: 'choices', message: 'choices must be an array.' }];
  const out: LimitViolation[] = [];
  if (choices.length > L.autocompleteChoices) out.push({ path: 'choices', message: `Must be ${L.autocompleteChoices} or fewer in length (got ${choices.length}).` });
  choices.forEach((c, i) => {
    const name = isObj(c) ? len(c.name) : 0;
    const value = isObj(c) ? len(String(c.value ?? '')) : 0;
    if (name < 1 || name > L.autocompleteChoiceText) out.push({ path: `choices[${i}].name`, message: `name must be between 1 and ${L.autocompleteChoiceText} in length (got ${name}).` });
    if (value < 1 || value > L.autocompleteChoiceText) out.push({ path: `choices[${i}].value`, message: `value must be between 1 and ${L.autocompleteChoiceText} in length (got ${value}).` });
  });
  return out;
}
