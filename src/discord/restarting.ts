import type { Interaction } from 'discord.js';
import { renderNotice } from '../render/articles.ts';
import { toReply } from './respond.ts';

/** What a user who runs a command while the bot shuts down is told. */
export const RESTARTING_TEXT = '⏳ The bot is restarting. Try again in a minute.';

/**
 * Answers an interaction that arrives while the process shuts down, without running it: a command or
 * a click gets a short private "restarting" reply (better than Discord's "The application did not
 * respond" three seconds later), an autocomplete an empty list. Never throws.
 */
export async function answerRestarting(interaction: Interaction): Promise<void> {
  try {
    if (interaction.isAutocomplete()) await interaction.respond([]);
    else if (interaction.isRepliable()) await interaction.reply(toReply(renderNotice(RESTARTING_TEXT, { ephemeral: true })));
  } catch {
    // The process is going away; a reply that cannot be sent any more is not worth a log line.
  }
}
