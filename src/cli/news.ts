import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Article, ParsedArticle, Sentiment } from '../content/article.ts';
import { SENTIMENTS } from '../content/article.ts';
import { isValidTimeZone, localDate, parseIsoDate } from '../calendar/period.ts';
import { parseSentiment } from '../classify/sentiment.ts';
import { formatConfigProblems, parseContentTimeZone, parseTopicAliases } from '../config.ts';
import { ArticleStore } from '../content/store.ts';
import { createTopicCanonicaliser } from '../content/topics.ts';
import { composeDayDigest, type Digest } from '../digest/compose.ts';
import { renderDigest } from '../render/digest.ts';
import { ContentDirError, formatIssue, loadContentDir, resolveContentDir, type LoadReport } from '../files/content-files.ts';
import { createFileDetailsReader } from '../files/archive.ts';
import { QueryError } from '../search/query.ts';

/** Where the CLI writes, and what it reads from the environment: passed in so tests run it in-process. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Record<string, string | undefined>;
  /** The current time; defaults to the system clock. */
  now?: () => Date;
}

/** Exit codes: 0 success, 1 content problems (validate) or nothing found, 2 bad arguments or setup. */
const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

const USAGE = `Usage: news <command> [options]

Commands:
  validate                       Load every article and list the files that were skipped, and why.
  latest [--count N] [--topic T] [--sentiment S]
                                 The newest articles (default 10).
  search <query> [--limit N]     Ranked full-text search (default 10 results).
  impact <id-or-query>           An article's "Impact on the crypto market" bullets.
  digest [--date YYYY-MM-DD] [--tz ZONE]
                                 The digest for one calendar day (default: today, UTC).

Options for every command:
  --content DIR                  Article folder (default: $CONTENT_DIR, else ./content)
  --json                         Machine-readable output
  -h, --help                     Show this help
`;

const OPTIONS = {
  content: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  count: { type: 'string' },
  limit: { type: 'string' },
  topic: { type: 'string' },
  sentiment: { type: 'string' },
  date: { type: 'string' },
  tz: { type: 'string' },
} satisfies ParseArgsConfig['options'];

/** Which options each command accepts: anything else is a usage error rather than silently ignored. */
const ALLOWED: Record<string, ReadonlyArray<keyof typeof OPTIONS>> = {
  validate: [],
  latest: ['count', 'topic', 'sentiment'],
  search: ['limit'],
  impact: [],
  digest: ['date', 'tz'],
};

class UsageError extends Error {}

/** A bad environment variable: reported like the bot reports it, without the usage. */
class ConfigError extends Error {}

/** The article fields the CLI prints as JSON, with dates as ISO strings. */
export function articleJson(a: ParsedArticle) {
  return {
    id: a.id,
    title: a.title,
    url: a.url,
    source: a.source,
    publishedAt: a.publishedAt.toISOString(),
    topics: a.topics,
    sentiment: a.sentiment,
    sentimentSource: a.sentimentSource,
    summary: a.summary,
    impact: a.impact,
  };
}

