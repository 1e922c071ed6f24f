import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { createSqliteDigestStore } from '../../src/db/sqlite-digest-store.ts';
import { digestNonce, hasMarker, partMarker } from '../../src/payload/message-identity.ts';
import type { MessagePayload } from '../../src/payload/types.ts';
import { validateMessage } from '../../src/payload/validate.ts';
import type { ComposeCache } from '../../src/scheduler/compose-cache.ts';
import { runDelivery, type DeliverDeps } from '../../src/scheduler/deliver.ts';
import type { DigestSender, NoncePayload } from '../../src/scheduler/sender.ts';
import { claimAt } from '../db/digest-store-suite.ts';

/** A logger that keeps what it was told, to check a bug is reported as one. */
function recordingLogger() {
  const lines: Array<{ level: string; obj: object; msg?: string }> = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

describe('runDelivery: what is stored is what is sent', () => {
  it('GIVEN a rendering that breaks Discord limits (12 embeds in one message) THEN it is logged as a bug, repaired into valid parts before it is stored, and each part is posted once with its own marker and nonce', async () => {
    const store = createSqliteDigestStore(openDatabase(':memory:'));
    const now = new Date('2026-11-22T08:00:01Z');
    await store.upsertSubscription({ guildId: 'g', channelId: 'c', time: '08:00', timezone: 'UTC', topics: null, nextDueAt: new Date('2026-11-22T08:00:00Z') }, now);
    const [claimed] = await store.claimDue(claimAt(now.toISOString(), 'me'));
    const broken: MessagePayload = {
      content: '**Daily digest**',
      embeds: Array.from({ length: 12 }, (_, i) => ({ title: `Topic ${i}`, description: 'news '.repeat(40) })),
      allowed_mentions: { parse: [] },
    };
    const cache = { get: async () => ({ payloads: [broken], articleCount: 12 }), size: 1 } as unknown as ComposeCache;
    const sent: Array<{ channelId: string; payload: NoncePayload }> = [];
    const sender: DigestSender = {
      send: async (channelId, payload) => (sent.push({ channelId, payload }), { id: `m${sent.length}` }),
      findOwnMessage: async () => null,
      checkPermissions: () => ({ ok: true }),
    };
    const logger = recordingLogger();
    const deps: DeliverDeps = {
      store,
      sender,
      cache,
      clock: { now: () => now },
      logger,
      owner: 'me',
      leaseMs: 60_000,
      nonceTrustMs: 60_000,
      backoffMs: [],
      sleep: async () => undefined,
      stopping: () => false,
      startedAt: now,
      pause: async () => undefined,
    };

    const outcome = await runDelivery(deps, claimed!);

    expect(outcome).toMatchObject({ status: 'delivered', messageIds: ['m1', 'm2'] });
    const stored = (await store.getDelivery(claimed!.id))!;
    expect(stored.payloads).toHaveLength(2);
    expect(stored.payloads!.map((p) => p.embeds?.length)).toEqual([10, 2]);
    stored.payloads!.forEach((p, part) => {
      expect(validateMessage(p, { channelMessage: true })).toEqual([]);
      expect(hasMarker(p.content ?? '', partMarker('c', claimed!.slot, part))).toBe(true);
    });
    expect(sent.map((s) => s.payload.nonce)).toEqual([digestNonce('c', claimed!.slot, 0), digestNonce('c', claimed!.slot, 1)]);
    expect(sent.map(({ payload: { nonce: _n, enforce_nonce: _e, ...p } }) => p)).toEqual(stored.payloads);
    expect(stored).toMatchObject({ status: 'delivered', messageIds: ['m1', 'm2'], leaseOwner: null });
    const bug = logger.lines.find((l) => l.level === 'error' && l.msg?.startsWith('bug: a rendered digest message breaks Discord limits'));
    expect(bug?.obj).toMatchObject({ parts: 2, problems: expect.arrayContaining([expect.objectContaining({ path: 'embeds' })]) });
  });
});
