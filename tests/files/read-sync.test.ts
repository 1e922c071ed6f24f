import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, readContentFileSync } from '../../src/files/read-sync.ts';
import { aggregatorArticle, tempFolders } from '../support/temp-dir.ts';

const folder = tempFolders();
const now = new Date('2026-11-28T00:00:00Z');

describe('readContentFileSync', () => {
  it('GIVEN a listed file THEN it is read and parsed, with the size and time it was read at', async () => {
    const d = await folder();
    const text = aggregatorArticle({ title: 'Read once' });
    await d.write('a.md', text);
    const r = readContentFileSync(join(d.root, 'a.md'), 'a.md', { now });
    expect(r.result.kind).toBe('article');
    expect(r.result.kind === 'article' && r.result.article.title).toBe('Read once');
    expect(r.size).toBe(Buffer.byteLength(text));
    expect(r.mtimeMs).toBeGreaterThan(0);
  });

  it('GIVEN files read one after another THEN each keeps its own text, whatever is read after it', async () => {
    const d = await folder();
    await d.write('long.md', aggregatorArticle({ title: 'The longer one', excerpt: 'x'.repeat(3000) }));
    await d.write('short.md', aggregatorArticle({ title: 'Short' }));
    await d.write('big.md', aggregatorArticle({ title: 'Past the shared buffer', excerpt: 'y'.repeat(80_000) }));
    const read = (f: string) => readContentFileSync(join(d.root, f), f, { now }).result;
    const results = ['long.md', 'short.md', 'big.md'].map(read);
    expect(results.map((r) => (r.kind === 'article' ? `${r.article.title} ${r.article.summary.length}` : r.kind))).toEqual(['The longer one 3000', 'Short 11', 'Past the shared buffer 80000']);
  });

  it('GIVEN a listed file swapped for a named pipe, a folder or a socket THEN each is named as what it is, at once, and nothing waits on the pipe', async () => {
    const d = await folder();
    execFileSync('mkfifo', [join(d.root, 'pipe.md')]);
    await mkdir(join(d.root, 'folder.md'));
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(d.root, 'socket.md'), resolve));
    try {
      const started = performance.now();
      const messages = ['pipe.md', 'folder.md', 'socket.md'].map((f) => {
        const r = readContentFileSync(join(d.root, f), f, { now });
        return r.result.kind === 'issue' ? r.result.issue.message : r.result.kind;
      });
      expect(messages).toEqual([
        'Not a regular file (a named pipe); not opened',
        'Not a regular file (a folder); not opened',
        'Not a regular file (a socket); not opened',
      ]);
      // An open of a pipe without O_NONBLOCK would wait for a writer forever.
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('GIVEN a listed file that is gone, or over 2 MB THEN the reason is given and nothing throws', async () => {
    const d = await folder();
    await d.write('big.md', aggregatorArticle({ title: 'Big' }) + 'x'.repeat(MAX_FILE_BYTES));
    const gone = readContentFileSync(join(d.root, 'gone.md'), 'gone.md', { now });
    const big = readContentFileSync(join(d.root, 'big.md'), 'big.md', { now });
    expect(gone.result).toEqual({ kind: 'issue', issue: { file: 'gone.md', path: '', message: 'Could not read the file: ENOENT' } });
    expect(big.result).toEqual({ kind: 'issue', issue: { file: 'big.md', path: '', message: 'File is 2.0 MB; the limit is 2 MB' } });
    expect(big.size).toBeGreaterThan(MAX_FILE_BYTES);
  });
});
