import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { createSqliteDigestStore } from '../../src/db/sqlite-digest-store.ts';
import type { DigestPart } from '../../src/payload/types.ts';
import type { ComposeCache, ComposeInput } from '../../src/scheduler/compose-cache.ts';
import { runDelivery, type DeliverDeps } from '../../src/scheduler/deliver.ts';
import type { DigestSender, NoncePayload, ThreadOptions } from '../../src/scheduler/sender.ts';
import { claimAt } from '../db/digest-store-suite.ts';

const NO = { parse: [] as never[] };
const parts = (thread: boolean): DigestPart[] =>
  thread
    ? [
        { content: 'lead', allowed_mentions: NO, placement: { in: 'channel', startThread: { name: 'Full list', auto_archive_duration: 1440 } } },
        { content: 'list 1', allowed_mentions: NO, placement: { in: 'thread' } },
        { content: 'list 2', allowed_mentions: NO, placement: { in: 'thread' } },
      ]
    : [
        { content: 'lead', allowed_mentions: NO },
        { content: 'list 1', allowed_mentions: NO },
      ];

/** A claimed delivery on a fresh store, and deps around a scripted sender. */
async function setup(sender: DigestSender) {
  const store = createSqliteDigestStore(openDatabase(':memory:'));
  const now = new Date('2026-11-22T08:00:01Z');
  await store.upsertSubscription({ guildId: 'g', channelId: 'c', time: '08:00', timezone: 'UTC', topics: null, nextDueAt: new Date('2026-11-22T08:00:00Z') }, now);
  const [claimed] = await store.claimDue(claimAt(now.toISOString(), 'me'));
  const asked: ComposeInput[] = [];
  const cache = { get: async (input: ComposeInput) => (asked.push(input), { payloads: parts(input.thread === true), articleCount: 3 }), size: 1 } as unknown as ComposeCache;
  const paused: string[] = [];
  const noop = () => undefined;
  const deps: DeliverDeps = {
    store,
    sender,
    cache,
    clock: { now: () => now },
    logger: { info: noop, warn: noop, error: noop, debug: noop },
    owner: 'me',
    leaseMs: 60_000,
    nonceTrustMs: 60_000,
    backoffMs: [],
    sleep: async () => undefined,
    stopping: () => false,
    startedAt: now,
    pause: async (_g, _c, reason) => void paused.push(reason),
  };
  return { store, deps, claimed: claimed!, asked, paused };
}

function scriptedSender(options: { threads: boolean; startThread?: (channelId: string, messageId: string, o: ThreadOptions) => Promise<{ id: string }> }) {
  const sent: Array<{ channelId: string; content: string }> = [];
  const sender: DigestSender = {
    send: async (channelId: string, payload: NoncePayload) => (sent.push({ channelId, content: (payload.content ?? '').split('\n')[0]! }), { id: `m${sent.length}` }),
    findOwnMessage: async () => null,
    checkPermissions: () => ({ ok: true }),
    capabilities: () => ({ threads: options.threads, attachFiles: false }),
    startThread: options.startThread ?? (async (_c, messageId) => ({ id: messageId })),
  };
  return { sender, sent };
}

describe('runDelivery with a thread', () => {
  it('GIVEN the bot may start threads THEN the plan is stored with the parts, the lead goes to the channel, the thread is started from it and the list goes into the thread', async () => {
    const threads: Array<[string, string, ThreadOptions]> = [];
    const { sender, sent } = scriptedSender({ threads: true, startThread: async (c, m, o) => (threads.push([c, m, o]), { id: m }) });
    const { deps, claimed, store, asked } = await setup(sender);
    const outcome = await runDelivery(deps, claimed);
    expect(outcome).toMatchObject({ status: 'delivered', messageIds: ['m1', 'm2', 'm3'] });
    expect(asked[0]).toMatchObject({ thread: true, chart: false, topStories: 5 });
    expect(sent).toEqual([
      { channelId: 'c', content: 'lead' },
      { channelId: 'm1', content: 'list 1' },
      { channelId: 'm1', content: 'list 2' },
    ]);
    expect(threads).toEqual([['c', 'm1', { name: 'Full list', auto_archive_duration: 1440 }]]);
    const stored = (await store.getDelivery(claimed.id))!.payloads as DigestPart[];
    expect(stored.map((p) => p.placement?.in)).toEqual(['channel', 'thread', 'thread']);
  });

  it('GIVEN no thread permission THEN everything goes to the channel and no thread is asked for', async () => {
    const { sender, sent } = scriptedSender({ threads: false, startThread: async () => Promise.reject(new Error('must not be called')) });
    const { deps, claimed, asked } = await setup(sender);
    expect(await runDelivery(deps, claimed)).toMatchObject({ status: 'delivered' });
    expect(asked[0]).toMatchObject({ thread: false });
    expect(sent.map((s) => s.channelId)).toEqual(['c', 'c']);
  });

  it('GIVEN Discord refuses the thread (403 50013) THEN the subscription is paused with the reason, the lead stays recorded, and nothing goes elsewhere', async () => {
    const refusal = Object.assign(new Error('Missing Permissions'), { status: 403, code: 50013 });
    const { sender, sent } = scriptedSender({ threads: true, startThread: async () => Promise.reject(refusal) });
    const { deps, claimed, store, paused } = await setup(sender);
    expect(await runDelivery(deps, claimed)).toMatchObject({ status: 'paused' });
    expect(paused).toEqual(['Discord refused the digest thread in <#c> (HTTP 403 · code 50013 · Missing Permissions)']);
    expect(sent).toEqual([{ channelId: 'c', content: 'lead' }]);
    expect((await store.getDelivery(claimed.id))!.messageIds).toEqual(['m1', null, null]);
  });
});
