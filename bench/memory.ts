/** Loads a content dir in a fresh process and prints its resident memory, for `bench/run.ts`. */
import { ArticleStore } from '../src/content/store.ts';
import { loadContentDir } from '../src/files/content-files.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: memory.ts DIR');
const store = new ArticleStore();
await loadContentDir(dir, store);
(globalThis as { gc?: () => void }).gc?.();
const rssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
console.log(JSON.stringify({ rssMb, articles: store.size }));
