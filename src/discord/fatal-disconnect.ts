import { Events, GatewayCloseCodes, type Client } from 'discord.js';

/** Why the gateway will not take the bot back, and what the operator does about it. */
const ADVICE: Partial<Record<number, string>> = {
  [GatewayCloseCodes.AuthenticationFailed]: 'DISCORD_TOKEN is no longer valid (was the token reset?). Put the new token in DISCORD_TOKEN and start the bot again.',
  [GatewayCloseCodes.InvalidIntents]: 'the gateway intents are invalid. This is a bug in the bot; report it.',
  [GatewayCloseCodes.DisallowedIntents]: 'an intent the bot asks for is not enabled for this application in the Developer Portal.',
  [GatewayCloseCodes.ShardingRequired]: 'the bot is in too many servers for one connection; it needs sharding.',
};

/** A gateway close that discord.js will not recover from. */
export interface FatalDisconnect {
  code: number;
  /** One sentence for the log, with what to do; it never contains the token. */
  message: string;
}

/**
 * Calls `onFatal` when Discord's gateway closes the connection with a code discord.js does not
 * reconnect after (4004 after a token reset, 4013/4014 intents, 4011 sharding). discord.js then
 * leaves the client disconnected and silent for ever, so the process must say so and end, for its
 * supervisor to restart it or alert. discord.js reports these as `shardDisconnect`, only for
 * unrecoverable codes: a normal close or a resumable drop never reaches `onFatal`. Returns the
 * function that stops listening.
 */
export function onFatalDisconnect(client: Client, onFatal: (d: FatalDisconnect) => void): () => void {
  const listener = (event: { code: number }) => {
    const code = event.code;
    const advice = ADVICE[code] ?? 'discord.js will not reconnect after it.';
    onFatal({ code, message: `Discord's gateway closed the connection for good (close code ${code}): ${advice}` });
  };
  client.on(Events.ShardDisconnect, listener);
  return () => void client.off(Events.ShardDisconnect, listener);
}