/**
 * Runs the `news` CLI and resolves to its exit code. Never throws for bad input: usage problems
 * print the usage and give 2, content problems are listed and give 1.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const out = (s = '') => io.stdout.write(`${s}\n`);
  const err = (s: string) => io.stderr.write(`${s}\n`);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    err(`news: ${(e as Error).message}\n`);
    err(USAGE);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    (values.help ? out : err)(USAGE);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  try {
    if (!(command in ALLOWED)) throw new UsageError(`unknown command "${command}"`);
    const allowed = new Set<string>(['content', 'json', 'help', ...(ALLOWED[command] ?? [])]);
    for (const [name, value] of Object.entries(values)) {
      if (value !== undefined && value !== false && !allowed.has(name)) throw new UsageError(`--${name} does not apply to "${command}"`);
    }
    const now = io.now ?? (() => new Date());
    const ctx = { values, rest, out, err, now };
    const loaded = await load(values.content, io.env, err, now);
    switch (command) {
      case 'validate':
        return validate(loaded.report, ctx);
      case 'latest':
        return await latest(loaded.store, ctx);
      case 'search':
        return await search(loaded.store, ctx);
      case 'impact':
        return await impact(loaded.store, ctx);
      default:
        return digest(loaded.store, ctx);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`news: ${e.message}\n`);
      err(USAGE);
      return EXIT.usage;
    }
    if (e instanceof ConfigError) {
      err(e.message.trimEnd());
      return EXIT.usage;
    }
    if (e instanceof ContentDirError) {
      err(`news: ${e.message}`);
      return EXIT.usage;
    }
    if (e instanceof QueryError) {
      err(`news: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
}

type Ctx = {
  values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];
  rest: string[];
  out: (s?: string) => void;
  err: (s: string) => void;
  now: () => Date;
};

async function load(flag: string | undefined, env: CliIo['env'], err: (s: string) => void, now: () => Date) {
  const dir = resolveContentDir(flag, env as NodeJS.ProcessEnv);
  // The same alias table and content time zone, with the same validation, as the bot.
  const aliases = parseTopicAliases(env);
  const zone = parseContentTimeZone(env);
  const problems = [...(aliases.ok ? [] : aliases.problems), ...(zone.ok ? [] : zone.problems)];
  if (!aliases.ok || !zone.ok) throw new ConfigError(formatConfigProblems(problems));
  const topics = createTopicCanonicaliser(aliases.aliases);
  // Summaries and impact bullets are read from the files when a command prints them.
  const store = new ArticleStore({ topics, details: createFileDetailsReader(dir, { topics, timeZone: zone.timeZone, now }) });
  let lastShown = 0;
  const report = await loadContentDir(dir, store, {
    topics,
    timeZone: zone.timeZone,
    now,
    // Progress goes to stderr so stdout stays clean for --json and pipes.
    onProgress(done, total) {
      if (total >= 500 && (done === total || done - lastShown >= Math.ceil(total / 10))) {
        lastShown = done;
        err(`Loading ${done}/${total} files…`);
      }
    },
  });
  err(summaryLine(dir, report, store));
  return { store, report };
}

function summaryLine(dir: string, r: LoadReport, store: ArticleStore): string {
  const dupes = r.loaded - store.size;
  const parts = [`${r.loaded} loaded`, `${r.skipped.length} skipped`, `${r.excluded.length} excluded (draft or unpublished)`];
  if (dupes > 0) parts.push(`${dupes} duplicate${dupes === 1 ? '' : 's'} merged`);
  return `${dir}: ${r.files} files · ${parts.join(' · ')}`;
}

function validate(report: LoadReport, { values, out }: Ctx): number {
  if (values.json) {
    out(JSON.stringify({ loaded: report.loaded, skipped: report.skipped, notices: report.notices }, null, 2));
  } else {
    const notices = report.notices.length > 0 ? `, ${report.notices.length} notice${report.notices.length === 1 ? '' : 's'}` : '';
    out(`${report.loaded} loaded, ${report.skipped.length} skipped, ${report.excluded.length} excluded${notices}`);
    // Notices first: the file loaded, but the operator may want to shorten it.
    for (const notice of report.notices) out(`  ! ${formatIssue(notice)}`);
    for (const issue of report.skipped) out(`  ✗ ${formatIssue(issue)}`);
    for (const ex of report.excluded) out(`  – ${ex.file}: ${ex.reason}`);
  }
  return report.skipped.length > 0 ? EXIT.problems : EXIT.ok;
}

function positiveInt(raw: string | undefined, name: string, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max} (got "${raw}")`);
  return n;
}

function sentimentOption(raw: string | undefined): Sentiment | undefined {
  if (raw === undefined) return undefined;
  const s = parseSentiment(raw);
  if (s === null) throw new UsageError(`--sentiment must be one of ${SENTIMENTS.join(', ')} (got "${raw}")`);
  return s;
}

async function latest(store: ArticleStore, { values, out }: Ctx): Promise<number> {
  const count = positiveInt(values.count, 'count', 10, 1000);
  const sentiment = sentimentOption(values.sentiment);
  const articles = store.query({ limit: count, topic: values.topic, sentiment });
  if (values.json) {
    out(JSON.stringify((await withDetails(store, articles)).map(articleJson), null, 2));
    return EXIT.ok;
  }
  const filters = [values.topic && `topic ${values.topic}`, sentiment && `${sentiment}`].filter(Boolean).join(', ');
  out(`Latest ${articles.length} article${articles.length === 1 ? '' : 's'}${filters ? ` (${filters})` : ''}:`);
  articles.forEach((a, i) => out(articleLine(a, i + 1)));
  if (articles.length === 0) out('  (none)');
  return EXIT.ok;
}

async function search(store: ArticleStore, { values, rest, out, err }: Ctx): Promise<number> {
  if (rest.length === 0) throw new UsageError('search needs a query, e.g. news search musk');
  const limit = positiveInt(values.limit, 'limit', 10, 1000);
  const result = store.search(rest.join(' '), { limit });
  if (result.truncated) err(`news: the query was cut to 200 characters.`);
  if (values.json) {
    out(JSON.stringify((await withDetails(store, result.articles)).map(articleJson), null, 2));
    return EXIT.ok;
  }
  out(`${result.total} result${result.total === 1 ? '' : 's'} for "${result.query}"${result.truncated ? ' (query cut to 200 characters)' : ''}${result.total > result.articles.length ? `, showing ${result.articles.length}` : ''}:`);
  result.articles.forEach((a, i) => out(articleLine(a, i + 1)));
  return EXIT.ok;
}

async function impact(store: ArticleStore, { values, rest, out }: Ctx): Promise<number> {
  if (rest.length === 0) throw new UsageError('impact needs an article id or a search query');
  const found = store.resolve(rest.join(' '));
  const article = found && (await store.details(found));
  if (!article) {
    out(`No article matches "${rest.join(' ')}".`);
    return EXIT.problems;
  }
  if (values.json) {
    out(JSON.stringify(articleJson(article), null, 2));
    return EXIT.ok;
  }
  out(`${article.title}`);
  out(`  ${[article.source, article.publishedAt.toISOString().slice(0, 10), article.topics.join(', '), sentimentLabel(article)].filter(Boolean).join(' · ')}`);
  if (article.url) out(`  ${article.url}`);
  out('');
  if (article.impact.length === 0) {
    out('This article has no "Impact on the crypto market" section.');
  } else {
    out('Impact on the crypto market:');
    for (const bullet of article.impact) out(`  • ${bullet}`);
  }
  return EXIT.ok;
}

function digest(store: ArticleStore, { values, out, now }: Ctx): number {
  const tz = values.tz ?? 'UTC';
  if (!isValidTimeZone(tz)) throw new UsageError(`--tz must be an IANA time zone such as Europe/Paris (got "${tz}")`);
  const date = values.date ?? localDate(now(), tz);
  if (parseIsoDate(date) === null) throw new UsageError(`--date must be a real calendar date YYYY-MM-DD (got "${date}")`);
  const d = composeDayDigest(store, { date, timezone: tz });
  const messages = renderDigest(d);
  if (values.json) {
    out(JSON.stringify({ date, timezone: tz, total: d.total, groups: groupIds(d), messages }, null, 2));
    return EXIT.ok;
  }
  out(`Digest for ${date} (${tz}): ${d.total} article${d.total === 1 ? '' : 's'}${d.total ? ` — ${SENTIMENTS.map((s) => `${d.counts[s]} ${s}`).join(', ')}` : ''}`);
  for (const group of d.groups) {
    out('');
    out(`${group.sentiment.toUpperCase()} (${group.count})`);
    for (const t of group.topics) {
      out(`  ${t.topic} (${t.articles.length})`);
      for (const a of t.articles) out(`    • ${a.title}${a.source ? ` — ${a.source}` : ''}${a.sentimentSource === 'inferred' ? ' [inferred]' : ''}`);
    }
  }
  if (d.total === 0) out('No new articles.');
  out('');
  out(`${messages.length} Discord message${messages.length === 1 ? '' : 's'} would be posted.`);
  return EXIT.ok;
}

function groupIds(d: Digest) {
  return d.groups.map((g) => ({ sentiment: g.sentiment, topics: g.topics.map((t) => ({ topic: t.topic, articles: t.articles.map((a) => a.id) })) }));
}

/** The articles with their details, read from their files (the store keeps only what lists show). */
async function withDetails(store: ArticleStore, articles: readonly Article[]): Promise<ParsedArticle[]> {
  const full = await Promise.all(articles.map((a) => store.details(a)));
  return full.filter((a): a is ParsedArticle => a !== null);
}

function sentimentLabel(a: Article): string {
  return a.sentimentSource === 'inferred' ? `${a.sentiment} (inferred)` : a.sentiment;
}

function articleLine(a: Article, n: number): string {
  const meta = [a.source, a.publishedAt.toISOString().slice(0, 16).replace('T', ' '), a.topics.join(', '), sentimentLabel(a)].filter(Boolean).join(' · ');
  return `${String(n).padStart(3)}. ${a.title}\n     ${meta}\n     id: ${a.id}${a.url ? `  ${a.url}` : ''}`;
}
