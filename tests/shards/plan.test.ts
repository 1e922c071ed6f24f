import { describe, expect, it } from 'vitest';
import { IDENTIFY_SPACING_MS, parseShardSettings, planClusters, waitBeforeCluster } from '../../src/shards/plan.ts';

describe('shard settings from the environment', () => {
  it('GIVEN nothing set THEN auto shards, 2 per cluster, every cluster', () => {
    expect(parseShardSettings({})).toEqual({ ok: true, settings: { shardCount: 'auto', shardsPerCluster: 2, clusterIds: null } });
  });

  it('GIVEN SHARD_COUNT=8, SHARDS_PER_CLUSTER=4 and CLUSTER_IDS=1, 0 THEN those, ids sorted', () => {
    expect(parseShardSettings({ SHARD_COUNT: '8', SHARDS_PER_CLUSTER: '4', CLUSTER_IDS: '1, 0' })).toEqual({ ok: true, settings: { shardCount: 8, shardsPerCluster: 4, clusterIds: [0, 1] } });
  });

  it('GIVEN bad values THEN every problem is named at once', () => {
    const result = parseShardSettings({ SHARD_COUNT: '0', SHARDS_PER_CLUSTER: 'two', CLUSTER_IDS: '0;1' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.split(':')[0])).toEqual(['SHARD_COUNT', 'SHARDS_PER_CLUSTER', 'CLUSTER_IDS']);
  });
});

describe('clusters', () => {
  it('GIVEN 5 shards in clusters of 2 THEN clusters 0–2 hold 0–1, 2–3 and 4', () => {
    expect(planClusters(5, 2, null)).toEqual([
      { id: 0, shards: [0, 1] },
      { id: 1, shards: [2, 3] },
      { id: 2, shards: [4] },
    ]);
  });

  it('GIVEN CLUSTER_IDS=1,2 on a machine THEN only those, with the same shards every machine computes', () => {
    expect(planClusters(6, 2, [1, 2])).toEqual([
      { id: 1, shards: [2, 3] },
      { id: 2, shards: [4, 5] },
    ]);
  });

  it('GIVEN a cluster that does not exist THEN it says which clusters there are', () => {
    expect(() => planClusters(4, 2, [0, 2])).toThrow(/cluster 2.*clusters 0–1/);
  });
});

describe('spacing clusters within the identify limit', () => {
  it('GIVEN max_concurrency 2 and buckets 0 and 1 used 1 s ago THEN the next cluster waits the rest of the window', () => {
    const used = new Map([
      [0, 1000],
      [1, 1000],
    ]);
    expect(waitBeforeCluster([2, 3], 2, used, 2000)).toBe(IDENTIFY_SPACING_MS - 1000);
  });

  it('GIVEN max_concurrency 4 and only buckets 0 and 1 used THEN shards 2 and 3 start at once', () => {
    const used = new Map([
      [0, 1000],
      [1, 1000],
    ]);
    expect(waitBeforeCluster([2, 3], 4, used, 1500)).toBe(0);
  });
});
