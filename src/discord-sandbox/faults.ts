import { SandboxError, missingAccess, missingPermissions, unknownChannel } from './sandbox-error.ts';
import type { Fault, RequestMatch } from './types.ts';

/** A lasting refusal of one channel: 403 50001, 403 50013, or 404 10003, whatever the request. */
export type ChannelFault = 'missing-access' | 'missing-permissions' | 'unknown-channel';

/** Where a request is lost: before Discord applies it, or after (applied, but the answer never arrives). */
export type DropPoint = 'before-applying' | 'after-applying';

const matches = (m: RequestMatch, method: string, route: string) =>
  (!m.method || m.method.toUpperCase() === method) && (!m.path || (typeof m.path === 'string' ? route.includes(m.path) : m.path.test(route)));

/** Takes the first entry matching the request and uses one of its `times`. */
function take<T extends RequestMatch>(queue: T[], method: string, route: string): T | undefined {
  const i = queue.findIndex((f) => matches(f, method, route));
  if (i < 0) return undefined;
  const f = queue[i]!;
  f.times = (f.times ?? 1) - 1;
  if (f.times <= 0) queue.splice(i, 1);
  return f;
}

/** Failures tests script on the server: answers, lost connections, slow answers, refusing channels. */
export function createFaults() {
  const scripted: Fault[] = [];
  const drops: Array<RequestMatch & { when: DropPoint }> = [];
  const delays: Array<RequestMatch & { delayMs: number }> = [];
  const channels = new Map<string, ChannelFault>();
  return {
    /** Answers the next matching request(s) with `status` (see `Fault`). */
    failNext(fault: Fault) {
      scripted.push({ times: 1, ...fault });
    },
    /** Destroys the connection of the next matching request(s), before or after applying it. */
    dropNext(drop: RequestMatch & { when: DropPoint }) {
      drops.push({ times: 1, ...drop });
    },
    /** Holds the answer of the next matching request(s) for `delayMs`. */
    delayNext(delay: RequestMatch & { delayMs: number }) {
      delays.push({ times: 1, ...delay });
    },
    /** Makes every request on a channel fail as `kind` says; `null` lifts it. */
    setChannel(channelId: string, kind: ChannelFault | null) {
      if (kind) channels.set(channelId, kind);
      else channels.delete(channelId);
    },
    /** Forgets every scripted fault. */
    clear() {
      scripted.length = 0;
      drops.length = 0;
      delays.length = 0;
      channels.clear();
    },
    takeFault: (method: string, route: string) => take(scripted, method, route),
    takeDrop: (method: string, route: string) => take(drops, method, route),
    takeDelay: (method: string, route: string) => take(delays, method, route),
    /** The refusal a channel fault gives this route, if any. */
    channelError(route: string): SandboxError | undefined {
      const id = /^\/channels\/(\d+)/.exec(route)?.[1];
      const kind = id ? channels.get(id) : undefined;
      if (kind === 'missing-access') return missingAccess();
      if (kind === 'missing-permissions') return missingPermissions();
      if (kind === 'unknown-channel') return unknownChannel();
      return undefined;
    },
  };
}

/** The fault store of one server. */
export type Faults = ReturnType<typeof createFaults>;
