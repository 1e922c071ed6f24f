import type { Logger } from 'pino';
import type { Config } from '../config.ts';

/** Starts the local sandbox (implemented in the sandbox module). */
export async function startSandbox(_: { config: Config; logger: Logger; explicit: boolean }): Promise<{ stop(): Promise<void> }> {
  throw new Error('The sandbox is not available in this build.');
}
