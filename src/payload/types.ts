/**
 * The Discord message shapes the bot sends, as plain JSON (the REST API's snake_case). Renderers in
 * the pure core build these; the Discord adapter passes them to discord.js unchanged.
 */

/**
 * Discord's message flag EPHEMERAL (`MESSAGE_FLAGS` bit 6, `1 << 6` = 64): only the person who ran the
 * command sees the reply. The core may not import discord.js, so the payload layer names the bit
 * itself; the adapter (`src/discord/respond.ts`) maps it to `MessageFlags.Ephemeral`.
 */
export const EPHEMERAL_FLAG = 1 << 6;

/** `allowed_mentions` that lets nothing ping: article text is untrusted. */
export const NO_MENTIONS = { parse: [] as never[] } as const;

export interface EmbedField {
  name: string;
  value: string;
  inline?: boolean;
}

export interface Embed {
  title?: string;
  description?: string;
  url?: string;
  color?: number;
  timestamp?: string;
  fields?: EmbedField[];
  footer?: { text: string; icon_url?: string };
  author?: { name: string; url?: string; icon_url?: string };
  image?: { url: string };
  thumbnail?: { url: string };
}

export interface ButtonComponent {
  type: 2;
  style: 1 | 2 | 3 | 4 | 5;
  label?: string;
  custom_id?: string;
  url?: string;
  disabled?: boolean;
  emoji?: { name: string };
}

export interface SelectOption {
  label: string;
  value: string;
  description?: string;
  default?: boolean;
}

export interface StringSelectComponent {
  type: 3;
  custom_id: string;
  options: SelectOption[];
  placeholder?: string;
  min_values?: number;
  max_values?: number;
  disabled?: boolean;
}

export interface ActionRow {
  type: 1;
  components: Array<ButtonComponent | StringSelectComponent>;
}

/** One message as sent to `POST /channels/{id}/messages` or an interaction response. */
export interface MessagePayload {
  content?: string;
  embeds?: Embed[];
  components?: ActionRow[];
  allowed_mentions: typeof NO_MENTIONS;
  /** Message flags; `EPHEMERAL_FLAG` is the only one the bot sets. */
  flags?: number;
}
