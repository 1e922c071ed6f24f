import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A deterministic synthetic corpus: both front-matter schemas, with words drawn from a Zipf-like
 * distribution (a few very common words, a long tail of rare ones), as real news text has.
 */

/** An archive size as the benchmarks take it: 10000, 10k, 100k, 1m. */
export const parseSize = (s: string) => {
  const m = /^(\d+)([km]?)$/i.exec(s.trim());
  if (!m) throw new Error(`--size must be a number like 10000, 10k, 100k or 1m (got "${s}")`);
  return Number(m[1]) * (m[2]?.toLowerCase() === 'm' ? 1_000_000 : m[2] ? 1000 : 1);
};

/** A small seeded PRNG (mulberry32), so every run benchmarks the same files. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON = 'the of and to in a is that for on with as by at from it this be are was has an will its after over new more than market price'.split(' ');
const NAMES = 'musk altman buterin saylor gensler lagarde powell dimon zhao armstrong nakamoto wood'.split(' ');
const THEMES = 'bitcoin ethereum solana stablecoin regulation exchange etf mining defi nft token wallet custody hack lawsuit rally crash inflows outflows treasury miners validator rollup layer liquidity lending yield governance airdrop staking futures options'.split(' ');
const TOPICS = ['BITCOIN', 'ETHEREUM', 'REGULATION', 'DEFI', 'ARTIFICIAL INTELLIGENCE', 'AI', 'MARKETS', 'SECURITY', 'MINING', 'ETF', 'STABLECOINS', 'NFT', 'OTHER'];
const SENTIMENTS = ['POSITIVE', 'NEGATIVE', 'NEUTRAL'];
const SOURCES = ['Ledger Wire', 'Chain Daily', 'Block Ledger', 'Policy Chain', 'Market Pulse', 'Energy Desk', 'Tech Brief'];

/** Builds a vocabulary of `size` pseudo-words for the long tail. */
function vocabulary(size: number, rand: () => number): string[] {
  const syll = ['ka', 'lo', 'mi', 'ren', 'sta', 'vor', 'qui', 'del', 'tan', 'por', 'zu', 'fe', 'nix', 'bra', 'col'];
  const out: string[] = [];
  for (let i = 0; i < size; i++) {
    let w = '';
    const n = 2 + Math.floor(rand() * 3);
    for (let j = 0; j < n; j++) w += syll[Math.floor(rand() * syll.length)];
    out.push(w);
  }
  return out;
}

/** Returns a word sampler whose frequencies follow roughly 1/rank. */
export function wordSampler(rand: () => number): () => string {
  const tail = vocabulary(20_000, rand);
  const ranked = [...COMMON, ...THEMES, ...NAMES, ...tail];
  const harmonic = Math.log(ranked.length) + 0.5772;
  return () => {
    // Inverse of the Zipf CDF, approximated: rank ≈ exp(u · H) - 1.
    const rank = Math.min(ranked.length - 1, Math.floor(Math.exp(rand() * harmonic) - 1));
    return ranked[rank]!;
  };
}

function sentence(word: () => string, rand: () => number, min: number, max: number): string {
  const n = min + Math.floor(rand() * (max - min));
  const words = Array.from({ length: n }, word);
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1) + '.';
}

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** One article file's text; even indexes use schema A (rewritten RSS), odd ones schema B (aggregator). */
export function articleText(i: number, rand: () => number, word: () => string, day: Date): string {
  const published = new Date(day.getTime() + Math.floor(rand() * 86_400_000)).toISOString();
  const title = sentence(word, rand, 6, 12).replace(/\.$/, '') + (rand() < 0.05 ? ` ${NAMES[0]}` : '');
  const summary = `${sentence(word, rand, 14, 28)} ${sentence(word, rand, 10, 20)}`;
  const topics = [TOPICS[Math.floor(rand() * TOPICS.length)]!, TOPICS[Math.floor(rand() * TOPICS.length)]!];
  const source = SOURCES[i % SOURCES.length]!;
  if (i % 2 === 0) {
    const hasSentiment = rand() < 0.7;
    const hasImpact = rand() < 0.6;
    const paras = Array.from({ length: 4 + Math.floor(rand() * 4) }, () => Array.from({ length: 4 }, () => sentence(word, rand, 10, 22)).join(' '));
    const impact = hasImpact
      ? `\n## Impact on the crypto market\n\n${Array.from({ length: 3 + Math.floor(rand() * 4) }, () => `- ${sentence(word, rand, 10, 20)}`).join('\n')}\n`
      : '';
    return `---
title: ${q(title)}
description: ${q(summary)}
publishedAt: ${q(published)}
updatedAt: ${q(published)}
lang: en
externalId: '${1_000_000 + i}'
source:
  name: ${source}
  key: ${source.toLowerCase().replace(/ /g, '-')}
  type: RSS
category: ${topics[0]}
tags:
  - ${topics[0]}
  - ${topics[1]}
stickyWeight: ${rand() < 0.02 ? 1 : 0}
${hasSentiment ? `sentiment: ${SENTIMENTS[Math.floor(rand() * 3)]}\n` : ''}score: ${Math.floor(rand() * 20)}
draft: false
coverImage:
  raw: 'https://images.example.com/photo-${i}?ixid=abc&ixlib=rb-4.1.0'
  regular: 'https://images.example.com/photo-${i}?w=1080&q=80'
ai:
  rewritten: true
  version: 1
---
## Overview

${paras.join('\n\n')}
${impact}`;
  }
  return `---
category: news
title: "${title}"
excerpt: "${summary}"
publishedDateTime: ${published}
webUrl: "https://news.example.com/${i}/${title.toLowerCase().split(' ').slice(0, 5).join('-')}"
type: article
quality: ${Math.floor(rand() * 100)}
heat: ${Math.floor(rand() * 100)}
published: true
provider:
  name: ${source}
  domain: example.com
topics:
  - ${topics[0]}
images:
  - url: "https://images.example.com/${i}.jpg?fit=750%2C600&#038;strip=all"
    width: 750
    height: 600
---
`;
}

/**
 * Writes `count` articles under `dir` (100 per folder, as a real content tree would be split), spread
 * over `days` days ending on `lastDay`. Returns the number of files written.
 */
export async function writeCorpus(dir: string, count: number, options: { seed?: number; days?: number; lastDay?: Date } = {}): Promise<number> {
  const rand = rng(options.seed ?? 42);
  const word = wordSampler(rand);
  const days = options.days ?? 100;
  const last = options.lastDay ?? new Date('2026-11-21T00:00:00Z');
  await rm(dir, { recursive: true, force: true });
  for (let start = 0; start < count; start += 100) {
    const folder = join(dir, `batch-${String(start / 100).padStart(4, '0')}`);
    await mkdir(folder, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = start; i < Math.min(count, start + 100); i++) {
      const day = new Date(last.getTime() - (i % days) * 86_400_000);
      writes.push(writeFile(join(folder, `article-${i}.md`), articleText(i, rand, word, day)));
    }
    await Promise.all(writes);
  }
  return count;
}
