// `npm start`: runs the bot from its compiled JavaScript (see build.mjs), building it first if a
// source changed. One process, so the bot's pid, memory and start time include the check and any build.
import { pathToFileURL } from 'node:url';
import { ensureBuild } from './build.mjs';

const { main } = await ensureBuild();
// The bundle runs as if node had been given it: its "am I the program" check compares against argv[1].
process.argv[1] = main;
await import(pathToFileURL(main).href);
