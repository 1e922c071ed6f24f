import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

/** A throwaway folder with helpers to write files into it. */
export async function tempDir(prefix = 'news-bot-') {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const write = async (file: string, text: string | Buffer) => {
    const full = join(root, file);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, text);
    return full;
  };
  return {
    root,
    write,
    /** Writes `count` files `<prefix>-000.md`, `<prefix>-001.md`…, the i-th holding `text(i)`; returns each as [name, absolute path], in order. */
    async writeNumbered(prefix: string, count: number, text: (i: number) => string): Promise<Array<[string, string]>> {
      const files: Array<[string, string]> = [];
      for (let i = 0; i < count; i++) {
        const file = `${prefix}-${String(i).padStart(3, '0')}.md`;
        files.push([file, await write(file, text(i))]);
      }
      return files;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * A maker of throwaway folders for one test file: each folder it makes is removed after the test
 * that made it. Call it at the top of the file, where hooks are registered.
 */
export function tempFolders(prefix?: string): () => ReturnType<typeof tempDir> {
  const made: Array<{ cleanup(): Promise<void> }> = [];
  afterEach(async () => {
    while (made.length) await made.pop()!.cleanup();
  });
  return async () => {
    const d = await tempDir(prefix);
    made.push(d);
    return d;
  };
}

/** Front matter for a valid schema B article. */
export function aggregatorArticle(fields: { title: string; date?: string; url?: string; topics?: string[]; sentiment?: string; excerpt?: string }): string {
  return [
    '---',
    `title: ${JSON.stringify(fields.title)}`,
    `excerpt: ${JSON.stringify(fields.excerpt ?? `About ${fields.title}`)}`,
    `publishedDateTime: ${fields.date ?? '2026-11-21T10:00:00Z'}`,
    `webUrl: ${JSON.stringify(fields.url ?? `https://example.com/${encodeURIComponent(fields.title.toLowerCase().replace(/\s+/g, '-'))}`)}`,
    'published: true',
    'provider:',
    '  name: Test Source',
    `topics: [${(fields.topics ?? ['Markets']).join(', ')}]`,
    ...(fields.sentiment ? [`sentiment: ${fields.sentiment}`] : []),
    '---',
    '',
  ].join('\n');
}

