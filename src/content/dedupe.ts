import type { Article } from './article.ts';
import { canonicalUrl } from './normalise.ts';

/** Two stories with the same normalised title are the same story only if published this close. */
export const TITLE_WINDOW_MS = 48 * 60 * 60 * 1000;

/** A title reduced to its words: case, accents and punctuation folded. */
export function normaliseTitle(title: string): string {
  return title
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The keys under which an article may collide with another one. */
export function dedupeKeys(a: Article): string[] {
  const keys: string[] = [];
  if (a.url) keys.push(`url:${canonicalUrl(a.url)}`);
  if (a.externalId) keys.push(`ext:${a.externalId}`);
  const t = normaliseTitle(a.title);
  if (t) keys.push(`title:${t}`);
  return keys;
}

/** Same canonical URL, same upstream id, or same title within 48 hours. */
export function isDuplicate(a: Article, b: Article): boolean {
  if (a.url && b.url && canonicalUrl(a.url) === canonicalUrl(b.url)) return true;
  if (a.externalId && b.externalId && a.externalId === b.externalId) return true;
  return normaliseTitle(a.title) === normaliseTitle(b.title) && Math.abs(a.publishedAt.getTime() - b.publishedAt.getTime()) <= TITLE_WINDOW_MS;
}

/** How much a copy of a story offers a reader; the richer copy is the one kept. */
export function richness(a: Article): number {
  return (
    (a.url ? 4 : 0) +
    (a.impact.length > 0 ? 4 : 0) +
    (a.imageUrl ? 1 : 0) +
    (a.source ? 1 : 0) +
    (a.sentimentSource === 'frontmatter' ? 1 : 0) +
    Math.min(a.summary.length, 1000) / 250 +
    a.impact.length * 0.1 +
    a.related.length * 0.1
  );
}
