/**
 * Every limit Discord enforces on what the bot sends, in one table. A message that breaks any of
 * them is rejected whole with 400/50035, so renderers split and truncate against these numbers and
 * the loopback server rejects against the same ones.
 */
export const DISCORD_LIMITS = {
  content: 2000,
  embedsPerMessage: 10,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  /** Sum of titles, descriptions, field names and values, footer texts and author names over all embeds of one message. */
  embedTotal: 6000,
  customId: 100,
  /** Files (and `attachments` entries) on one message. */
  attachmentsPerMessage: 10,
  /** The largest upload a bot may send to a server without boosts: 10 MiB per request, all files together. */
  uploadBytes: 10 * 1024 * 1024,
  /** An attachment's description (its alt text). */
  attachmentDescription: 1024,
  /** A thread's name, 1–100 characters. */
  threadName: 100,
  buttonLabel: 80,
  componentsPerRow: 5,
  actionRows: 5,
  selectOptions: 25,
  selectOptionText: 100,
  autocompleteChoices: 25,
  autocompleteChoiceText: 100,
  /** Application command names (1–32, lowercase for slash commands) and slash-command descriptions (1–100). */
  commandName: 32,
  commandDescription: 100,
  /** Options (or subcommands) at one level of a command, and choices of one option. */
  commandOptions: 25,
  commandChoices: 25,
  /** A command choice's name and string value, each 1–100 characters. */
  commandChoiceText: 100,
  /** Names, descriptions, choice names and values (localizations included) of one command together. */
  commandTotal: 4000,
  /** Slash commands one bulk overwrite may register, per scope (global, or one guild). */
  commandsPerScope: 100,
  /** The first response to an interaction must arrive within this many milliseconds. */
  interactionDeadlineMs: 3000,
  /** Interaction tokens stay valid this long for edits and follow-ups. */
  interactionTokenTtlMs: 15 * 60 * 1000,
} as const;
