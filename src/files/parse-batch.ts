import type { ContentIssue, ParsedArticle } from '../content/article.ts';
import { createIndexBuilder, type IndexSnapshots } from '../content/store.ts';
import { storedArticle, type StoredArticle } from '../content/stored-article.ts';
import { createTopicCanonicaliser, type TopicCanonicaliser } from '../content/topics.ts';
import { isTransientIssue, readContentFileSync } from './read-sync.ts';

/**
 * One batch of files read and parsed, in a worker thread or inline. What comes back is compact: the
 * stored part of each article (its words go into the batch's index, built on the same thread), or,
 * for a plain sink, the whole parsed article.
 */

/** One file's outcome, with the size and modification time it was read at. */
export type ParsedEntry = { file: string; size: number; mtimeMs: number } & (
  | { kind: 'article'; article: StoredArticle; parsed?: ParsedArticle; notices?: ContentIssue[] }
  | { kind: 'excluded'; reason: string }
  | { kind: 'issue'; issue: ContentIssue; transient: boolean }
);

/** How a batch is read: plain data, so it can cross to a worker thread. */
export interface BatchSettings {
  /** `TOPIC_ALIASES`, to build the same topic table on every thread. */
  aliases: Readonly<Record<string, string>>;
  timeZone?: string;
  /** Keep whole parsed articles (for a sink that is not an `ArticleStore`) instead of indexing them here. */
  whole: boolean;
}

/**
 * A batch parser bound to its settings; `snapshot` gives the index of everything it parsed, and
 * `nextPart` that index too, with a fresh one for what it parses next.
 */
export function createBatchParser(settings: BatchSettings) {
  const topics: TopicCanonicaliser = createTopicCanonicaliser(settings.aliases);
  let builder = settings.whole ? null : createIndexBuilder();
  return {
    parse(files: ReadonlyArray<readonly [file: string, absolute: string]>, now: number): ParsedEntry[] {
      const options = { topics, timeZone: settings.timeZone, now: new Date(now) };
      return files.map(([file, absolute]): ParsedEntry => {
        const { result, size, mtimeMs } = readContentFileSync(absolute, file, options);
        if (result.kind === 'excluded') return { kind: 'excluded', file, size, mtimeMs, reason: result.reason };
        if (result.kind === 'issue') return { kind: 'issue', file, size, mtimeMs, issue: result.issue, transient: isTransientIssue(result.issue) };
        builder?.add(file, result.article);
        return {
          kind: 'article',
          file,
          size,
          mtimeMs,
          article: storedArticle(result.article),
          ...(settings.whole ? { parsed: result.article } : {}),
          ...(result.notices ? { notices: result.notices } : {}),
        };
      });
    },
    snapshot(): IndexSnapshots | null {
      return builder?.snapshot() ?? null;
    },
    /**
     * The index of what was parsed since the last part (see `snapshot`); what is parsed next goes into a
     * new index. A parse worker sends its files in parts: a new parser for each part made V8 compile the
     * parse again (each call site saw new functions: the topic table's, the index's), about a tenth of a
     * second of a core while both workers were busy.
     */
    nextPart(): IndexSnapshots | null {
      const snapshot = builder?.snapshot() ?? null;
      if (builder) builder = createIndexBuilder();
      return snapshot;
    },
  };
}
