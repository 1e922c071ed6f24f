import type { Interaction, RepliableInteraction } from 'discord.js';
import type { Logger } from 'pino';
import { UserError } from '../errors.ts';
import { renderNotice } from '../render/articles.ts';
import { renderLoading } from '../render/loading.ts';
import { QueryError } from '../search/query.ts';
import type { Command } from './command.ts';
import type { BotContext } from './context.ts';
import { toReply } from './respond.ts';

/** What a user sees when something unexpected breaks: short, and no internals. */
export const GENERIC_ERROR = 'Sorry, something went wrong on our side. It has been logged; please try again in a moment.';

/** True for problems the user can fix themselves, whose message is meant for them. */
export function isExpectedError(err: unknown): err is Error {
  return err instanceof UserError || err instanceof QueryError;
}

function describe(interaction: Interaction) {
  return {
    interactionId: interaction.id,
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    userId: interaction.user.id,
    command: interaction.isCommand() || interaction.isAutocomplete() ? interaction.commandName : undefined,
    subcommand: interaction.isChatInputCommand() || interaction.isAutocomplete() ? interaction.options.getSubcommand(false) : undefined,
    customId: interaction.isMessageComponent() ? interaction.customId : undefined,
  };
}

/**
 * Sends an error to the user without ever throwing: if the interaction was already answered, a
 * follow-up; otherwise an ephemeral reply. If even that fails (token expired), it is only logged.
 */
async function tellUser(interaction: RepliableInteraction, text: string, logger: Logger) {
  const body = toReply(renderNotice(text, { ephemeral: true }));
  try {
    if (interaction.replied || interaction.deferred) await interaction.followUp(body);
    else await interaction.reply(body);
  } catch (err) {
    logger.warn({ err, ...describe(interaction) }, 'could not deliver an error message to the user');
  }
}

/**
 * Builds the `interactionCreate` listener: routes each interaction to its command by name, and turns
 * failures into replies. It never rejects, so one failed interaction cannot take the process down.
 */
export function createInteractionRouter(commands: readonly Command[], ctx: BotContext) {
  const byName = new Map(commands.map((c) => [c.data.name, c]));
  const { logger } = ctx;
  return async function onInteraction(interaction: Interaction): Promise<void> {
    try {
      // One gate for every command, button and suggestion: nothing answers from a half-loaded archive.
      const loading = ctx.archive?.loading();
      if (loading) {
        // An empty list, not a "Loading…" choice: a choice can be picked, and its value would reach the command.
        if (interaction.isAutocomplete()) await interaction.respond([]);
        else if (interaction.isRepliable()) await interaction.reply(toReply(renderLoading(loading)));
        return;
      }
      if (interaction.isAutocomplete()) {
        const command = byName.get(interaction.commandName);
        if (command?.autocomplete) await command.autocomplete(interaction, ctx);
        else await interaction.respond([]);
        return;
      }
      if (interaction.isChatInputCommand()) {
        const command = byName.get(interaction.commandName);
        if (!command) throw new UserError('This command is not known to the bot any more. Discord may still show an old list; try again in a minute.');
        await command.execute(interaction, ctx);
        return;
      }
      if (interaction.isMessageComponent()) {
        const command = byName.get(interaction.customId.split(':')[0] ?? '');
        if (!command?.component) throw new UserError('This button is no longer supported. Run the command again.');
        await command.component(interaction, ctx);
      }
    } catch (err) {
      if (interaction.isAutocomplete()) {
        // Autocomplete cannot show an error; an empty list is the polite failure.
        logger.error({ err, ...describe(interaction) }, 'autocomplete failed');
        if (!interaction.responded) await interaction.respond([]).catch(() => undefined);
        return;
      }
      if (!interaction.isRepliable()) return;
      if (isExpectedError(err)) {
        logger.debug({ ...describe(interaction), reason: err.message }, 'user error');
        await tellUser(interaction, err.message, logger);
      } else {
        logger.error({ err, ...describe(interaction) }, 'interaction failed');
        await tellUser(interaction, GENERIC_ERROR, logger);
      }
    }
  };
}
