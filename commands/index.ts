import { digest } from './digest.ts';
import { news } from './news.ts';
import type { Command } from '../src/discord/command.ts';

/** Every command, once: registration deploys this list and the router dispatches from it. */
export const commands: readonly Command[] = [news, digest];
