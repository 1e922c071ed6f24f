/**
 * How `npm run start:shards` splits the bot: how many shards in all, how many per cluster process, and
 * which clusters this machine runs. Plain functions of the environment, so the manager and its tests
 * agree on the layout without starting anything.
 */

/** Discord's identify window: one IDENTIFY per bucket (`shard_id % max_concurrency`) per 5 s; plus a margin. */
export const IDENTIFY_SPACING_MS = 5500;

/** The sharding settings read from the environment. */
export interface ShardSettings {
  /** A number, or `auto`: what Discord's `GET /gateway/bot` recommends (about one shard per 1,000 servers). */
  shardCount: number | 'auto';
  /** Shards held by one cluster process (one discord.js client, one set of caches). */
  shardsPerCluster: number;
  /** The clusters this machine runs (`CLUSTER_IDS=0,1`); `null`: all of them. */
  clusterIds: number[] | null;
}

/** One cluster process: its id and the shards it holds. */
export interface ClusterPlan {
  id: number;
  shards: number[];
}

/** Reads SHARD_COUNT (`auto` or N), SHARDS_PER_CLUSTER (default 2) and CLUSTER_IDS (default all); every problem at once. */
export function parseShardSettings(env: Record<string, string | undefined>): { ok: true; settings: ShardSettings } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const rawCount = (env.SHARD_COUNT ?? '').trim() || 'auto';
  let shardCount: number | 'auto' = 'auto';
  if (rawCount !== 'auto') {
    if (/^\d{1,5}$/.test(rawCount) && Number(rawCount) >= 1) shardCount = Number(rawCount);
    else problems.push('SHARD_COUNT: must be auto or a whole number of shards, at least 1');
  }
  const rawPer = (env.SHARDS_PER_CLUSTER ?? '').trim() || '2';
  const shardsPerCluster = Number(rawPer);
  if (!/^\d{1,4}$/.test(rawPer) || shardsPerCluster < 1) problems.push('SHARDS_PER_CLUSTER: must be a whole number, at least 1');
  const rawIds = (env.CLUSTER_IDS ?? '').trim();
  let clusterIds: number[] | null = null;
  if (rawIds !== '') {
    const parts = rawIds.split(',').map((p) => p.trim());
    if (parts.every((p) => /^\d{1,4}$/.test(p))) clusterIds = [...new Set(parts.map(Number))].sort((a, b) => a - b);
    else problems.push('CLUSTER_IDS: must be comma-separated cluster numbers, e.g. 0,1');
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: { shardCount, shardsPerCluster, clusterIds } };
}

/**
 * Splits shards 0…count-1 into clusters of `shardsPerCluster` consecutive shards (cluster c holds
 * shards c·k … c·k+k-1), then keeps the clusters this machine runs. Every machine given the same
 * SHARD_COUNT and SHARDS_PER_CLUSTER computes the same split, so `CLUSTER_IDS` alone says which part is
 * whose. Throws when a requested cluster does not exist.
 */
export function planClusters(shardCount: number, shardsPerCluster: number, clusterIds: number[] | null): ClusterPlan[] {
  const all: ClusterPlan[] = [];
  for (let first = 0, id = 0; first < shardCount; first += shardsPerCluster, id++) {
    all.push({ id, shards: Array.from({ length: Math.min(shardsPerCluster, shardCount - first) }, (_, i) => first + i) });
  }
  if (!clusterIds) return all;
  const missing = clusterIds.filter((id) => id >= all.length);
  if (missing.length > 0) throw new Error(`CLUSTER_IDS names cluster ${missing.join(', ')}, but ${shardCount} shards in clusters of ${shardsPerCluster} make only clusters 0–${all.length - 1}`);
  return all.filter((c) => clusterIds.includes(c.id));
}

/**
 * How long to wait before starting a cluster so that none of its IDENTIFYs lands in a bucket
 * (`shard_id % maxConcurrency`) used less than the identify window ago, given when each bucket was
 * last used (by clusters that are already online). Zero when every bucket it needs is free.
 */
export function waitBeforeCluster(shards: number[], maxConcurrency: number, bucketUsedAt: ReadonlyMap<number, number>, now: number): number {
  let wait = 0;
  for (const shard of shards) {
    const used = bucketUsedAt.get(shard % maxConcurrency);
    if (used !== undefined) wait = Math.max(wait, used + IDENTIFY_SPACING_MS - now);
  }
  return wait;
}
