import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { createSqliteDigestStore } from '../../src/db/sqlite-digest-store.ts';
import { createDeliveryEngine } from '../../src/scheduler/engine.ts';
import type { DigestSender } from '../../src/scheduler/sender.ts';
import { makeArticle } from '../support/article-factory.ts';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** A due subscription, an engine gated on `ready`, and what it posted. */
async function setup() {
  const store = createSqliteDigestStore(openDatabase(':memory:'));
  await store.upsertSubscription({ guildId: 'g', channelId: 'c', time: '08:00', timezone: 'UTC', topics: null, nextDueAt: new Date('2026-11-22T08:00:00Z') }, new Date('2026-11-21T12:00:00Z'));
  const posted: string[] = [];
  const sender: DigestSender = {
    async send(_channelId, payload) {
      posted.push(payload.content ?? '');
      return { id: String(posted.length) };
    },
    findOwnMessage: async () => null,
    checkPermissions: () => ({ ok: true }),
  };
  let release!: () => void;
  const ready = new Promise<void>((r) => (release = r));
  const list = [makeArticle({ publishedAt: new Date('2026-11-22T06:00:00Z') })];
  const engine = createDeliveryEngine({
    store,
    sender,
    clock: { now: () => new Date('2026-11-22T08:00:05Z') },
    logger: silent,
    articles: { query: ({ from, to }) => list.filter((a) => a.publishedAt >= from && a.publishedAt < to) },
    backoffMs: [1],
    tickMs: 50,
    ready,
  });
  return { store, engine, posted, release };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('delivery engine before the archive is loaded', () => {
  it('GIVEN a due digest and an archive still loading THEN the ticker claims nothing however long it runs, then delivers once as soon as it is loaded', async () => {
    // Only the ticker's interval is faked, so "a minute of ticks" passes without waiting for it.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { store, engine, posted, release } = await setup();
    engine.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(posted).toEqual([]);
    expect(await store.listDeliveries('g')).toEqual([]);

    release();
    await vi.waitFor(async () => expect((await store.listDeliveries('g')).map((d) => d.status)).toEqual(['delivered']));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(posted).toHaveLength(1);
    await engine.stop();
  });

  it('GIVEN a tick or send-now asked by hand while loading THEN it waits for the load, and a stop ends the wait without sending', async () => {
    const { store, engine, posted } = await setup();
    const manual = engine.tick();
    const now = engine.sendNow('g');
    await engine.stop();
    await expect(manual).rejects.toThrow(/stopped/);
    await expect(now).rejects.toThrow(/stopped/);
    expect(posted).toEqual([]);
    expect(await store.listDeliveries('g')).toEqual([]);
  });
});
