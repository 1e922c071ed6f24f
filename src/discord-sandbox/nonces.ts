import type { StoredMessage } from './types.ts';

/** How long Discord remembers an enforced nonce: "the past few minutes" (undocumented); five here. */
export const DEFAULT_NONCE_WINDOW_MS = 5 * 60_000;

/**
 * Nonces sent with `enforce_nonce: true`, remembered per author across every channel: within the
 * window, a second message from the same author with the same nonce is not created, and Discord
 * answers with the first one (even if it was posted in another channel).
 */
export function createNonceStore(windowMs: number, now: () => number) {
  const seen = new Map<string, { message: StoredMessage; at: number }>();
  const key = (authorId: string, nonce: string) => `${authorId}:${nonce}`;
  return {
    /** The message this author already created with this nonce inside the window, if any. */
    find(authorId: string, nonce: string): StoredMessage | undefined {
      const hit = seen.get(key(authorId, nonce));
      if (!hit) return undefined;
      if (now() - hit.at >= windowMs) {
        seen.delete(key(authorId, nonce));
        return undefined;
      }
      return hit.message;
    },
    remember(authorId: string, nonce: string, message: StoredMessage) {
      seen.set(key(authorId, nonce), { message, at: now() });
    },
    /** Forgets every nonce, as if the window had passed for all of them. */
    expireAll() {
      seen.clear();
    },
  };
}
