// `npm start`: runs the bot from its compiled JavaScript (see build.mjs), building it first if a
// source changed. One process, so the bot's pid, memory and start time include the check and any build.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import dotenv from 'dotenv';
import { ensureBuild } from './build.mjs';

const { main, dir } = await ensureBuild();
// The parse workers a first load of a large archive needs take about as long to load their code as the
// bot's bundle does: started now, when there is no archive cache yet, they load side by side with it (a
// load that does not need them ends them). `.env` is read here for that, as the bot reads it.
dotenv.config({ quiet: true });
const { startParseWorkersForFirstLoad } = await import(pathToFileURL(join(dir, 'parse-workers-ahead.js')).href);
startParseWorkersForFirstLoad(process.env, process.argv.slice(2));
// The bundle runs as if node had been given it: its "am I the program" check compares against argv[1].
process.argv[1] = main;
await import(pathToFileURL(main).href);
