/** Loads a content dir in a fresh process and prints its resident memory, for `bench/run.ts`. */
import { ArticleStore } from '../content/store.ts';
import { loadContentDir } from '../files/content-files.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: memory.ts DIR');
const store = new ArticleStore();
await loadContentDir(dir, store);
(globalThis as { gc?: () => void }).gc?.();
const mu = process.memoryUsage();
const rssMb = Math.round(mu.rss / 1024 / 1024);
if (process.env.MEM_DETAIL) console.error(JSON.stringify(Object.fromEntries(Object.entries(mu).map(([k, v]) => [k, Math.round(v / 1048576)]))));
console.log(JSON.stringify({ rssMb, articles: store.size }));
