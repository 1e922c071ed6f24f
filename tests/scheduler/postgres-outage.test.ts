import { afterEach, describe, expect, it } from 'vitest';
import type { DigestStore } from '../../src/db/digest-store.ts';
import { openPostgresDigestStore, type PostgresStoreOptions } from '../../src/db/postgres-digest-store.ts';
import { hasMarker } from '../../src/payload/message-identity.ts';
import { createDeliveryEngine, type EngineOptions } from '../../src/scheduler/engine.ts';
import type { DigestSender, NoncePayload } from '../../src/scheduler/sender.ts';
import { makeArticle } from '../support/article-factory.ts';
import { usePostgres } from '../support/postgres.ts';
import { waitFor } from '../support/wait-for.ts';

const postgres = usePostgres();
const opened: DigestStore[] = [];
afterEach(async () => {
  // The server is up again for the next test whatever this one did.
  await postgres().start().catch(() => undefined);
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

/** A Postgres store that counts its retries; `retryDelaysMs` bounds how long it rides out an outage. */
async function openStore(retryDelaysMs: readonly number[]) {
  const retries: string[] = [];
  const options: PostgresStoreOptions = { retryDelaysMs, onRetry: (r) => void retries.push(r.what) };
  const store = await openPostgresDigestStore(await postgres().freshDatabase(), options);
  opened.push(store);
  return { store, retries };
}

/** Discord, as far as a digest needs it: messages per channel, one per nonce, and the history search. */
function fakeDiscord(onSend: (n: number) => Promise<void> = async () => undefined) {
  const posted: Array<{ channelId: string; id: string; content: string }> = [];
  const byNonce = new Map<string, string>();
  const sender: DigestSender = {
    async send(channelId: string, payload: NoncePayload) {
      let id = byNonce.get(payload.nonce);
      if (!id) {
        id = String(1000 + posted.length);
        posted.push({ channelId, id, content: payload.content ?? '' });
        byNonce.set(payload.nonce, id);
      }
      await onSend(posted.length);
      return { id };
    },
    async findOwnMessage(channelId, marker) {
      return posted.find((m) => m.channelId === channelId && hasMarker(m.content, marker))?.id ?? null;
    },
    checkPermissions: () => ({ ok: true }),
  };
  return { sender, posted, forgetNonces: () => byNonce.clear() };
}

function clockAt(iso: string) {
  let now = new Date(iso).getTime();
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

const errors: string[] = [];
const logger = { info() {}, warn() {}, debug() {}, error: (_o: object, msg?: string) => void errors.push(msg ?? '') };
const article = makeArticle({ publishedAt: new Date('2026-11-22T06:00:00Z') });

function engineFor(store: DigestStore, sender: DigestSender, clock: ReturnType<typeof clockAt>, extra: Partial<EngineOptions> = {}) {
  return createDeliveryEngine({
    store,
    sender,
    clock,
    logger,
    articles: { query: ({ from, to }) => (article.publishedAt >= from && article.publishedAt < to ? [article] : []) },
    backoffMs: [1, 1],
    ...extra,
  });
}

async function subscribe(store: DigestStore, guilds: string[]) {
  for (const g of guilds) {
    await store.upsertSubscription({ guildId: g, channelId: `c${g}`, time: '08:00', timezone: 'UTC', topics: null, nextDueAt: new Date('2026-11-22T08:00:00Z') }, new Date('2026-11-21T12:00:00Z'));
  }
}

describe('a Postgres that goes away and comes back', () => {
  it('GIVEN Postgres stops right after a digest was posted THEN recording it is retried until Postgres is back: delivered once, not resent', async () => {
    const { store, retries } = await openStore([50, 100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000]);
    await subscribe(store, ['g']);
    const server = postgres();
    const discord = fakeDiscord(async (n) => {
      // The message is out; the database goes away before its id is recorded.
      if (n === 1) await server.stop();
    });
    const clock = clockAt('2026-11-22T08:00:01Z');
    const engine = engineFor(store, discord.sender, clock);
    const ticked = engine.tick();
    // Back once the store has found it gone and is retrying.
    await waitFor(() => retries.length > 0, { what: 'a retry while Postgres is down', timeout: 10_000 });
    await server.start();
    const outcomes = await ticked;

    expect(retries).toContain('recording a posted message');
    expect(outcomes).toMatchObject([{ guildId: 'g', status: 'delivered', messageIds: ['1000'] }]);
    expect(discord.posted).toHaveLength(1);
    const [stored] = await store.listDeliveries('g');
    expect(stored).toMatchObject({ status: 'delivered', messageIds: ['1000'], leaseOwner: null });
  });

  it('GIVEN Postgres is down when digests fall due THEN the ticker claims them at a later tick once it is back: every digest delivered once', async () => {
    const { store } = await openStore([20, 40]);
    await subscribe(store, ['a', 'b', 'c']);
    const discord = fakeDiscord();
    const clock = clockAt('2026-11-22T08:00:01Z');
    const engine = engineFor(store, discord.sender, clock, { tickMs: 50 });
    errors.length = 0;
    await postgres().stop();
    engine.start();
    // The claim gave up (a DatabaseError) at least once, and the ticker went on.
    await waitFor(() => errors.filter((e) => e === 'digest tick failed').length >= 2, { what: 'claims failing while Postgres is down', timeout: 10_000 });
    expect(discord.posted).toEqual([]);
    await postgres().start();
    const delivered = async () => (await Promise.all(['a', 'b', 'c'].map((g) => store.latestDelivery(g)))).every((d) => d?.status === 'delivered');
    await waitFor(delivered, { what: 'every digest delivered after Postgres came back', timeout: 15_000 });
    await engine.stop();
    expect(discord.posted.map((m) => m.channelId).sort()).toEqual(['ca', 'cb', 'cc']);
    for (const g of ['a', 'b', 'c']) expect(await store.listDeliveries(g)).toHaveLength(1);
  });

  it('GIVEN Postgres stays away longer than the retries after a post THEN the delivery is taken over after its lease and settled from the history, not resent', async () => {
    const { store } = await openStore([20, 40]);
    await subscribe(store, ['g']);
    const server = postgres();
    const discord = fakeDiscord(async (n) => {
      if (n === 1) await server.stop();
    });
    const clock = clockAt('2026-11-22T08:00:01Z');
    errors.length = 0;
    // The record gives up (the delivery is left to its lease), then the tick's next claim fails too.
    await expect(engineFor(store, discord.sender, clock, { leaseMs: 30_000 }).tick()).rejects.toThrow(/^database error while claiming due digests: /);
    expect(errors).toContain('database error during a delivery; it will be taken over after its lease');

    await server.start();
    // What the store knows: the message's first attempt, not its id; the lease is the dead run's.
    const [left] = await store.listDeliveries('g');
    expect(left).toMatchObject({ status: 'claimed', messageIds: [null] });
    expect(left!.firstAttemptAt[0]).toBeInstanceOf(Date);
    // Past Discord's nonce window too: only the channel's history can tell the message went out.
    discord.forgetNonces();
    clock.advance(2 * 60_000);
    const [done] = await engineFor(store, discord.sender, clock, { leaseMs: 30_000 }).tick();
    expect(done).toMatchObject({ status: 'delivered', messageIds: ['1000'] });
    expect(discord.posted).toHaveLength(1);
  });
});
