import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Article, ParsedArticle, Sentiment } from '../content/article.ts';
import { SENTIMENTS } from '../content/article.ts';
import { isValidTimeZone, localDate, parseIsoDate } from '../calendar/period.ts';
import { parseSentiment } from '../classify/sentiment.ts';
import { formatConfigProblems, parseContentTimeZone, parseTopicAliases } from '../config.ts';
import { ArticleStore } from '../content/store.ts';
import { createTopicCanonicaliser } from '../content/topics.ts';
import { composeDayDigest, readTopImpacts, type Digest } from '../digest/compose.ts';
import { composeDayMood } from '../digest/mood.ts';
import { renderDigest } from '../render/digest.ts';
import { ContentDirError, formatIssue, loadContentDir, resolveContentDir, type LoadReport } from '../files/content-files.ts';
import { createFileDetailsReader } from '../files/archive.ts';
import { parseSince, parseSort } from '../search/filters.ts';
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
  search <query> [--limit N] [--topic T] [--sentiment S] [--source NAME] [--since P] [--sort relevance|newest]
                                 Ranked full-text search (default 10 results); forgives typos
                                 (etherium finds Ethereum). P is 24h, 7d, 30d or a date YYYY-MM-DD.
  impact <id-or-query>           An article's "Impact on the crypto market" bullets.
  impact --topic T [--since P]   A topic's impact bullets over a period (default 7d), by sentiment.
  digest [--date YYYY-MM-DD] [--tz ZONE] [--top N] [--topics A,B] [--week]
                                 The digest for one calendar day (default: today, UTC): its top
                                 N stories (0-10, default 5), the market mood, then every article;
                                 --topics keeps those topics only, --week covers the 7 days
                                 ending with the date, as a weekly digest sent the next day would.

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
  source: { type: 'string' },
  since: { type: 'string' },
  sort: { type: 'string' },
  top: { type: 'string' },
  topics: { type: 'string' },
  week: { type: 'boolean', default: false },
} satisfies ParseArgsConfig['options'];

