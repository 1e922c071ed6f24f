// The parse worker is TypeScript, and a worker thread does not inherit the TypeScript loader of the
// process that starts it (neither `--import tsx` nor the CLI's `register()`), so it registers its own.
import { register } from 'tsx/esm/api';

register();
await import('./parse-worker.ts');
