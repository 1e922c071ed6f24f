import { DISCORD_LIMITS as L } from './limits.ts';
import { EPHEMERAL_FLAG, NO_MENTIONS, type ActionRow, type ButtonComponent, type Embed, type EmbedField, type MessagePayload, type StringSelectComponent } from './types.ts';

/** Shown in place of a field name or value that was empty or whitespace: Discord requires one, and a zero-width space is not trimmed. */
const FILLER = '\u200b';
const ELLIPSIS = '…';

/** Discord counts code points, so lengths and cuts are by code point (an emoji is never split in half). */
const cps = (s: string) => [...s];
const length = (s: string | undefined) => (s === undefined ? 0 : cps(s).length);

/** `s` cut to at most `max` code points, ending in "…" when something was cut. */
export function truncate(s: string, max: number): string {
  const chars = cps(s);
  if (chars.length <= max) return s;
  if (max <= 0) return '';
  return chars.slice(0, max - 1).join('') + ELLIPSIS;
}

const isBlank = (s: unknown) => typeof s !== 'string' || s.trim().length === 0;

function fixField(f: EmbedField): EmbedField {
  return {
    ...f,
    name: isBlank(f.name) ? FILLER : truncate(f.name, L.fieldName),
    value: isBlank(f.value) ? FILLER : truncate(f.value, L.fieldValue),
  };
}

/** What an embed counts toward the 6,000 characters all embeds of one message may hold together. */
export function embedSize(e: Embed): number {
  let n = length(e.title) + length(e.description) + length(e.footer?.text) + length(e.author?.name);
  for (const f of e.fields ?? []) n += length(f.name) + length(f.value);
  return n;
}

/** Texts cut to their own limits; fields beyond what one embed may hold, or that would push it past the total, go into continuation embeds. */
function fixEmbed(input: Embed): Embed[] {
  const e: Embed = { ...input };
  if (e.title !== undefined) e.title = truncate(e.title, L.embedTitle);
  if (e.description !== undefined) e.description = truncate(e.description, L.embedDescription);
  if (e.footer) e.footer = { ...e.footer, text: truncate(e.footer.text ?? '', L.footerText) };
  if (e.author) e.author = { ...e.author, name: truncate(e.author.name ?? '', L.authorName) };
  const fields = (e.fields ?? []).filter((f) => typeof f === 'object' && f !== null).map(fixField);
  delete e.fields;
  // The head keeps everything but the fields; its description gives way first, never its footer,
  // which may carry the marker the bot finds its own messages by.
  const fixed = embedSize(e);
  if (fixed > L.embedTotal && e.description !== undefined) e.description = truncate(e.description, Math.max(0, length(e.description) - (fixed - L.embedTotal)));
  if (e.description === '') delete e.description;
  const out: Embed[] = [e];
  let current = e;
  let size = embedSize(e);
  for (const f of fields) {
    const n = length(f.name) + length(f.value);
    if ((current.fields?.length ?? 0) >= L.embedFields || size + n > L.embedTotal) {
      current = { ...(input.color !== undefined ? { color: input.color } : {}), fields: [] };
      out.push(current);
      size = 0;
    }
    (current.fields ??= []).push(f);
    size += n;
  }
  return out;
}

/** Components cut to Discord's rules: at most 5 rows of 5, unique custom ids of 1–100 characters, short labels and options. */
function fixComponents(rows: readonly ActionRow[]): ActionRow[] {
  const seen = new Set<string>();
  const out: ActionRow[] = [];
  for (const row of rows) {
    if (out.length >= L.actionRows) break;
    const comps: Array<ButtonComponent | StringSelectComponent> = [];
    for (const c of row?.components ?? []) {
      if (comps.length >= L.componentsPerRow) break;
      const isLink = c.type === 2 && c.style === 5;
      let customId: string | undefined;
      if (!isLink) {
        customId = typeof c.custom_id === 'string' ? c.custom_id : '';
        // An id cut to the limit could collide with another one; a component whose id cannot be kept is dropped.
        if (customId.length < 1 || customId.length > L.customId || seen.has(customId)) continue;
        seen.add(customId);
      }
      if (c.type === 2) {
        comps.push({ ...c, ...(c.label !== undefined ? { label: truncate(c.label, L.buttonLabel) } : {}) });
      } else {
        const options = (c.options ?? []).slice(0, L.selectOptions).map((o) => ({
          ...o,
          label: truncate(o.label, L.selectOptionText),
          value: truncate(o.value, L.selectOptionText),
          ...(o.description !== undefined ? { description: truncate(o.description, L.selectOptionText) } : {}),
        }));
        comps.push({ ...c, options });
      }
    }
    if (comps.length > 0) out.push({ type: 1, components: comps });
  }
  return out;
}

/**
 * Makes any message valid for a channel post, for the case a renderer got it wrong: texts cut with
 * "…", empty field texts filled, embeds beyond 10 (or beyond 6,000 characters together) moved into
 * further messages, extra fields into continuation embeds, bad components dropped, the ephemeral flag
 * removed and mentions disabled. Content and components stay on the first message. Returns the
 * messages to post in order: every one passes `validateMessage(m, { channelMessage: true })`; an empty
 * list means there was nothing to show at all.
 */
export function repairMessage(payload: MessagePayload): MessagePayload[] {
  const content = typeof payload.content === 'string' ? truncate(payload.content, L.content) : undefined;
  const embeds = (payload.embeds ?? []).filter((e) => typeof e === 'object' && e !== null).flatMap(fixEmbed);
  const components = fixComponents(payload.components ?? []);
  const flags = (payload.flags ?? 0) & ~EPHEMERAL_FLAG;
  const base = (): MessagePayload => ({ allowed_mentions: { ...NO_MENTIONS, parse: [] }, ...(flags ? { flags } : {}) });

  const messages: MessagePayload[] = [];
  let current: MessagePayload = base();
  if (content !== undefined && content.trim().length > 0) current.content = content;
  if (components.length > 0) current.components = components;
  let size = 0;
  for (const e of embeds) {
    const n = embedSize(e);
    const count = current.embeds?.length ?? 0;
    if (count >= L.embedsPerMessage || (count > 0 && size + n > L.embedTotal)) {
      messages.push(current);
      current = base();
      size = 0;
    }
    (current.embeds ??= []).push(e);
    size += n;
  }
  messages.push(current);
  return messages.filter((m) => (m.content?.trim().length ?? 0) > 0 || (m.embeds?.length ?? 0) > 0 || (m.components?.length ?? 0) > 0);
}