/** Which options each command accepts: anything else is a usage error rather than silently ignored. */
const ALLOWED: Record<string, ReadonlyArray<keyof typeof OPTIONS>> = {
  validate: [],
  latest: ['count', 'topic', 'sentiment'],
  search: ['limit', 'topic', 'sentiment', 'source', 'since', 'sort'],
  impact: ['topic', 'since'],
  digest: ['date', 'tz', 'top', 'topics', 'week'],
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
        return await digest(loaded.store, ctx);
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
    // `done` and `total` are steps of the load (see LOAD_STEPS), shown as the bot shows them: a percentage.
    onProgress(done, total) {
      if (total >= 500 && (done === total || done - lastShown >= Math.ceil(total / 10))) {
        lastShown = done;
        err(`Loading the archive: ${Math.floor((done / total) * 100)}%…`);
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

/** `--topic` as the archive spells it; an unknown topic is a usage error, as on Discord. */
function topicFlag(store: ArticleStore, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const known = store.resolveTopic(raw);
  if (!known) throw new UsageError(`--topic "${raw}" is not a topic of the archive (news latest lists articles with their topics)`);
  return known;
}

/** `--since`, read like the bot reads it. */
function sinceFlag(raw: string | undefined, now: Date) {
  if (raw === undefined) return undefined;
  try {
    return parseSince(raw, now);
  } catch (e) {
    if (e instanceof QueryError) throw new UsageError(`--since: ${e.message}`);
    throw e;
  }
}

async function search(store: ArticleStore, { values, rest, out, err, now }: Ctx): Promise<number> {
  if (rest.length === 0) throw new UsageError('search needs a query, e.g. news search musk');
  const limit = positiveInt(values.limit, 'limit', 10, 1000);
  const topic = topicFlag(store, values.topic);
  const sentiment = sentimentOption(values.sentiment);
  const source = values.source === undefined ? undefined : store.resolveSource(values.source);
  if (values.source !== undefined && !source) throw new UsageError(`--source "${values.source}" is not a source of the archive (known: ${store.sources().slice(0, 10).map((s) => s.source).join(', ') || 'none'})`);
  const since = sinceFlag(values.since, now());
  let sort;
  try {
    sort = values.sort === undefined ? undefined : parseSort(values.sort);
  } catch (e) {
    throw e instanceof QueryError ? new UsageError(`--sort: ${e.message}`) : e;
  }
  const result = store.search(rest.join(' '), { limit, topic, sentiment, source, from: since?.from, sort });
  if (result.truncated) err(`news: the query was cut to 200 characters.`);
  if (values.json) {
    out(JSON.stringify((await withDetails(store, result.articles)).map(articleJson), null, 2));
    if (result.total === 0 && result.suggestions.length > 0) err(`Did you mean: ${result.suggestions.join(', ')}?`);
    return EXIT.ok;
  }
  const filters = [topic && `topic ${topic}`, sentiment, source && `source ${source}`, since?.label, sort === 'newest' && 'newest first'].filter(Boolean).join(', ');
  out(`${result.total} result${result.total === 1 ? '' : 's'} for "${result.query}"${filters ? ` (${filters})` : ''}${result.truncated ? ' (query cut to 200 characters)' : ''}${result.total > result.articles.length ? `, showing ${result.articles.length}` : ''}${result.total > 0 ? ':' : '.'}`);
  for (const c of result.corrections) out(`  (close spellings of "${c.word}": ${c.matches.join(', ')})`);
  result.articles.forEach((a, i) => out(articleLine(a, i + 1)));
  if (result.total === 0 && result.suggestions.length > 0) out(`Did you mean: ${result.suggestions.join(', ')}?`);
  return EXIT.ok;
}

/** `impact --topic T [--since P]`: the period's bullets for a topic, positive, then negative, then neutral. */
async function impactForTopic(store: ArticleStore, { values, rest, out, now }: Ctx): Promise<number> {
  if (rest.length > 0) throw new UsageError('impact takes an article or --topic, not both');
  const topic = topicFlag(store, values.topic)!;
  const since = sinceFlag(values.since ?? '7d', now())!;
  const read = await withDetails(store, store.query({ topic, from: since.from }));
  const groups = SENTIMENTS.map((s) => ({ sentiment: s, articles: read.filter((a) => a.sentiment === s && a.impact.length > 0) }));
  if (values.json) {
    out(JSON.stringify({ topic, since: since.from.toISOString(), groups: groups.map((g) => ({ sentiment: g.sentiment, articles: g.articles.map(articleJson) })) }, null, 2));
    return EXIT.ok;
  }
  const total = groups.reduce((n, g) => n + g.articles.length, 0);
  out(`Impact on the crypto market · ${topic} · ${since.label}: ${total} article${total === 1 ? '' : 's'} with impact notes`);
  for (const g of groups) {
    if (g.articles.length === 0) continue;
    out('');
    out(`${g.sentiment.toUpperCase()} (${g.articles.length})`);
    for (const a of g.articles) {
      out(`  ${a.title}${a.source ? ` — ${a.source}` : ''} · ${a.publishedAt.toISOString().slice(0, 10)}`);
      for (const b of a.impact) out(`    • ${b}`);
    }
  }
  return total > 0 ? EXIT.ok : EXIT.problems;
}

async function impact(store: ArticleStore, ctx: Ctx): Promise<number> {
  const { values, rest, out } = ctx;
  if (values.topic !== undefined) return impactForTopic(store, ctx);
  if (values.since !== undefined) throw new UsageError('--since applies to impact --topic, not to one article');
  if (rest.length === 0) throw new UsageError('impact needs an article id or a search query, or --topic');
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

async function digest(store: ArticleStore, { values, out, now }: Ctx): Promise<number> {
  const tz = values.tz ?? 'UTC';
  if (!isValidTimeZone(tz)) throw new UsageError(`--tz must be an IANA time zone such as Europe/Paris (got "${tz}")`);
  const date = values.date ?? localDate(now(), tz);
  if (parseIsoDate(date) === null) throw new UsageError(`--date must be a real calendar date YYYY-MM-DD (got "${date}")`);
  const topStories = values.top === undefined ? undefined : Number(values.top);
  if (topStories !== undefined && !(Number.isInteger(topStories) && topStories >= 0 && topStories <= 10)) throw new UsageError(`--top must be a whole number from 0 to 10 (got "${values.top}")`);
  const topics = values.topics === undefined ? undefined : values.topics.split(',').map((t) => t.trim()).filter(Boolean).map((t) => topicFlag(store, t)!);
  if (topics !== undefined && topics.length === 0) throw new UsageError('--topics needs one or more topics, separated by commas (e.g. --topics Bitcoin,Markets)');
  const days = values.week ? 7 : 1;
  const d = composeDayDigest(store, { date, timezone: tz, topStories, topics, days });
  const mood = composeDayMood(store, { date, timezone: tz, days });
  const impacts = await readTopImpacts(store, d);
  const messages = renderDigest(d, { impacts, ...(d.total > 0 ? { mood: mood.line } : {}) });
  if (values.json) {
    out(
      JSON.stringify(
        {
          date,
          timezone: tz,
          days,
          topics: topics ?? null,
          total: d.total,
          top: d.top.map((t) => ({ id: t.article.id, title: t.article.title, url: t.article.url, source: t.article.source, sentiment: t.article.sentiment, sources: t.sources, impact: impacts.get(t.article.id) ?? null })),
          mood: { text: mood.line.text, now: mood.line.now, usual: mood.line.usual, days: mood.days },
          groups: groupIds(d),
          messages,
        },
        null,
        2,
      ),
    );
    return EXIT.ok;
  }
  out(`Digest for ${days === 7 ? `the week ending ${date}` : date} (${tz})${topics ? ` · ${topics.join(', ')}` : ''}: ${d.total} article${d.total === 1 ? '' : 's'}${d.total ? ` — ${SENTIMENTS.map((s) => `${d.counts[s]} ${s}`).join(', ')}` : ''}`);
  if (d.total > 0) out(`Market mood: ${mood.line.text}`);
  if (d.top.length > 0) {
    out('');
    out(`TOP STORIES (${d.top.length})`);
    d.top.forEach((t, i) => {
      const a = t.article;
      out(`  ${i + 1}. ${a.title}${a.source ? ` — ${a.source}` : ''} · ${sentimentLabel(a)}${t.sources > 1 ? ` · ${t.sources} sources` : ''}`);
      if (a.url) out(`     ${a.url}`);
      const impact = impacts.get(a.id);
      if (impact) out(`     ↳ ${impact}`);
    });
  }
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
