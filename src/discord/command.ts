import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  MessageComponentInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { UserError } from '../errors.ts';
import type { BotContext } from './context.ts';

/**
 * A slash command as a plain object: its definition (deployed as-is) and its handlers. The adapter owns
 * this shape because it registers and routes commands; the one list in `commands/index.ts` is used
 * both to register commands and to dispatch interactions, so the two cannot drift apart.
 */
export interface Command {
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
  /** Buttons and menus whose `custom_id` starts with `${data.name}:` are routed here. */
  component?(interaction: MessageComponentInteraction, ctx: BotContext): Promise<void>;
}

/** A handler for one subcommand. */
export type SubcommandHandler = (interaction: ChatInputCommandInteraction, ctx: BotContext) => Promise<void>;

/**
 * Builds `execute` from one handler per subcommand. A subcommand Discord still shows from an older
 * registration gets a polite explanation instead of an error.
 */
export function bySubcommand(handlers: Record<string, SubcommandHandler>): Command['execute'] {
  return async (interaction, ctx) => {
    const handler = handlers[interaction.options.getSubcommand()];
    if (!handler) throw new UserError('That subcommand does not exist any more. Discord may still show an old list; try again in a minute.');
    await handler(interaction, ctx);
  };
}
