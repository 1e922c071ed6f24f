/**
 * `npm run deploy-commands`: registers the slash commands (a bulk overwrite) without starting the bot,
 * e.g. after changing a command's options. The bot also does this at every start.
 */
import { REST, Routes } from 'discord.js';
import dotenv from 'dotenv';
import { commands } from '../commands/index.ts';
import { formatConfigProblems, parseConfig } from './config.ts';
import { inviteUrl, registerCommands } from './discord/client.ts';
import { redactSecret } from './logger.ts';

dotenv.config({ quiet: true });
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  process.stderr.write(formatConfigProblems(parsed.problems));
  process.exit(1);
}
const { config } = parsed;
if (!config.DISCORD_TOKEN) {
  process.stderr.write('DISCORD_TOKEN is not set: commands can only be registered with a bot token (see README, "Connecting to Discord").\n');
  process.exit(1);
}
const rest = new REST(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}).setToken(config.DISCORD_TOKEN);
try {
  const app = (await rest.get(Routes.currentApplication())) as { id: string; name: string };
  const count = await registerCommands(rest, app.id, commands, config.DISCORD_GUILD_ID);
  process.stdout.write(`Registered ${count} commands (${commands.map((c) => `/${c.data.name}`).join(', ')}) for ${app.name} ${config.DISCORD_GUILD_ID ? `in server ${config.DISCORD_GUILD_ID}` : 'globally (may take up to an hour to appear)'}.\n`);
  process.stdout.write(`Invite link (View Channel, Send Messages, Embed Links, Read Message History): ${inviteUrl(app.id)}\n`);
} catch (err) {
  process.stderr.write(`Could not register commands: ${redactSecret(String((err as Error).message ?? err), config.DISCORD_TOKEN)}\n`);
  process.exit(1);
}
