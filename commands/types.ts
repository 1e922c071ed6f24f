import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  MessageComponentInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { BotContext } from '../src/discord/context.ts';

/**
 * A slash command as a plain object: its definition (deployed as-is) and its handlers. The one list
 * in `commands/index.ts` is used both to register commands and to dispatch interactions, so the two
 * cannot drift apart.
 */
export interface Command {
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
  /** Buttons and menus whose `custom_id` starts with `${data.name}:` are routed here. */
  component?(interaction: MessageComponentInteraction, ctx: BotContext): Promise<void>;
}
