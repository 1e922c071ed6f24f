import { digest } from './digest.ts';
import { news } from './news.ts';
import type { Command } from './types.ts';

/** Every command, once: registration deploys this list and the router dispatches from it. */
export const commands: readonly Command[] = [news, digest];
