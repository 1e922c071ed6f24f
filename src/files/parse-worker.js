// The parse worker is TypeScript; a worker thread does not inherit a loader registered through the API
// (the `news` CLI), so this registers tsx unless the process was started with it (`npm start`).
import { register } from 'tsx/esm/api';

if (!process.execArgv.some((arg) => arg.includes('tsx'))) register();
await import('./parse-worker.ts');
