import { MessageFlags, type InteractionEditReplyOptions, type InteractionReplyOptions, type InteractionUpdateOptions } from 'discord.js';
import type { MessagePayload } from '../payload/types.ts';

/**
 * Turns a renderer's payload (REST JSON) into discord.js options. discord.js spells
 * `allowed_mentions` as `allowedMentions`; dropping it here would let article text ping people, so
 * this is the one place that translation happens.
 */
export function toReply(payload: MessagePayload, options: { ephemeral?: boolean } = {}): InteractionReplyOptions & { flags?: number } {
  const ephemeral = options.ephemeral || ((payload.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
  return {
    content: payload.content ?? '',
    embeds: (payload.embeds ?? []) as InteractionReplyOptions['embeds'],
    components: (payload.components ?? []) as InteractionReplyOptions['components'],
    allowedMentions: { parse: [] },
    ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
  } as InteractionReplyOptions & { flags?: number };
}

/** The body shared by updates and edits: everything but the flags, which only a first reply may set. */
function messageBody(payload: MessagePayload) {
  return {
    content: payload.content ?? '',
    embeds: (payload.embeds ?? []) as InteractionUpdateOptions['embeds'],
    components: (payload.components ?? []) as InteractionUpdateOptions['components'],
    allowedMentions: { parse: [] },
  };
}

/** The same translation for `interaction.update()` (a component's message being replaced). */
export function toUpdate(payload: MessagePayload): InteractionUpdateOptions {
  return messageBody(payload) as InteractionUpdateOptions;
}

/** The same translation for `editReply()` (a deferred reply being filled in; its ephemerality was set when deferring). */
export function toEdit(payload: MessagePayload): InteractionEditReplyOptions {
  return messageBody(payload) as InteractionEditReplyOptions;
}
