import { once } from 'node:events';
import { Client, GatewayIntentBits } from 'discord.js';
import { startDiscordSandbox, type SandboxOptions } from '../../src/discord-sandbox/server.ts';

/** Starts the loopback Discord and logs a real discord.js client into it. */
export async function startSandboxWithClient(options: SandboxOptions & { restRetries?: number } = {}) {
  const sandbox = await startDiscordSandbox(options);
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: sandbox.apiUrl, retries: options.restRetries ?? 0 } });
  const ready = once(client, 'clientReady');
  await client.login(sandbox.token);
  await ready;
  return {
    sandbox,
    client,
    async close() {
      await client.destroy();
      await sandbox.close();
    },
  };
}
