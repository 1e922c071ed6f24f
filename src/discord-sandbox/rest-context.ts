import type { UploadedFile } from './multipart.ts';
import type { createNonceStore } from './nonces.ts';
import type { GatewayOptions, StoredMessage } from './types.ts';
import type { World } from './world.ts';

/** What every group of REST routes shares. */
export interface RestContext {
  world: World;
  nonces: ReturnType<typeof createNonceStore>;
  /** A stored message as Discord sends it. */
  messageJson: (m: StoredMessage) => Record<string, unknown>;
  /** The gateway URL clients connect to. */
  gatewayUrl: () => string;
  /** What `GET /gateway/bot` reports: the gateway's rules and the session starts left. */
  gateway: () => { options: GatewayOptions; sessionStartsRemaining: number };
}

/**
 * One group of routes: answers `[status, body]` for a request it owns, `null` for one it does not,
 * or throws a `SandboxError` with Discord's refusal.
 */
export type RouteHandler = (method: string, route: string, query: Record<string, string>, body: unknown, files?: UploadedFile[]) => Promise<[number, unknown] | null>;
