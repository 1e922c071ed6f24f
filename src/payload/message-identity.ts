/**
 * The identity of one digest message, derived from where and when it belongs (channel, slot, part),
 * never from a local counter: two databases on one token, or a wiped database, derive different
 * values for different channels and the same value for the same message.
 */
import { createHash } from 'node:crypto';
import { DISCORD_LIMITS as L } from './limits.ts';
import type { MessagePayload } from './types.ts';

/** Discord accepts nonces of at most 25 characters. */
export const NONCE_MAX_LENGTH = 25;
/** Long enough that two messages of one channel never share a marker by chance. */
const REF_LENGTH = 12;

const base36 = (text: string) => BigInt(`0x${createHash('sha256').update(text).digest('hex')}`).toString(36);

/** The nonce of one part of one digest: the same on every retry, by every process, at most 25 characters. */
export function digestNonce(channelId: string, slot: string, part: number): string {
  return base36(`${channelId}:${slot}:${part}`).slice(0, NONCE_MAX_LENGTH);
}

/** The text that marks one part of one digest in the channel, e.g. `ref 0k3f9x2m1a7q`. */
export function partMarker(channelId: string, slot: string, part: number): string {
  return `ref ${base36(`ref:${channelId}:${slot}:${part}`).slice(0, REF_LENGTH)}`;
}

/**
 * The payload with its marker as the last line of its content (small grey text), so the bot can find
 * its own message in the channel's history when it cannot know whether a post went through.
 */
export function withMarker(payload: MessagePayload, marker: string): MessagePayload {
  const line = `\n-# ${marker}`;
  const content = payload.content ?? '';
  const room = L.content - line.length;
  const body = content.length > room ? `${content.slice(0, room - 1)}…` : content;
  return { ...payload, content: `${body}${line}` };
}

/** True when a message's content carries the marker. */
export function hasMarker(content: string, marker: string): boolean {
  return content.endsWith(`-# ${marker}`);
}
