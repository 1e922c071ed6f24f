#!/usr/bin/env node
// The CLI is written in TypeScript; tsx compiles it on the fly so the `news` bin works straight after install.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./news.ts');
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
