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

/** A file of a message, as its `attachments` entry names it: `id` is the index of its `files[n]` upload part. */
export interface AttachmentRef {
  id: number;
  filename: string;
  description?: string;
}

/** One message as sent to `POST /channels/{id}/messages` or an interaction response. */
export interface MessagePayload {
  content?: string;
  embeds?: Embed[];
  components?: ActionRow[];
  allowed_mentions: typeof NO_MENTIONS;
  /** Message flags; `EPHEMERAL_FLAG` is the only one the bot sets. */
  flags?: number;
  /** Files uploaded with the message (multipart); the bytes travel beside the JSON. */
  attachments?: AttachmentRef[];
}

/** One day of the mood chart: articles per sentiment. */
export interface ChartDay {
  /** `YYYY-MM-DD`, local to the digest's zone. */
  date: string;
  counts: { positive: number; negative: number; neutral: number };
  total: number;
}

/**
 * A file a digest message carries, described by its data rather than held: the edge that sends it
 * draws the PNG (the core never rasterises), so a stored digest stays small (its 14 days, not an
 * image) and every resend uploads the same bytes.
 */
export interface ChartFile {
  /** The `attachments` id it fills. */
  id: number;
  filename: string;
  /** What to draw: the mood chart of these days, the last one "today". */
  kind: 'mood';
  days: ChartDay[];
  width: number;
  height: number;
}

/** Where a digest part goes: the channel, or the thread started from the digest's first message. */
export type PartPlacement =
  | { in: 'channel'; startThread?: { name: string; auto_archive_duration: 60 | 1440 | 4320 | 10080 } }
  | { in: 'thread' };

/**
 * One digest message as stored before anything is sent: the payload, plus where it goes and the
 * files it uploads. `placement` absent means the channel (digests stored before threads existed).
 */
export interface DigestPart extends MessagePayload {
  placement?: PartPlacement;
  files?: ChartFile[];
}

/** The payload Discord receives for a stored part: its own fields stripped. */
export function wirePayload(part: DigestPart): MessagePayload {
  const { placement: _placement, files: _files, ...payload } = part;
  return payload;
}
