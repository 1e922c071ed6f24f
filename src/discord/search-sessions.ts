import { randomBytes } from 'node:crypto';
import type { Sentiment } from '../content/article.ts';
import { DISCORD_LIMITS } from '../payload/limits.ts';

/**
 * What a search's ◀ ▶ buttons need to show another page: kept server-side, since a query and its
 * filters can be longer than a custom_id. Every filter is kept, so each page shows the same search.
 */
export interface SearchSession {
  id: string;
  userId: string;
  /** The words searched; for `/news impact topic:`, the topic. */
  query: string;
  topic?: string;
  sentiment?: Sentiment;
  source?: string;
  /** A `since` filter, resolved once: turning a page later must not move the period. */
  since?: { from: number; label: string };
  sort?: 'relevance' | 'newest';
  /** `/news impact topic:`: the articles with impact notes, in page order (absent for a search). */
  impact?: { articleIds: readonly string[] };
  createdAt: number;
}

/**
 * Remembers recent searches so their pages can be turned. Sessions expire after `ttlMs` (Discord's
 * interaction tokens last 15 minutes, so older pages could not be edited anyway) and the oldest are
 * evicted past `max`, so memory stays bounded however many searches run.
 */
export class SearchSessions {
  private readonly sessions = new Map<string, SearchSession>();

  constructor(
    private readonly options: { now: () => number; ttlMs?: number; max?: number; newId?: () => string } = { now: () => Date.now() },
  ) {}

  /** Stores a search and returns its session. */
  create(input: Omit<SearchSession, 'id' | 'createdAt'>): SearchSession {
    this.prune();
    const id = this.options.newId?.() ?? randomBytes(6).toString('hex');
    const session = { ...input, id, createdAt: this.options.now() };
    this.sessions.set(id, session);
    const max = this.options.max ?? 5000;
    while (this.sessions.size > max) this.sessions.delete(this.sessions.keys().next().value as string);
    return session;
  }

  /** The session, or undefined when it never existed or has expired. */
  get(id: string): SearchSession | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (this.options.now() - s.createdAt > this.ttl) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  private get ttl(): number {
    return this.options.ttlMs ?? DISCORD_LIMITS.interactionTokenTtlMs;
  }

  private prune(): void {
    const now = this.options.now();
    for (const [id, s] of this.sessions) {
      if (now - s.createdAt <= this.ttl) break; // insertion order = creation order
      this.sessions.delete(id);
    }
  }
}
