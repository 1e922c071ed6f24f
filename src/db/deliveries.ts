import type { MessagePayload } from '../payload/types.ts';
import type { Db } from './database.ts';

/** Why a digest was sent. */
export type DeliveryReason = 'scheduled' | 'catch-up' | 'manual';
/** Where a delivery stands. `pending` and `failed` are resumed; `blocked` waits for an admin. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'blocked';

/** One digest for one period, with the exact messages to post and those already posted. */
export interface Delivery {
  id: number;
  guildId: string;
  channelId: string;
  periodFrom: Date;
  periodTo: Date;
  reason: DeliveryReason;
  status: DeliveryStatus;
  articleCount: number;
  payloads: MessagePayload[];
  /** Discord message id per payload, null until that message is confirmed. */
  messageIds: (string | null)[];
  error: string | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  id: number;
  guild_id: string;
  channel_id: string;
  period_from: string;
  period_to: string;
  reason: DeliveryReason;
  status: DeliveryStatus;
  article_count: number;
  payloads: string;
  message_ids: string;
  error: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: Row): Delivery => ({
  id: r.id,
  guildId: r.guild_id,
  channelId: r.channel_id,
  periodFrom: new Date(r.period_from),
  periodTo: new Date(r.period_to),
  reason: r.reason,
  status: r.status,
  articleCount: r.article_count,
  payloads: JSON.parse(r.payloads) as MessagePayload[],
  messageIds: JSON.parse(r.message_ids) as (string | null)[],
  error: r.error,
  attempts: r.attempts,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

/** The delivery history. */
export type DeliveryRepo = ReturnType<typeof createDeliveryRepo>;

/** Records each digest before it is sent and each message as it is confirmed, so a restart knows exactly what is left. */
export function createDeliveryRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO deliveries (guild_id, channel_id, period_from, period_to, reason, status, article_count, payloads, message_ids, attempts, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, 0, ?, ?)`,
  );
  const byId = db.prepare<[number], Row>('SELECT * FROM deliveries WHERE id = ?');
  const lastDelivered = db.prepare<[string, string], Row>(
    "SELECT * FROM deliveries WHERE guild_id = ? AND channel_id = ? AND status = 'delivered' ORDER BY period_to DESC, id DESC LIMIT 1",
  );
  const unfinished = db.prepare<[string, string], Row>(
    "SELECT * FROM deliveries WHERE guild_id = ? AND channel_id = ? AND status IN ('pending', 'failed', 'blocked') ORDER BY id ASC LIMIT 1",
  );
  const latest = db.prepare<[string], Row>('SELECT * FROM deliveries WHERE guild_id = ? ORDER BY id DESC LIMIT 1');
  const setIds = db.prepare('UPDATE deliveries SET message_ids = ?, updated_at = ? WHERE id = ?');
  const finish = db.prepare('UPDATE deliveries SET status = ?, error = ?, attempts = attempts + ?, updated_at = ? WHERE id = ?');
  const all = db.prepare<[string], Row>('SELECT * FROM deliveries WHERE guild_id = ? ORDER BY id ASC');

  return {
    create(d: { guildId: string; channelId: string; periodFrom: Date; periodTo: Date; reason: DeliveryReason; articleCount: number; payloads: MessagePayload[] }, now: Date): Delivery {
      const info = insert.run(
        d.guildId,
        d.channelId,
        d.periodFrom.toISOString(),
        d.periodTo.toISOString(),
        d.reason,
        d.articleCount,
        JSON.stringify(d.payloads),
        JSON.stringify(d.payloads.map(() => null)),
        now.toISOString(),
        now.toISOString(),
      );
      return fromRow(byId.get(Number(info.lastInsertRowid))!);
    },
    get(id: number): Delivery | undefined {
      const r = byId.get(id);
      return r ? fromRow(r) : undefined;
    },
    /** The most recent digest that reached the channel in full. */
    lastDelivered(guildId: string, channelId: string): Delivery | undefined {
      const r = lastDelivered.get(guildId, channelId);
      return r ? fromRow(r) : undefined;
    },
    /** The oldest digest for this channel that has not reached it in full. */
    unfinished(guildId: string, channelId: string): Delivery | undefined {
      const r = unfinished.get(guildId, channelId);
      return r ? fromRow(r) : undefined;
    },
    /** The server's latest delivery attempt, whatever its outcome. */
    latest(guildId: string): Delivery | undefined {
      const r = latest.get(guildId);
      return r ? fromRow(r) : undefined;
    },
    all(guildId: string): Delivery[] {
      return all.all(guildId).map(fromRow);
    },
    /** Records one confirmed message, immediately, before the next one is sent. */
    recordMessage(id: number, index: number, messageId: string, now: Date): void {
      db.transaction(() => {
        const d = byId.get(id)!;
        const ids = JSON.parse(d.message_ids) as (string | null)[];
        ids[index] = messageId;
        setIds.run(JSON.stringify(ids), now.toISOString(), id);
      })();
    },
    finish(id: number, status: DeliveryStatus, error: string | null, attempts: number, now: Date): void {
      finish.run(status, error, attempts, now.toISOString(), id);
    },
  };
}
